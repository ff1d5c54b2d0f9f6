"""Image and video decoding: EXIF orientation, frame sampling and errors for bad files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from harness.errors import MediaError
from harness.media.image import load_image
from harness.media.video import read_video_frames, sample_frame_indices
from harness.tasks import get_task

RED = (255, 0, 0)
BLUE = (0, 0, 255)
EXIF_ORIENTATION = 0x0112


def clip_paths() -> list[str]:
    return [example.input for example in get_task("msrvtt_msvd_clips").examples()]


def write_two_colour_jpeg(path: Path, orientation: int) -> None:
    """Write a 40x20 JPEG, left half red and right half blue, with an EXIF orientation tag."""
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = RED
    pixels[:, 20:] = BLUE
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    Image.fromarray(pixels).save(path, format="JPEG", quality=95, exif=exif)


def is_close(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour))


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    write_two_colour_jpeg(path, orientation=6)
    with Image.open(path) as raw:
        assert raw.size == (40, 20)
        assert raw.getexif()[EXIF_ORIENTATION] == 6

    image = load_image(path, "photo-1")

    # Orientation 6 means "rotate 90 degrees clockwise to display": the left (red) half becomes the top.
    assert image.mode == "RGB"
    assert image.size == (20, 40)
    assert is_close(image.getpixel((10, 5)), RED)
    assert is_close(image.getpixel((10, 35)), BLUE)


def test_image_without_orientation_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "upright.jpg"
    write_two_colour_jpeg(path, orientation=1)
    image = load_image(path)
    assert image.size == (40, 20)
    assert is_close(image.getpixel((5, 10)), RED)


def test_grey_png_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    Image.new("L", (8, 8), color=128).save(path)
    image = load_image(path)
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (128, 128, 128)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is a caption, not a picture\n", "not a readable image"),
        (None, "image file not found"),
    ],
)
def test_bad_image_error_names_sample_and_path(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "photo.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError) as caught:
        load_image(path, "img-7")
    message = str(caught.value)
    assert reason in message
    assert "'img-7'" in message
    assert str(path) in message
    assert caught.value.example_id == "img-7"
    assert caught.value.path == str(path)


def test_truncated_jpeg_is_corrupt(tmp_path: Path) -> None:
    source = Path(get_task("coco_images").examples(limit=1)[0].input)
    path = tmp_path / "truncated.jpg"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    with pytest.raises(MediaError, match="corrupt or truncated"):
        load_image(path, "img-8")


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (10, 4, [1, 3, 6, 8]),
        (8, 8, [0, 1, 2, 3, 4, 5, 6, 7]),
        (100, 1, [50]),
        (3, 6, [0, 0, 1, 1, 2, 2]),
    ],
)
def test_frame_indices_are_segment_centres(total: int, count: int, expected: list[int]) -> None:
    assert sample_frame_indices(total, count) == expected


def test_video_frames_match_direct_decode() -> None:
    path = clip_paths()[0]
    frames = read_video_frames(path, 4, "clip-0")

    with av.open(path) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    expected = [decoded[index] for index in sample_frame_indices(len(decoded), 4)]

    assert len(frames) == 4
    for frame, reference in zip(frames, expected):
        assert frame.mode == "RGB"
        assert np.array_equal(np.asarray(frame), reference)


def test_every_shipped_clip_decodes() -> None:
    for path in clip_paths():
        frames = read_video_frames(path, 8)
        assert len(frames) == 8, path
        assert frames[0].width > 0


def test_frame_folder_is_sampled_in_name_order(tmp_path: Path) -> None:
    for index in range(10):
        Image.new("RGB", (4, 4), color=(index * 20, 0, 0)).save(tmp_path / f"{index:05d}.png")
    (tmp_path / "notes.txt").write_text("not a frame")
    frames = read_video_frames(tmp_path, 4)
    assert [frame.getpixel((0, 0))[0] for frame in frames] == [20, 60, 120, 160]


def test_truncated_video_error_names_sample_and_path(tmp_path: Path) -> None:
    source = Path(next(path for path in clip_paths() if path.endswith(".mp4")))
    path = tmp_path / "truncated.mp4"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(MediaError) as caught:
        read_video_frames(path, 8, "clip-3")
    assert "cannot be decoded" in str(caught.value)
    assert "'clip-3'" in str(caught.value)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("name", ["missing.mp4", "empty_folder"])
def test_missing_video_input(tmp_path: Path, name: str) -> None:
    if name == "empty_folder":
        (tmp_path / name).mkdir()
    with pytest.raises(MediaError, match="clip-9"):
        read_video_frames(tmp_path / name, 8, "clip-9")
