"""scripts/points_request.py signs requests the API accepts; the demo's
summary prints a ready command for it."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

from django.test import Client

from saleor_flash.demo.summary import ChannelEntry, DemoSummary

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "points_request.py"


def _script():
    spec = importlib.util.spec_from_file_location("points_request", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_signed_grant_from_the_script_is_accepted(points_channel):
    channel, _, api = points_channel(quota=500)
    script = _script()
    args = script.argparse.Namespace(
        method="POST",
        path="/members/m-9/grants",
        body='{"points": 40}',
        channel=channel.slug,
        secret=api.secret,
        base_url="http://testserver",
        key="script-key-1",
    )
    url, headers, body = script.build(args)
    line = script.curl_line("POST", url, headers, body)
    assert shlex.split(line)[:5] == ["curl", "-sS", "-X", "POST", url]
    meta = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in headers.items()
        if name != "Content-Type"
    }
    answer = Client().post(
        "/points/v1/members/m-9/grants", body, content_type="application/json", **meta
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["points"] == 40


def test_the_demo_summary_prints_a_ready_channel_api_command():
    summary = DemoSummary(
        api_url="http://localhost:8000/graphql/",
        console_url="",
        merchandiser_email="m@example.com",
        shopper_email="s@example.com",
        password="pw",
        channels=[
            ChannelEntry(
                "Wellness", "wellness-app", "u", "sso", "api-s3cret", "allowance"
            )
        ],
        counts={"channels": 1},
    )
    text = "\n".join(summary.lines())
    assert (
        "scripts/points_request.py --base-url http://localhost:8000 "
        "--channel wellness-app --secret api-s3cret GET /quota" in text
    )
    assert "POST /members/demo-member/grants" in text
