#!/usr/bin/env python3
"""Sign a request to the channel API (/points/v1/) and send it, or print it
as a ready ``curl`` line (valid for 300 s: the timestamp and nonce are in the
signature).

    .venv/bin/python scripts/points_request.py --channel SLUG --secret SECRET \\
        GET /quota
    .venv/bin/python scripts/points_request.py --channel SLUG --secret SECRET \\
        POST /members/m-1/grants '{"points": 100}' --key grant-m-1-0001 --curl

The path is relative to /points/v1 (a full /points/v1/... path works too).
Plain Python 3, standard library only, besides the project's signing module.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from plugins.points_payment.request_signing import signed_headers  # noqa: E402

PREFIX = "/points/v1"


def build(args):
    path = args.path if args.path.startswith(PREFIX) else PREFIX + args.path
    body = args.body.encode("utf-8") if args.body else b""
    if body:
        json.loads(body)  # refuse to sign what the API would refuse as JSON
    headers = signed_headers(args.channel, args.secret, args.method, path, body)
    if args.method == "POST":
        headers["Idempotency-Key"] = args.key or f"demo-{uuid.uuid4().hex}"
    if body:
        headers["Content-Type"] = "application/json"
    return args.base_url.rstrip("/") + path, headers, body


def curl_line(method, url, headers, body) -> str:
    parts = ["curl", "-sS", "-X", method, url]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if body:
        parts += ["--data-binary", body.decode("utf-8")]
    return " ".join(shlex.quote(part) for part in parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("method", choices=["GET", "POST"])
    parser.add_argument("path", help="e.g. /quota or /members/m-1/grants")
    parser.add_argument("body", nargs="?", default="", help="JSON body of a POST")
    parser.add_argument("--channel", required=True, help="the channel's slug")
    parser.add_argument("--secret", required=True, help="the channel's API secret")
    parser.add_argument("--base-url", default="http://localhost:8000")
    parser.add_argument("--key", help="Idempotency-Key (POST; default: a new one)")
    parser.add_argument(
        "--curl", action="store_true", help="print a curl line instead of sending"
    )
    args = parser.parse_args(argv)
    url, headers, body = build(args)
    if args.curl:
        print(curl_line(args.method, url, headers, body))
        return 0
    request = urllib.request.Request(
        url,
        data=body if args.method == "POST" else None,
        method=args.method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    print(status)
    print(answer.decode("utf-8", "replace"))
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
