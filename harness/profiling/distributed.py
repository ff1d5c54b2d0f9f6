"""Gathering of profiling records from every process of a ``torch.distributed`` job."""

from __future__ import annotations

import logging
from typing import TypeVar

import torch.distributed as dist

logger = logging.getLogger(__name__)

Record = TypeVar("Record")


def is_distributed() -> bool:
    """Return whether a ``torch.distributed`` process group is initialized."""
    return dist.is_available() and dist.is_initialized()


def gather_records(record: Record) -> list[Record]:
    """Return the records of all processes in rank order, or ``[record]`` outside a distributed job.

    Uses ``all_gather_object``, so every rank must call this function, and
    every rank receives the full list.
    """
    if not is_distributed():
        return [record]
    gathered: list[Record | None] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, record)
    return [item for item in gathered if item is not None]
