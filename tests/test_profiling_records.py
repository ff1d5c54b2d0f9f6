"""Arithmetic of the profiling records, clock selection, accelerator lookup and FLOP counts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import torch

from harness.profiling.accelerators import dtype_key, find_accelerator, peak_flops
from harness.profiling.distributed import gather_records
from harness.profiling.flops import FlopEstimator, matmul_parameters
from harness.profiling.memory import MemoryTracker, reset_kernel_peak_rss
from harness.profiling.profile import BatchMeasurement, Profile
from harness.profiling.records import LatencyRecord, MemoryRecord, ThroughputRecord, UtilizationRecord, percentile
from harness.profiling.render import render_rows
from harness.profiling.timing import Timer, select_clock


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_match_numpy(seed: int) -> None:
    values = np.random.default_rng(seed).exponential(0.05, size=1 + seed * 37).tolist()
    record = LatencyRecord(values)
    for q in (50, 90, 99):
        assert record.percentile(q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)
    assert record.mean == pytest.approx(float(np.mean(values)))
    assert record.total == pytest.approx(float(np.sum(values)))


def test_percentile_known_values() -> None:
    # Linear interpolation between closest ranks: p50 of 1..10 is 5.5, p90 is 9.1.
    values = [float(value) for value in range(1, 11)]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 90) == pytest.approx(9.1)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile([], 50) is None


def test_latency_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="Negative latency"):
        LatencyRecord([0.1, -0.2])
    record = LatencyRecord()
    with pytest.raises(ValueError, match="Negative latency"):
        record.add(-1.0)


def test_latency_aggregate_pools_values() -> None:
    first = LatencyRecord([0.1, 0.2])
    second = LatencyRecord([0.4])
    pooled = LatencyRecord.aggregate([first, second])
    assert pooled.values == [0.1, 0.2, 0.4]
    assert pooled.percentile(50) == pytest.approx(0.2)
    summary = pooled.summary()
    assert summary["count"] == 3
    assert summary["max_s"] == pytest.approx(0.4)
    assert summary["stdev_s"] == pytest.approx(float(np.std([0.1, 0.2, 0.4], ddof=1)))


def test_throughput_sequential_and_concurrent() -> None:
    first = ThroughputRecord("samples", amount=8, seconds=2.0)
    second = ThroughputRecord("samples", amount=4, seconds=2.0)
    sequential = ThroughputRecord.aggregate([first, second])
    assert sequential.value == pytest.approx(12 / 4.0)
    concurrent = ThroughputRecord.aggregate([first, second], concurrent=True)
    assert concurrent.value == pytest.approx(12 / 2.0)
    assert ThroughputRecord("tokens").value is None
    with pytest.raises(ValueError, match="different units"):
        ThroughputRecord.aggregate([first, ThroughputRecord("tokens", 1, 1)])


def test_throughput_ratio_of_sums_not_mean_of_ratios() -> None:
    record = ThroughputRecord("tokens")
    record.add(100, 1.0)
    record.add(10, 1.0)
    assert record.value == pytest.approx(55.0)
    record.add(0, 8.0)
    assert record.value == pytest.approx(11.0)


def test_memory_aggregate_takes_peaks() -> None:
    merged = MemoryRecord.aggregate(
        [MemoryRecord(cuda_max_allocated=10, cpu_peak_rss=300), MemoryRecord(cuda_max_allocated=20, cpu_peak_rss=100)]
    )
    assert merged.cuda_max_allocated == 20
    assert merged.cuda_max_reserved is None
    assert merged.cpu_peak_rss == 300
    assert MemoryRecord(cpu_peak_rss=3 * 2**20).summary()["cpu_peak_rss_mib"] == pytest.approx(3.0)


def test_utilization_mfu_arithmetic() -> None:
    record = UtilizationRecord(flops=4e12, seconds=2.0, peak_flops=10e12)
    assert record.achieved_flops == pytest.approx(2e12)
    assert record.mfu == pytest.approx(0.2)
    assert UtilizationRecord(flops=4e12, seconds=2.0, peak_flops=None).mfu is None
    assert UtilizationRecord(flops=None, seconds=2.0, peak_flops=1e12).mfu is None

    two_devices = UtilizationRecord.aggregate(
        [UtilizationRecord(4e12, 2.0, 10e12), UtilizationRecord(4e12, 1.0, 10e12)], concurrent=True
    )
    assert two_devices.mfu == pytest.approx(8e12 / 2.0 / 20e12)
    batches = UtilizationRecord.aggregate([UtilizationRecord(4e12, 2.0, 10e12), UtilizationRecord(2e12, 1.0, 10e12)])
    assert batches.mfu == pytest.approx(6e12 / 3.0 / 10e12)


def test_profile_adds_batches() -> None:
    profile = Profile(settings={"batch_size": 2})
    profile.add_batch(BatchMeasurement(examples=2, seconds=1.0, input_tokens=20, output_tokens=8, audio_seconds=30.0, flops=1e9))
    profile.add_batch(BatchMeasurement(examples=2, seconds=3.0, input_tokens=40, output_tokens=8, audio_seconds=10.0, flops=3e9))
    assert profile.samples.value == pytest.approx(1.0)
    assert profile.input_tokens.value == pytest.approx(15.0)
    assert profile.rtfx == pytest.approx(10.0)
    assert profile.utilization.flops == pytest.approx(4e9)
    assert profile.latency.percentile(50) == pytest.approx(2.0)

    profile.add_batch(BatchMeasurement(examples=1, seconds=1.0, flops=None))
    assert profile.utilization.flops is None


def test_profile_aggregate_across_processes() -> None:
    first = Profile()
    first.add_batch(BatchMeasurement(examples=4, seconds=2.0, output_tokens=40))
    second = Profile()
    second.add_batch(BatchMeasurement(examples=4, seconds=1.0, output_tokens=40))
    second.add_batch(BatchMeasurement(examples=4, seconds=2.0, output_tokens=40))
    merged = Profile.aggregate([first, second])
    assert merged.processes == 2
    assert merged.latency.count == 3
    # Processes run side by side: 12 samples over the slower process's 3 s.
    assert merged.samples.value == pytest.approx(12 / 3.0)
    assert merged.output_tokens.value == pytest.approx(120 / 3.0)


def test_gather_records_single_process_group(tmp_path: Path) -> None:
    assert gather_records({"rank": 0}) == [{"rank": 0}]
    torch.distributed.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        gathered = gather_records(LatencyRecord([0.5]))
        assert len(gathered) == 1
        assert gathered[0].values == [0.5]
    finally:
        torch.distributed.destroy_process_group()


def test_render_formats() -> None:
    rows = [{"setting": "bs=1", "samples/s": 12.3456, "MFU": None}, {"setting": "bs=8", "samples/s": 50.0, "MFU": None}]
    text = render_rows(rows, "text")
    assert "12.35" in text
    assert "MFU" not in text
    markdown = render_rows(rows, "markdown").splitlines()
    assert markdown[0] == "| setting | samples/s |"
    assert markdown[1] == "|---|---|"
    assert json.loads(render_rows(rows, "json"))[0]["MFU"] is None
    with pytest.raises(ValueError, match="Invalid format"):
        render_rows(rows, "html")  # type: ignore[arg-type]


def test_cpu_clock_selected_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_clock("cpu") == "cpu"
    assert Timer("cpu").clock == "cpu"
    with pytest.raises(ValueError, match="CUDA is not available"):
        select_clock("cuda:0")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_clock_selected_with_cuda() -> None:
    assert select_clock("cuda") == "cuda"
    assert Timer("cuda:0").clock == "cuda"


def test_cpu_timer_measures_wall_time() -> None:
    timer = Timer("cpu")
    with timer.time() as measurement:
        time.sleep(0.05)
    assert 0.045 <= measurement.seconds < 0.5


@pytest.mark.parametrize("method", ["poll", "kernel"])
def test_memory_tracker_sees_allocation(method: str) -> None:
    if method == "kernel" and not reset_kernel_peak_rss():
        pytest.skip("the kernel's peak RSS cannot be reset on this system")
    baseline = psutil.Process().memory_info().rss
    with MemoryTracker("cpu", interval=0.005, method=method) as tracker:  # type: ignore[arg-type]
        block = np.ones(64 * 2**20 // 8)
        time.sleep(0.05)
        del block
    record = tracker.record
    assert record is not None
    assert record.cuda_max_allocated is None
    assert record.cpu_peak_rss is not None
    assert record.cpu_peak_rss - baseline >= 60 * 2**20


def test_kernel_peak_resets_between_trackers() -> None:
    if not reset_kernel_peak_rss():
        pytest.skip("the kernel's peak RSS cannot be reset on this system")
    with MemoryTracker("cpu", method="kernel"):
        block = np.ones(64 * 2**20 // 8)
        del block
    with MemoryTracker("cpu", method="kernel") as tracker:
        pass
    after = psutil.Process().memory_info().rss
    assert tracker.record is not None
    assert tracker.record.cpu_peak_rss is not None
    assert tracker.record.cpu_peak_rss < after + 32 * 2**20


@pytest.mark.parametrize(
    ("device_name", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5"),
        ("NVIDIA H100 PCIe", "NVIDIA H100 PCIe"),
        ("NVIDIA H100 NVL", "NVIDIA H100 NVL"),
        ("NVIDIA H200", "NVIDIA H200 SXM"),
        ("NVIDIA A100-SXM4-80GB", "NVIDIA A100"),
        ("NVIDIA A100 80GB PCIe", "NVIDIA A100"),
        ("NVIDIA L4", "NVIDIA L4"),
        ("NVIDIA L40S", "NVIDIA L40S"),
        ("Tesla T4", "NVIDIA T4"),
        ("Tesla V100-SXM2-16GB", "NVIDIA V100 SXM2"),
        ("NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 4090"),
        ("NVIDIA A10G", None),
        ("NVIDIA GH200 480GB", None),
        ("NVIDIA L40", None),
        ("Some Future GPU", None),
    ],
)
def test_accelerator_lookup(device_name: str, expected: str | None) -> None:
    found = find_accelerator(device_name)
    assert (found.name if found else None) == expected


def test_peak_values_and_dtype_keys() -> None:
    h100 = find_accelerator("NVIDIA H100 80GB HBM3")
    assert h100 is not None
    # Datasheet: 1,979 TFLOPS BF16 with sparsity, so 989.5 dense.
    assert h100.peak_tflops["bfloat16"] == pytest.approx(989.5)
    assert dtype_key(torch.float32, "highest") == "float32"
    assert dtype_key(torch.float32, "high") == "tfloat32"
    assert dtype_key("bfloat16") == "bfloat16"
    assert dtype_key(torch.int8) is None
    t4 = find_accelerator("Tesla T4")
    assert t4 is not None and "bfloat16" not in t4.peak_tflops


def test_cpu_has_no_peak() -> None:
    assert peak_flops("cpu", torch.float32) == (None, "cpu")


def test_gpt2_small_matmul_parameters() -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    with torch.device("meta"):
        model = GPT2LMHeadModel(GPT2Config())
    d, layers, vocab = 768, 12, 50257
    per_layer = (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d) + 2 * 2 * d
    # Token embedding counts once, as the tied LM head; the position table is a lookup.
    expected = layers * per_layer + 2 * d + vocab * d
    assert matmul_parameters(model, {id(model.lm_head.weight)}) == expected
    estimator = FlopEstimator.for_model(model)
    assert estimator is not None
    assert estimator.decoder_parameters == expected
    assert estimator.estimate(examples=2, input_tokens=100, output_tokens=20) == pytest.approx(2 * expected * 120)
    assert estimator.estimate(examples=2, input_tokens=100, output_tokens=20, num_beams=4) == pytest.approx(
        2 * expected * 120 * 4
    )


def test_untied_embedding_is_a_lookup() -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=100, n_positions=32, tie_word_embeddings=False))
    estimator = FlopEstimator.for_model(model)
    assert estimator is not None
    total = sum(parameter.numel() for parameter in model.parameters())
    assert estimator.decoder_parameters == total - 100 * 16 - 32 * 16


def test_encoder_decoder_split() -> None:
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(vocab_size=100, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=1, num_heads=4)
    model = T5ForConditionalGeneration(config)
    estimator = FlopEstimator.for_model(model)
    assert estimator is not None
    encoder_total = sum(parameter.numel() for parameter in model.encoder.parameters())
    # The lookups are the shared token table, which the encoder reads but the LM head
    # shares, and one relative position bias table (32 buckets x 4 heads) per stack.
    relative_bias = config.relative_attention_num_buckets * 4
    assert estimator.encoder_parameters == encoder_total - 100 * 16 - relative_bias
    assert estimator.encoder_parameters + estimator.decoder_parameters == sum(
        parameter.numel() for parameter in model.parameters()
    ) - 2 * relative_bias
    flops = estimator.estimate(examples=1, input_tokens=50, output_tokens=10)
    assert flops == pytest.approx(2 * estimator.encoder_parameters * 50 + 2 * estimator.decoder_parameters * 10)
