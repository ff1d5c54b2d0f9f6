"""Batch plans: examples sorted by input length, longest first."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")


def length_sorted_order(lengths: Sequence[float]) -> list[int]:
    """Return indices sorted by length, longest first; ties keep dataset order.

    Longest first means that a batch that runs out of memory does so at the
    start of a run, and that batches hold inputs of similar length, so little
    compute goes to padding.
    """
    return sorted(range(len(lengths)), key=lambda index: (-lengths[index], index))


def plan_batches(items: Sequence[Item], length: Callable[[Item], float], batch_size: int, sort: bool = True) -> list[list[int]]:
    """Split item indices into batches of at most ``batch_size``, length-sorted unless ``sort`` is False."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = length_sorted_order([length(item) for item in items]) if sort else list(range(len(items)))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def is_out_of_memory(error: BaseException) -> bool:
    """Return whether ``error`` is a device out-of-memory error from torch."""
    import torch

    if isinstance(error, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()
