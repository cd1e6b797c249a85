"""Progress lines, the result file and Ctrl-C/SIGTERM handling."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Dict

PROJECT_DIR = Path(__file__).resolve().parents[2]
RESULTS_DIR = PROJECT_DIR / "bench" / "results"


def progress(message: str) -> None:
    """A progress line on stderr (stdout is kept for the final JSON line)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def write_result(name: str, payload: Dict[str, Any]) -> Path:
    """Write bench/results/<name>.json (pretty, sorted keys).

    Then print the payload as one compact JSON object: the last stdout line.
    """
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    progress(f"wrote {path.relative_to(PROJECT_DIR)}")
    sys.stderr.flush()
    print(json.dumps(payload, sort_keys=True, separators=(",", ":")), flush=True)
    return path


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so ``finally`` blocks stop servers."""

    def _raise(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)
