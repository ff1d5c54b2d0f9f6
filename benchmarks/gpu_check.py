"""GPU check of the profiling code: CUDA-event timing, memory figures, MFU and bfloat16 against float32.

It is sized to run in under 5 minutes on one data-center GPU and needs only
torch, transformers and this repository. The last part, the ``harness
profile`` sweep, also needs the harness's own dependencies and is skipped
without them. The model is GPT-2 small's architecture (124 M parameters) with random
weights built from its config, so nothing is downloaded.

Checks:

1. The timer picks CUDA events, and they agree with a synchronized host clock.
2. Forward passes (batch 16 x 1024 tokens) in float32 and bfloat16: achieved
   FLOP/s from the 2 * N * tokens estimate and MFU against the peak table.
3. Generation (batch 8, 128-token prompts, 64 new tokens): time to first
   token, time per output token and peak CUDA memory, per dtype.
4. ``harness profile`` on the summarization task: batch sizes 1, 8 and 32
   in float32 and bfloat16, through the same code path as the CLI.

Prints a compact summary, writes the figures as JSON to ``$OUT/gpu_check.json``
when ``OUT`` is set (or to ``--output``), and exits 1 when a check fails.

Usage: python benchmarks/gpu_check.py [--output FILE] [--skip-sweep]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

import torch  # noqa: E402

from harness.profiling.accelerators import peak_flops  # noqa: E402
from harness.profiling.flops import FlopEstimator  # noqa: E402
from harness.profiling.generation import GenerationTimer, first_token_latency, time_per_output_token  # noqa: E402
from harness.profiling.memory import MemoryTracker  # noqa: E402
from harness.profiling.records import LatencyRecord, UtilizationRecord  # noqa: E402
from harness.profiling.render import render_rows  # noqa: E402
from harness.profiling.timing import Timer  # noqa: E402

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
FAILURES: list[str] = []


def check(condition: bool, message: str) -> bool:
    """Record a failed check; return the condition."""
    print(f"  [{'ok' if condition else 'FAIL'}] {message}")
    if not condition:
        FAILURES.append(message)
    return condition


def check_clock(device: torch.device) -> dict[str, Any]:
    """Time a chain of matrix products with CUDA events and with a synchronized host clock."""
    print("1. timing path")
    timer = Timer(device)
    check(timer.clock == "cuda", f"Timer picks the CUDA clock on {device}")
    a = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    with timer.time() as measurement:
        for _ in range(20):
            a @ b
    torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(20):
        a @ b
    launched = time.perf_counter() - start
    torch.cuda.synchronize(device)
    synchronized = time.perf_counter() - start
    relative = abs(measurement.seconds - synchronized) / synchronized
    check(relative < 0.05, f"CUDA events {measurement.seconds * 1e3:.2f} ms vs synchronized host clock {synchronized * 1e3:.2f} ms")
    matmul_tflops = 20 * 2 * 8192**3 / measurement.seconds / 1e12
    print(f"  host clock without synchronization reads {launched * 1e3:.2f} ms (launch time only)")
    print(f"  bfloat16 8192^3 matmul: {matmul_tflops:.0f} TFLOP/s")
    return {
        "cuda_event_ms": measurement.seconds * 1e3,
        "synchronized_host_ms": synchronized * 1e3,
        "unsynchronized_host_ms": launched * 1e3,
        "bf16_matmul_tflops": matmul_tflops,
    }


def build_model(dtype: torch.dtype, device: torch.device) -> torch.nn.Module:
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config()
    with torch.device(device):
        model = GPT2LMHeadModel(config)
    return model.to(dtype).eval()


def check_forward(device: torch.device, batch: int = 16, length: int = 1024, iterations: int = 10) -> list[dict[str, Any]]:
    """Measure full forward passes per dtype and derive MFU."""
    print(f"2. forward passes, batch {batch} x {length} tokens")
    rows = []
    timer = Timer(device)
    for name, dtype in DTYPES.items():
        model = build_model(dtype, device)
        estimator = FlopEstimator.for_model(model)
        assert estimator is not None
        input_ids = torch.randint(0, model.config.vocab_size, (batch, length), device=device)
        latency = LatencyRecord()
        with torch.inference_mode():
            for _ in range(3):
                model(input_ids, use_cache=False)
            for _ in range(iterations):
                with timer.time() as measurement:
                    model(input_ids, use_cache=False)
                latency.add(measurement.seconds)
        flops = estimator.estimate(examples=batch, input_tokens=batch * length, output_tokens=0)
        peak, device_name = peak_flops(device, dtype)
        utilization = UtilizationRecord(flops=(flops or 0) * iterations, seconds=latency.total, peak_flops=peak, device_name=device_name, dtype=name)
        row = {
            "dtype": name,
            "p50 ms": (latency.percentile(50) or 0) * 1e3,
            "tokens/s": batch * length * iterations / latency.total,
            "TFLOP/s": (utilization.achieved_flops or 0) / 1e12,
            "peak TFLOP/s": None if peak is None else peak / 1e12,
            "MFU": utilization.mfu,
        }
        rows.append(row)
        if peak is None:
            print(f"  {device_name} is not in the peak table: MFU left out")
        else:
            check(0 < (utilization.mfu or 0) <= 1, f"{name} forward MFU {utilization.mfu:.3f} is within (0, 1]")
        del model
        torch.cuda.empty_cache()
    print(render_rows(rows))
    check(rows[1]["tokens/s"] > rows[0]["tokens/s"], "bfloat16 forward is faster than float32")
    return rows


class _Adapter:
    """Holds a model the way harness adapters do, so that GenerationTimer finds it."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model


def check_generation(device: torch.device, batch: int = 8, prompt: int = 128, new_tokens: int = 64, iterations: int = 5) -> list[dict[str, Any]]:
    """Generate per dtype with the first-token clock and the memory tracker."""
    print(f"3. generation, batch {batch}, {prompt}-token prompts, {new_tokens} new tokens")
    rows = []
    timer = Timer(device)
    for name, dtype in DTYPES.items():
        model = build_model(dtype, device)
        adapter = _Adapter(model)
        generation = GenerationTimer(timer)
        check(generation.attach(adapter), f"{name}: generate wrapped for first-token timing")
        input_ids = torch.randint(0, model.config.vocab_size, (batch, prompt), device=device)
        arguments = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)
        latency, ttft, tpot = LatencyRecord(), LatencyRecord(), LatencyRecord()
        with torch.inference_mode():
            adapter.model.generate(input_ids, **arguments)
            tracker = MemoryTracker(device)
            tracker.start()
            for _ in range(iterations):
                generation.take_calls()
                start = timer.now()
                with timer.time() as measurement:
                    adapter.model.generate(input_ids, **arguments)
                calls = generation.take_calls()
                latency.add(measurement.seconds)
                ttft.add(first_token_latency(calls, start) or 0.0)
                tpot.add(time_per_output_token(calls) or 0.0)
            memory = tracker.stop()
        generation.detach()
        parameter_bytes = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters())
        check(0 < (ttft.percentile(50) or 0) < (latency.percentile(50) or 0), f"{name}: time to first token is below the batch latency")
        check(memory.cuda_max_allocated is not None and memory.cuda_max_allocated >= parameter_bytes, f"{name}: peak allocated covers the {parameter_bytes / 2**20:.0f} MiB of parameters")
        check((memory.cuda_max_reserved or 0) >= (memory.cuda_max_allocated or 0), f"{name}: peak reserved >= peak allocated")
        rows.append(
            {
                "dtype": name,
                "batch p50 ms": (latency.percentile(50) or 0) * 1e3,
                "TTFT p50 ms": (ttft.percentile(50) or 0) * 1e3,
                "TPOT p50 ms": (tpot.percentile(50) or 0) * 1e3,
                "out tok/s": batch * new_tokens * iterations / latency.total,
                "alloc MiB": (memory.cuda_max_allocated or 0) / 2**20,
                "reserved MiB": (memory.cuda_max_reserved or 0) / 2**20,
                "RSS MiB": (memory.cpu_peak_rss or 0) / 2**20,
            }
        )
        del model, adapter
        torch.cuda.empty_cache()
    print(render_rows(rows))
    return rows


def check_sweep(
    device: torch.device,
    scratch: Path,
    batch_sizes: tuple[int, ...] = (1, 8, 32),
    max_new_tokens: int = 64,
    sizes: dict[str, int] | None = None,
) -> list[dict[str, Any]] | None:
    """Run the ``harness profile`` sweep on a checkpoint of GPT-2 small's shape unless ``sizes`` says otherwise."""
    print("4. harness profile sweep")
    try:
        from harness.profiling.sweep import ProfileConfig, run_sweep
        from harness.profiling.synthetic import build_random_gpt2
        from harness.tasks.catalog import get_task
    except ImportError as error:
        print(f"  skipped: the harness's dependencies are not installed ({error})")
        return None

    task = "cnn_dailymail_realsumm"
    texts = [example.input for example in get_task(task).examples()]
    checkpoint = build_random_gpt2(scratch / "gpt2", texts, **(sizes or dict(n_layer=12, n_embd=768, n_head=12, vocab_size=50257)))
    config = ProfileConfig(
        model=f"hf:{checkpoint}",
        task=task,
        batch_sizes=list(batch_sizes),
        dtypes=["float32", "bfloat16"],
        warmup=2,
        iterations=5,
        device=str(device),
        limit=max(64, max(batch_sizes)),
        max_new_tokens=max_new_tokens,
    )
    try:
        rows = [profile.summary_row() for profile in run_sweep(config)]
    except ImportError as error:
        # Loading a model imports every adapter module, and so their media libraries.
        print(f"  skipped: a dependency of the harness's adapters is not installed ({error})")
        return None
    print(render_rows(rows))

    check(all(row["clock"] == "cuda" for row in rows), "every sweep row was timed with CUDA events")
    check(all(row["CUDA alloc MiB"] for row in rows), "every sweep row has CUDA peak memory")
    if peak_flops(device, torch.bfloat16)[0] is not None:
        check(all(row["MFU"] is not None and 0 < row["MFU"] <= 1 for row in rows), "every sweep row has an MFU within (0, 1]")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="JSON output file (default: $OUT/gpu_check.json when OUT is set).")
    parser.add_argument("--skip-sweep", action="store_true", help="Skip the harness profile sweep.")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("CUDA is not available: this check needs a GPU.")
        return 1

    import tempfile

    import transformers

    started = time.perf_counter()
    device = torch.device("cuda:0")
    report: dict[str, Any] = {
        "device": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    }
    print(f"{report['device']}, torch {report['torch']} (CUDA {report['cuda']}), transformers {report['transformers']}")
    report["clock"] = check_clock(device)
    report["forward"] = check_forward(device)
    report["generation"] = check_generation(device)
    if not args.skip_sweep:
        with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
            report["sweep"] = check_sweep(device, Path(scratch))
    report["seconds"] = time.perf_counter() - started
    report["failures"] = FAILURES

    output = args.output or (Path(os.environ["OUT"]) / "gpu_check.json" if os.environ.get("OUT") else None)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {output}")
    print(f"{len(FAILURES)} failed checks, {report['seconds']:.0f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
