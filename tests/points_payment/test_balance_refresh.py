"""Pass-through balance refresh from the channel's balance URL, against a real
HTTP server on a local socket: a signed GET, the answer kept as a new claim
under pass_through's rule (nothing spent twice), and the token's balance kept
when the endpoint is down, slow or answers badly."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs, urlsplit

import pytest

from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.sign_in import sign_in
from plugins.points_payment import errors, request_signing, services
from plugins.points_payment.balance_refresh import answered_points, balance_request
from plugins.points_payment.models import PointsProgram, SignInBalance
from tests.channel_pricing.tokens import channel_token
from tests.support import gql_in_process

from .ledger_support import make_program

pytestmark = pytest.mark.usefixtures("committed_db")

MY_POINTS = """
{ myPoints { channel available held balanceRefreshedAt balanceRefreshError } }
"""


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


class ChannelBalances:
    """The channel's balance endpoint: answers from ``balances`` (or as
    ``mode`` says), records each request, checks its signature."""

    def __init__(self):
        self.balances: Dict[str, int] = {}
        self.mode = "ok"  # ok | bad_member | negative | not_json | 500 | slow
        self.requests: List[dict] = []
        self.secret = ""
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/flash/balance"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                signature = request_signing.parse_signatures(
                    self.headers.get(request_signing.SIGNATURE_HEADER, "")
                )
                expected = request_signing.compute(
                    endpoint.secret,
                    self.headers.get(request_signing.TIMESTAMP_HEADER, ""),
                    self.headers.get(request_signing.NONCE_HEADER, ""),
                    "GET",
                    self.path,
                    b"",
                )
                member = parse_qs(urlsplit(self.path).query).get("member", [""])[0]
                endpoint.requests.append(
                    {
                        "path": self.path,
                        "member": member,
                        "channel": self.headers.get(request_signing.CHANNEL_HEADER),
                        "signed": bool(signature)
                        and request_signing.matches([expected], signature),
                    }
                )
                mode = endpoint.mode
                if mode == "slow":
                    time.sleep(1.5)
                if mode == "500":
                    self._answer(500, b'{"error": "boom"}')
                elif mode == "not_json":
                    self._answer(200, b"<html>hello</html>")
                else:
                    answer = {"member": member, "points": endpoint.balances[member]}
                    if mode == "bad_member":
                        answer["member"] = "someone-else"
                    if mode == "negative":
                        answer["points"] = -5
                    self._answer(200, json.dumps(answer).encode())

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout)
                    pass

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    served = ChannelBalances()
    yield served
    served.close()


def _pass_through(balance_url: str):
    channel_id = make_program(mode="pass_through", quota=10_000)
    services.enable_program(channel_id, balance_url=balance_url)
    channel = Channel.objects.get(pk=channel_id)
    program = PointsProgram.objects.get(channel_id=channel_id)
    return channel_id, channel, program.api_secret


def _member(channel, external_id: str, points: int) -> str:
    token = channel_token(channel.sso_secret, channel.slug, external_id, points=points)
    return sign_in(channel.slug, token).saleor_token


def _my_points(token: str) -> dict:
    response = gql_in_process(MY_POINTS, token=token)
    assert "errors" not in response, response
    (entry,) = response["data"]["myPoints"]
    return entry


def _down_url() -> str:
    """A local port nobody listens on (the connection is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/flash/balance"


def test_request_and_answer_rules():
    url, path = balance_request("https://ch.example/b?v=2", "m 1")
    assert url == "https://ch.example/b?v=2&member=m+1"
    assert path == "/b?v=2&member=m+1"
    assert answered_points({"member": "m1", "points": 7}, "m1") == 7
    assert answered_points({"member": "m1", "points": 0}, "m1") == 0
    for bad in (
        {"member": "m2", "points": 7},
        {"member": "m1", "points": -1},
        {"member": "m1", "points": True},
        {"member": "m1", "points": "7"},
        {"member": "m1"},
        [7],
        None,
    ):
        assert answered_points(bad, "m1") is None, bad


def test_my_points_refreshes_from_a_signed_request(endpoint):
    channel_id, channel, secret = _pass_through(endpoint.url)
    endpoint.secret = secret
    token = _member(channel, "m1", points=40)
    endpoint.balances["m1"] = 70
    entry = _my_points(token)
    assert entry["available"] == 70
    assert entry["balanceRefreshedAt"] and entry["balanceRefreshError"] is None
    (request,) = endpoint.requests
    assert request == {
        "path": "/flash/balance?member=m1",
        "member": "m1",
        "channel": channel.slug,
        "signed": True,
    }
    claim = SignInBalance.objects.get(channel_id=channel_id, external_id="m1")
    assert claim.points == 70 and claim.token_id.startswith("balance-url:")
    # The channel's balance went down: the refresh follows it.
    endpoint.balances["m1"] = 25
    assert _my_points(token)["available"] == 25
    assert services.audit() == []


def test_a_refresh_never_gives_back_what_was_held_or_redeemed(endpoint):
    channel_id, channel, secret = _pass_through(endpoint.url)
    endpoint.secret = secret
    token = _member(channel, "m1", points=100)
    services.hold(channel_id, "m1", 60, transfer_id="h1", reference="checkout")
    # The channel has not heard of our hold: it still says 100.
    endpoint.balances["m1"] = 100
    assert _my_points(token)["available"] == 40
    services.post_hold(channel_id, "h1", transfer_id="p1")
    # Redeemed, but the channel's points.redeemed webhook is not processed
    # yet: its answer is still 100, and the 60 stay spent.
    assert _my_points(token)["available"] == 40
    with pytest.raises(errors.InsufficientPoints):
        services.hold(channel_id, "m1", 41, transfer_id="h2", reference="checkout")
    services.hold(channel_id, "m1", 40, transfer_id="h3", reference="checkout")
    assert services.audit() == []


@pytest.mark.parametrize(
    "mode, reason",
    [
        ("500", "HTTP 500"),
        ("not_json", "not JSON"),
        ("bad_member", "bad answer"),
        ("negative", "bad answer"),
    ],
)
def test_a_bad_answer_keeps_the_tokens_balance(endpoint, mode, reason):
    channel_id, channel, secret = _pass_through(endpoint.url)
    endpoint.secret = secret
    token = _member(channel, "m1", points=40)
    before = SignInBalance.objects.get(channel_id=channel_id, external_id="m1")
    endpoint.balances["m1"] = 999
    endpoint.mode = mode
    entry = _my_points(token)
    assert entry["available"] == 40 and entry["balanceRefreshedAt"] is None
    assert reason in entry["balanceRefreshError"]
    after = SignInBalance.objects.get(channel_id=channel_id, external_id="m1")
    assert (after.points, after.token_id) == (before.points, before.token_id)


def test_a_down_endpoint_keeps_the_tokens_balance():
    channel_id, channel, _ = _pass_through(_down_url())
    token = _member(channel, "m1", points=40)
    entry = _my_points(token)
    assert entry["available"] == 40
    assert "refused" in entry["balanceRefreshError"].lower(), entry


def test_a_slow_endpoint_times_out_quickly(endpoint, settings):
    settings.FLASH_POINTS_BALANCE_TIMEOUT_SECONDS = 0.3
    channel_id, channel, secret = _pass_through(endpoint.url)
    endpoint.secret = secret
    endpoint.mode = "slow"
    endpoint.balances["m1"] = 999
    token = _member(channel, "m1", points=40)
    started = time.monotonic()
    entry = _my_points(token)
    assert time.monotonic() - started < 1.2
    assert entry["available"] == 40
    assert "timed out" in entry["balanceRefreshError"].lower(), entry


def test_no_balance_url_no_request(endpoint):
    channel_id, channel, _ = _pass_through("")
    token = _member(channel, "m1", points=40)
    entry = _my_points(token)
    assert entry["available"] == 40
    assert entry["balanceRefreshedAt"] is None and entry["balanceRefreshError"] is None
    assert endpoint.requests == []
