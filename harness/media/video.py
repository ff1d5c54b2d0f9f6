"""Sample frames uniformly from a video file or a folder of frame images.

Sampling rule: a clip of ``T`` frames is cut into ``n`` equal segments and
the frame at the centre of each segment is kept, i.e. frame indices
``floor((i + 0.5) * T / n)`` for ``i = 0 .. n-1``. For clips of at least
``2n`` frames it skips the first and last frame, which are often black or a
fade. A clip shorter than ``n`` frames repeats frames so that exactly ``n``
come back.

Video files are decoded with PyAV (FFmpeg). ``T`` is the number of non-empty
packets of the first video stream, counted by demuxing without decoding.
When the decoder returns fewer frames than that (a truncated file), the
clip is sampled again over the frames that did decode. A folder holds one image
per frame, taken in file-name order (zero-pad the numbers: ``00001.jpg``).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import av
from PIL import Image

from harness.media.image import load_image, media_error

logger = logging.getLogger(__name__)

FRAME_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})

_VIDEO_FIX = "Replace it with a complete video file (MP4, AVI, WebM ...) or a folder of frame images, or fix the video path in the task data."


def sample_frame_indices(total_frames: int, num_frames: int) -> list[int]:
    """Return ``num_frames`` indices at the centres of equal segments of ``range(total_frames)``."""
    if total_frames < 1 or num_frames < 1:
        raise ValueError(f"need total_frames >= 1 and num_frames >= 1, got {total_frames} and {num_frames}")
    return [min(total_frames - 1, math.floor((i + 0.5) * total_frames / num_frames)) for i in range(num_frames)]


def read_video_frames(path: str | Path, num_frames: int, example_id: str | None = None) -> list[Image.Image]:
    """Return ``num_frames`` RGB frames of a video file or frame folder, sampled at segment centres (see the module docstring).

    Raises :class:`MediaError` naming ``example_id`` and ``path`` when the file
    or folder is missing, contains no frames, or cannot be decoded.
    """
    path = Path(path)
    if not path.exists():
        raise media_error("video file not found", path, example_id, _VIDEO_FIX)
    if path.is_dir():
        return _read_frame_folder(path, num_frames, example_id)
    return _read_video_file(path, num_frames, example_id)


def _read_frame_folder(folder: Path, num_frames: int, example_id: str | None) -> list[Image.Image]:
    files = sorted(child for child in folder.iterdir() if child.is_file() and child.suffix.lower() in FRAME_SUFFIXES)
    if not files:
        suffixes = ", ".join(sorted(FRAME_SUFFIXES))
        raise media_error(f"frame folder contains no image files ({suffixes})", folder, example_id, _VIDEO_FIX)
    indices = sample_frame_indices(len(files), num_frames)
    return [load_image(files[index], example_id) for index in indices]


def _count_packets(path: Path) -> int:
    with av.open(str(path)) as container:
        if not container.streams.video:
            return 0
        stream = container.streams.video[0]
        return sum(1 for packet in container.demux(stream) if packet.size)


def _decode_at(path: Path, indices: list[int]) -> tuple[dict[int, Image.Image], int]:
    """Decode the first video stream; return the frames at ``indices`` and the number of frames decoded."""
    requested = set(indices)
    last = max(indices)
    frames_by_index: dict[int, Image.Image] = {}
    decoded = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if decoded in requested:
                frames_by_index[decoded] = frame.to_image().convert("RGB")
            decoded += 1
            if decoded > last:
                break
    return frames_by_index, decoded


def _read_video_file(path: Path, num_frames: int, example_id: str | None) -> list[Image.Image]:
    try:
        total = _count_packets(path)
        if total == 0:
            raise media_error("file has no video frames", path, example_id, _VIDEO_FIX)
        indices = sample_frame_indices(total, num_frames)
        frames_by_index, decoded = _decode_at(path, indices)
        if decoded == 0:
            raise media_error("no video frame could be decoded", path, example_id, _VIDEO_FIX)
        if len(frames_by_index) < len(set(indices)):
            logger.warning(
                "Video %s declares %d frames but only %d decode; sampling over the decoded frames", path, total, decoded
            )
            indices = sample_frame_indices(decoded, num_frames)
            frames_by_index, _ = _decode_at(path, indices)
    except av.error.FFmpegError as error:
        raise media_error(f"video cannot be decoded ({error.strerror or error})", path, example_id, _VIDEO_FIX) from None
    except OSError as error:
        raise media_error(f"video cannot be read ({error.strerror or error})", path, example_id, _VIDEO_FIX) from None
    return [frames_by_index[index] for index in indices]
