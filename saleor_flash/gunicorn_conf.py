"""gunicorn settings of the API server (``-c python:saleor_flash.gunicorn_conf``).

With threaded workers the master creates the cross-worker database lane
before forking (``plugins/core/database_lane.py``): at most FLASH_DB_LANE
requests (default: CPU cores) work in PostgreSQL at once, whatever the
number of workers. Its slots are lock files in
``var/database-lane/<master pid>/``, removed when the master exits; a killed
worker's slot is freed by the kernel.
"""

import os
import shutil


def _lane_root():
    from saleor_flash import config

    return os.path.join(str(config.VAR_DIR), "database-lane")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead_masters_lanes(root: str) -> None:
    """Slot files of masters that died without on_exit (SIGKILL)."""
    for name in os.listdir(root) if os.path.isdir(root) else []:
        if name.isdigit() and not _pid_alive(int(name)):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def on_starting(server):
    if server.cfg.threads <= 1:
        return
    from plugins.core import database_lane

    root = _lane_root()
    _remove_dead_masters_lanes(root)
    size = int(os.environ.get("FLASH_DB_LANE") or os.cpu_count() or 1)
    database_lane.share_between_workers(size, os.path.join(root, str(os.getpid())))


def on_exit(server):
    if server.cfg.threads <= 1:
        return
    shutil.rmtree(os.path.join(_lane_root(), str(os.getpid())), ignore_errors=True)
