"""gunicorn settings of the API server (``-c python:saleor_flash.gunicorn_conf``).

With threaded workers the master creates the cross-worker database lane
before forking (``plugins/core/database_lane.py``): at most FLASH_DB_LANE
requests (default: CPU cores) work in PostgreSQL at once, whatever the
number of workers.
"""

import os


def on_starting(server):
    if server.cfg.threads <= 1:
        return
    from plugins.core import database_lane

    size = int(os.environ.get("FLASH_DB_LANE") or os.cpu_count() or 1)
    database_lane.share_between_workers(size)
