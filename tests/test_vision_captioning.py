"""Image and video captioning adapters end to end on tiny ViT-GPT2 and BLIP models built from configs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import torch
from transformers import (
    AutoImageProcessor,
    AutoProcessor,
    AutoTokenizer,
    BertTokenizerFast,
    BlipConfig,
    BlipForConditionalGeneration,
    BlipImageProcessor,
    BlipProcessor,
    CLIPImageProcessor,
    GitConfig,
    GitForCausalLM,
    GitProcessor,
    GPT2Config,
    ViTConfig,
    ViTImageProcessor,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
)

from harness.errors import MediaError
from harness.media.image import load_image
from harness.media.video import read_video_frames
from harness.models.base import LoadOptions
from harness.models.offline_tokenizer import add_post_processor, save_fast_tokenizer, train_tokenizer
from harness.models.registry import load_model, resolve_hf_adapter
from harness.models.video import consensus_index, unigram_f1
from harness.runner.runner import RunConfig, run
from harness.tasks import catalog, get_task

IMAGE_SIZE = 32
MAX_NEW_TOKENS = 6


def caption_texts() -> list[str]:
    return [reference for example in get_task("coco_fakecap").examples(limit=300) for reference in example.references]


@pytest.fixture(scope="module")
def tiny_vit_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer ViT encoder with a 2-layer GPT-2 decoder, saved with a ViT image processor and a byte-level BPE."""
    folder = tmp_path_factory.mktemp("vit_gpt2")
    tokenizer = train_tokenizer("byte_bpe", 400, ["<|endoftext|>"], texts=caption_texts())
    save_fast_tokenizer(
        tokenizer, folder, bos_token="<|endoftext|>", eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )
    ViTImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}).save_pretrained(folder)

    encoder = ViTConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=IMAGE_SIZE, patch_size=8
    )
    decoder = GPT2Config(vocab_size=400, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=0, eos_token_id=0)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = 0
    config.pad_token_id = 0
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config)
    # Random weights would often end at once; without an end token every caption has MAX_NEW_TOKENS tokens.
    model.generation_config.eos_token_id = None
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_blip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BLIP captioner saved with a BLIP processor and a WordPiece vocabulary."""
    folder = tmp_path_factory.mktemp("blip")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
    tokenizer = train_tokenizer("wordpiece", 600, specials, lowercase=True, texts=caption_texts())
    add_post_processor(tokenizer, prefix=["[CLS]"], suffix=["[SEP]"])
    wrapped = BertTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        bos_token="[DEC]",
    )
    image_processor = BlipImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    BlipProcessor(image_processor=image_processor, tokenizer=wrapped).save_pretrained(folder)

    config = BlipConfig(
        text_config=dict(
            vocab_size=600,
            hidden_size=32,
            encoder_hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
            bos_token_id=5,
            pad_token_id=0,
            sep_token_id=3,
            eos_token_id=3,
        ),
        vision_config=dict(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=IMAGE_SIZE, patch_size=8
        ),
        projection_dim=32,
    )
    torch.manual_seed(0)
    model = BlipForConditionalGeneration(config)
    model.generation_config.eos_token_id = None
    model.save_pretrained(folder)
    return folder


GIT_FRAMES = 4


@pytest.fixture(scope="module")
def tiny_git_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer GIT with temporal embeddings for 4 frames, saved with a GIT processor and a WordPiece vocabulary."""
    folder = tmp_path_factory.mktemp("git_video")
    tokenizer = train_tokenizer("wordpiece", 600, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], lowercase=True, texts=caption_texts())
    add_post_processor(tokenizer, prefix=["[CLS]"], suffix=["[SEP]"])
    wrapped = BertTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    image_processor = CLIPImageProcessor(size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    GitProcessor(image_processor=image_processor, tokenizer=wrapped).save_pretrained(folder)

    config = GitConfig(
        vision_config=dict(
            hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=IMAGE_SIZE, patch_size=8
        ),
        vocab_size=600,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        bos_token_id=2,
        eos_token_id=3,
        pad_token_id=0,
        num_image_with_embedding=GIT_FRAMES,
    )
    torch.manual_seed(0)
    model = GitForCausalLM(config)
    model.generation_config.eos_token_id = None
    model.save_pretrained(folder)
    return folder


def reference_captions(folder: Path, images: list, *, blip: bool) -> list[str]:
    """Caption with the plain transformers API, independently of the adapter."""
    if blip:
        processor = AutoProcessor.from_pretrained(folder)
        model = BlipForConditionalGeneration.from_pretrained(folder).eval()
        image_processor, tokenizer = processor.image_processor, processor.tokenizer
    else:
        model = VisionEncoderDecoderModel.from_pretrained(folder).eval()
        image_processor, tokenizer = AutoImageProcessor.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    pixel_values = image_processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.inference_mode():
        output = model.generate(pixel_values=pixel_values, max_new_tokens=MAX_NEW_TOKENS, num_beams=1, do_sample=False)
    return [text.strip() for text in tokenizer.batch_decode(output, skip_special_tokens=True)]


def read_samples(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_config(model: str, task: str, output_dir: Path, **overrides) -> RunConfig:
    values = dict(
        model=model,
        tasks=[task],
        limit=4,
        max_new_tokens=MAX_NEW_TOKENS,
        batch_size=2,
        device="cpu",
        dtype="float32",
        show_progress=False,
        output_dir=output_dir,
        run_name="run",
        metric_options={"bootstrap_resamples": 0},
    )
    values.update(overrides)
    return RunConfig(**values)


@pytest.mark.parametrize("fixture", ["tiny_vit_gpt2", "tiny_blip"])
def test_hf_dispatch_picks_image_captioning(fixture: str, request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(fixture)
    assert resolve_hf_adapter(str(folder), LoadOptions()).name == "image-captioning"


@pytest.mark.parametrize(("fixture", "blip"), [("tiny_vit_gpt2", False), ("tiny_blip", True)])
def test_captioner_runs_coco_images(fixture: str, blip: bool, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    folder = request.getfixturevalue(fixture)
    results = run(run_config(f"hf:{folder}", "coco_images", tmp_path))

    record = results.tasks["coco_images"]
    assert results.model.adapter == "image-captioning"
    assert results.model.random_weights is False
    assert record.num_examples == 4
    assert record.num_failed == 0
    assert {"coco_bleu", "cider"} <= set(record.metrics)

    samples = read_samples(tmp_path / "run" / "samples_coco_images.jsonl")
    examples = get_task("coco_images").examples(limit=4)
    expected = reference_captions(folder, [load_image(example.input) for example in examples], blip=blip)
    assert [sample["id"] for sample in samples] == [example.id for example in examples]
    assert [sample["prediction"] for sample in samples] == expected
    assert all(sample["prediction"] for sample in samples)


def test_consensus_index_picks_most_shared_caption() -> None:
    captions = ["a dog runs", "a dog runs on grass", "a cat sleeps"]
    assert unigram_f1("a dog runs", "a dog runs on grass") == pytest.approx(0.75)
    assert consensus_index(captions) == 0


@pytest.mark.parametrize(("captions", "expected"), [(["x", "y", "z"], 1), (["x", "y", "z", "w"], 1), (["only"], 0)])
def test_consensus_ties_go_to_middle_frame(captions: list[str], expected: int) -> None:
    assert consensus_index(captions) == expected


def expected_video_caption(folder: Path, path: str, num_frames: int) -> str:
    frame_captions = reference_captions(folder, read_video_frames(path, num_frames), blip=True)
    return frame_captions[consensus_index(frame_captions)]


def test_video_frames_runs_clips(tiny_blip: Path, tmp_path: Path) -> None:
    results = run(run_config(f"video-frames:{tiny_blip}", "msrvtt_msvd_clips", tmp_path, limit=2))

    record = results.tasks["msrvtt_msvd_clips"]
    assert record.num_examples == 2
    assert record.num_failed == 0
    assert results.model.adapter == "video-frames"
    assert results.model.extra["merge_rule"].startswith("consensus")

    task = get_task("msrvtt_msvd_clips")
    samples = read_samples(tmp_path / "run" / "samples_msrvtt_msvd_clips.jsonl")
    for sample, example in zip(samples, task.examples(limit=2)):
        assert sample["prediction"] == expected_video_caption(tiny_blip, example.input, task.config.input.num_frames)


def test_hf_captioner_runs_video_task(tiny_blip: Path) -> None:
    # The Runner path is covered above; this checks that hf: image captioners apply the same rule to videos.
    task = get_task("msrvtt_msvd_clips")
    examples = task.examples(limit=2)
    model = load_model(f"hf:{tiny_blip}", LoadOptions(device="cpu", dtype="float32"))
    generation = task.config.generation.model_copy(update={"max_new_tokens": MAX_NEW_TOKENS})

    assert model.supports(task)
    predictions = model.predict(examples, task, generation)
    expected = [expected_video_caption(tiny_blip, example.input, task.config.input.num_frames) for example in examples]
    assert predictions == expected


def test_video_capable_git_reads_frames_together(tiny_git_video: Path, tmp_path: Path) -> None:
    results = run(run_config(f"video-frames:{tiny_git_video}", "msrvtt_msvd_clips", tmp_path, limit=2))

    assert results.model.extra["frames_per_clip"] == GIT_FRAMES
    assert results.model.extra["merge_rule"].startswith("none")
    assert results.tasks["msrvtt_msvd_clips"].num_failed == 0

    processor = AutoProcessor.from_pretrained(tiny_git_video)
    model = GitForCausalLM.from_pretrained(tiny_git_video).eval()
    examples = get_task("msrvtt_msvd_clips").examples(limit=2)
    frames = [frame for example in examples for frame in read_video_frames(example.input, GIT_FRAMES)]
    pixel_values = processor.image_processor(images=frames, return_tensors="pt")["pixel_values"]
    pixel_values = pixel_values.reshape(len(examples), GIT_FRAMES, *pixel_values.shape[1:])
    with torch.inference_mode():
        output = model.generate(pixel_values=pixel_values, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
    expected = [text.strip() for text in processor.tokenizer.batch_decode(output, skip_special_tokens=True)]

    samples = read_samples(tmp_path / "run" / "samples_msrvtt_msvd_clips.jsonl")
    assert [sample["prediction"] for sample in samples] == expected
    assert all(expected)


@pytest.fixture
def task_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on HARNESS_TASKS_PATH, so that the task files written there are found by name."""
    folder = tmp_path / "task"
    folder.mkdir()
    monkeypatch.setenv("HARNESS_TASKS_PATH", str(folder))
    catalog._index.cache_clear()
    yield folder
    catalog._index.cache_clear()


def write_media_task(folder: Path, rows: list[dict], kind: str = "image") -> str:
    """Write a captioning task scored with BLEU whose rows name the given media files; return its name."""
    (folder / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    family = "captioning" if kind == "image" else "video_captioning"
    task_file = folder / "bad_media.yaml"
    task_file.write_text(
        f"name: bad_media_{kind}\nfamily: {family}\nversion: 1\n"
        "dataset: {format: jsonl, path: data.jsonl}\n"
        f"input: {{field: media, kind: {kind}, num_frames: 2}}\n"
        "id_field: id\nreferences: [reference]\nmetrics: [bleu]\n",
        encoding="utf-8",
    )
    catalog._index.cache_clear()
    return f"bad_media_{kind}"


def test_bad_images_are_skipped_and_counted(tiny_vit_gpt2: Path, task_folder: Path, tmp_path: Path) -> None:
    data = task_folder
    shutil.copy(get_task("coco_images").examples(limit=1)[0].input, data / "good.jpg")
    (data / "caption.jpg").write_text("a caption saved under an image name\n", encoding="utf-8")
    rows = [
        {"id": "good", "media": "good.jpg", "reference": "a photo"},
        {"id": "not-an-image", "media": "caption.jpg", "reference": "a photo"},
        {"id": "missing", "media": "missing.jpg", "reference": "a photo"},
    ]
    task_name = write_media_task(data, rows)

    results = run(run_config(f"hf:{tiny_vit_gpt2}", task_name, tmp_path / "out", on_error="skip", batch_size=3))

    record = results.tasks["bad_media_image"]
    assert record.num_examples == 3
    assert record.num_failed == 2
    assert sorted(record.failed_ids) == ["missing", "not-an-image"]
    samples = {sample["id"]: sample for sample in read_samples(tmp_path / "out" / "run" / "samples_bad_media_image.jsonl")}
    assert samples["good"]["status"] == "ok"
    assert samples["good"]["prediction"]
    assert samples["not-an-image"]["status"] == "failed"
    assert "not a readable image" in samples["not-an-image"]["error"]
    assert "caption.jpg" in samples["not-an-image"]["error"]
    assert samples["missing"]["prediction"] == ""
    assert "image file not found" in samples["missing"]["error"]

    with pytest.raises(MediaError, match="not-an-image|missing"):
        run(run_config(f"hf:{tiny_vit_gpt2}", task_name, tmp_path / "out", run_name="raise", batch_size=3))


def test_truncated_video_is_skipped(tiny_blip: Path, task_folder: Path, tmp_path: Path) -> None:
    data = task_folder
    clip = Path(next(example.input for example in get_task("msrvtt_msvd_clips").examples() if example.input.endswith(".mp4")))
    shutil.copy(clip, data / "good.mp4")
    (data / "truncated.mp4").write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    rows = [
        {"id": "good", "media": "good.mp4", "reference": "a clip"},
        {"id": "truncated", "media": "truncated.mp4", "reference": "a clip"},
    ]
    task_name = write_media_task(data, rows, kind="video")

    results = run(run_config(f"video-frames:{tiny_blip}", task_name, tmp_path / "out", on_error="skip"))

    record = results.tasks["bad_media_video"]
    assert record.num_failed == 1
    assert record.failed_ids == ["truncated"]
    samples = {sample["id"]: sample for sample in read_samples(tmp_path / "out" / "run" / "samples_bad_media_video.jsonl")}
    assert samples["good"]["status"] == "ok"
    assert "cannot be decoded" in samples["truncated"]["error"]
