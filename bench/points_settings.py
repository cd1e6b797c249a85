"""Bench-only settings: the host's, plus the bare balance endpoint (bench/
points_urls.py) that bench/points_redeem.py compares REST grants with."""

from saleor_flash.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.points_urls"
