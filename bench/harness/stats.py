"""Percentiles, medians and ratios of the measurements."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Sequence


def percentiles(latencies: Sequence[float]) -> Dict[str, Optional[float]]:
    """p50/p90/p99/max (nearest rank) of latencies in ms."""
    if not latencies:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(latencies)
    n = len(ordered)

    def rank(p: float) -> float:
        index = max(0, min(n - 1, -(-p * n // 100) - 1))  # ceil(p*n/100) - 1
        return round(ordered[int(index)], 3)

    return {
        "p50": rank(50),
        "p90": rank(90),
        "p99": rank(99),
        "max": round(ordered[-1], 3),
    }


def median(values: Iterable[Optional[float]]) -> Optional[float]:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    mid = len(present) // 2
    if len(present) % 2:
        return present[mid]
    return (present[mid - 1] + present[mid]) / 2


def medians_of(
    runs: Sequence[Dict[str, Any]], keys: Iterable[str], digits: int = 3
) -> Dict[str, Optional[float]]:
    """The median of each key over runs (None where no run has it), rounded."""
    medians = {}
    for key in keys:
        value = median(run[key] for run in runs)
        medians[key] = round(value, digits) if value is not None else None
    return medians


def ratio(a: Optional[float], b: Optional[float], digits: int = 3) -> Optional[float]:
    """a / b rounded, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)
