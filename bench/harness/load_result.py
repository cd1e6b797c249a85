"""What one load run measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class LoadResult:
    generator: str
    connections: int
    duration_s: float
    requests: int
    statuses: Dict[str, int]
    errors: Dict[str, int]
    latency_ms: Dict[str, float]
    client_cpu_s: float
    # Per-request latencies (ms): only the Python generator records them; wrk
    # reports its exact (1 µs resolution) histogram percentiles instead.
    latencies_ms: Optional[List[float]] = field(default=None, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> Dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": self.latency_ms.get("p50"),
            "p90_ms": self.latency_ms.get("p90"),
            "p99_ms": self.latency_ms.get("p99"),
            "max_ms": self.latency_ms.get("max"),
            "requests": self.requests,
            "errors": self.error_count,
            "error_kinds": {k: v for k, v in sorted(self.errors.items()) if v},
            "statuses": dict(sorted(self.statuses.items())),
            "duration_s": round(self.duration_s, 3),
            "client_cpu_s": round(self.client_cpu_s, 3),
        }
