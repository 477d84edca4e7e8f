"""Timing helpers the benchmarks share: time an action repeatedly, and say how it spread."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(action: Callable[[int], object], count: int) -> list[float]:
    """Milliseconds for `count` calls of action(i), i = 0 .. count - 1."""
    times = []
    for i in range(count):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def spread(times: list[float]) -> str:
    """Median, the middle half (quartiles) and the extremes, in ms."""
    q1, median, q3 = statistics.quantiles(times, n=4)
    return f"median {median:7.2f} ms  (quartiles {q1:.2f}-{q3:.2f}, min {min(times):.2f}, max {max(times):.2f})"
