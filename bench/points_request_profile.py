"""In-process look at one channel API request (not a benchmark): SQL
statements per grant (to a member with an account, and a member's first),
per replay and per bare UPDATE (BEGIN and COMMIT are not statements to
django's CaptureQueriesContext: each request here commits once), and where
a grant's time goes (cProfile). Uses the resolved database (a scratch
``DATABASE_URL``) and the bench settings, DEBUG off.

    DEBUG=False .venv/bin/python bench/points_request_profile.py [--n 300] [--profile]
    (PROFILE_SORT=tottime sorts the profile by own time)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.points_settings")
os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "shop.example.com")


def main(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import points_redeem

    channel_id, slug, secret = points_redeem.setup_ledger()
    signer = points_redeem.Signer(slug, secret)
    client = Client()

    def send(request):
        path, body, headers = request
        meta = {
            "HTTP_" + name.upper().replace("-", "_"): value
            for name, value in headers.items()
            if name != "Content-Type"
        }
        return client.post(path, body, content_type="application/json", **meta)

    def replay_of(key, body):
        return signer.post("/members/bench-m-0/grants", body, key)

    body = json.dumps({"points": 1, "reference": "replayed"}).encode()
    key = f"prof-{uuid.uuid4().hex}"
    assert send(replay_of(key, body)).status_code == 201
    for _ in range(20):  # warm up
        send(signer.fresh_grant())

    def existing_member_grant():
        return signer.post(
            "/members/bench-m-0/grants", b'{"points": 1}', f"prof-{uuid.uuid4().hex}"
        )

    report = {}
    for name, make, status in (
        ("grant", existing_member_grant, 201),
        ("first_grant_of_a_member", signer.fresh_grant, 201),
        ("replay", lambda: replay_of(key, body), 201),
        ("bare", points_redeem.bare_spend, 201),
    ):
        with CaptureQueriesContext(connection) as captured:
            answer = send(make())
        assert answer.status_code == status, (name, answer.content)
        statements = [q["sql"] for q in captured.captured_queries]
        started = time.perf_counter()
        for _ in range(args.n):
            send(make())
        report[name] = {
            "statements": len(statements),
            "ms_per_request_in_process": round(
                (time.perf_counter() - started) * 1000 / args.n, 3
            ),
            "sql": statements,
        }
    print(json.dumps(report, indent=1))
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            send(signer.fresh_grant())
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(45)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
