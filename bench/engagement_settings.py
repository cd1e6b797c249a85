"""Bench-only settings: the host's, plus the bare insert endpoint (bench/
engagement_urls.py) that bench/engagement.py compares ingestion with."""

from saleor_flash.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.engagement_urls"
