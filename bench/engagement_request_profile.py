"""In-process look at one ingestion request (not a benchmark): the time of
``POST /events/v1/batch`` (a batch of 20, as bench/engagement.py sends,
rate limits on with room to spare) beside the bench-only bare INSERT
endpoint, through Django's test client (no HTTP server, no load generator,
no drain worker), and where the ingestion's time goes (cProfile). Uses the
resolved database (a scratch ``DATABASE_URL``) and the bench settings,
DEBUG off.

    DEBUG=False .venv/bin/python bench/engagement_request_profile.py \
        [--n 300] [--profile]

The events go to a Redis queue of their own (``--redis-db``, default 13, on
the configured Redis), removed at the end with their duplicate marks.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.engagement_settings")
os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "shop.example.com")


def main(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from bench.engagement import batch_body
    from plugins.engagement import queue
    from plugins.engagement.models import EventKey

    events_redis = settings.REDIS_URL.rsplit("/", 1)[0] + f"/{args.redis_db}"

    key = EventKey.objects.get_or_create(name="bench")[0].public_key
    client = Client()

    def ingest():
        answer = client.post(
            "/events/v1/batch",
            batch_body(key),
            content_type="application/json",
            HTTP_X_FLASH_KEY=key,
        )
        assert answer.status_code == 202, answer.content

    def bare():
        answer = client.post(
            "/bench/bare-events", batch_body(key), content_type="application/json"
        )
        assert answer.status_code == 202, answer.content

    per_round = {"ingest": [], "bare_insert": []}
    roomy = {"FLASH_EVENTS_RATE_PER_IP": 10**9, "FLASH_EVENTS_RATE_PER_KEY": 10**9}
    with override_settings(
        ALLOWED_HOSTS=["testserver"], FLASH_EVENTS_REDIS_URL=events_redis, **roomy
    ):
        for _ in range(args.rounds):
            for name, call in (("ingest", ingest), ("bare_insert", bare)):
                for _ in range(20):
                    call()
                started = time.perf_counter()
                for _ in range(args.n):
                    call()
                elapsed = (time.perf_counter() - started) * 1000 / args.n
                per_round[name].append(round(elapsed, 3))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                ingest()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue(), file=sys.stderr)
        scratch = queue.client()
        scratch.delete(queue.QUEUE, queue.DRAIN_FLAG)
        for name in scratch.scan_iter(queue.SEEN_PREFIX + "*", count=1000):
            scratch.delete(name)
    medians = {name: statistics.median(ms) for name, ms in per_round.items()}
    result = {
        "benchmark": "engagement_request_profile",
        "debug": os.environ.get("DEBUG"),
        "ms_per_request_in_process": per_round,
        "median_ms": medians,
        "ingest_vs_bare_time": round(medians["ingest"] / medians["bare_insert"], 3),
        "note": "no drain worker: the events stay in the Redis queue",
    }
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "engagement_request_profile.json").write_text(
        json.dumps(result, indent=1) + "\n"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
