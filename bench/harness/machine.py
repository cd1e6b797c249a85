"""What the numbers were measured on."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Dict, Optional

from saleor_flash import devenv


def _server_versions() -> Dict[str, str]:
    code = (
        "import json, platform, sys\n"
        "from importlib import metadata as m\n"
        "out = {'python': platform.python_version(),"
        " 'python_executable': sys.executable}\n"
        "for name in ('saleor', 'django', 'gunicorn', 'graphene', 'psycopg2-binary'):\n"
        "    try:\n"
        "        out[name] = m.version(name)\n"
        "    except Exception:\n"
        "        pass\n"
        "print(json.dumps(out))\n"
    )
    try:
        output = subprocess.run(
            [devenv.PYTHON, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        return json.loads(output)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return {"error": str(exc)}


def _cpu_model() -> Optional[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_mb() -> Optional[int]:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def machine_info() -> Dict[str, Any]:
    """Cores, the server venv's Python and packages, platform, load at start."""
    versions = _server_versions()
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": _memory_mb(),
        "platform": platform.platform(),
        "python": versions.pop("python", None),
        "server_packages": versions,
        "loadavg_at_start": load,
    }
