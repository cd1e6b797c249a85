"""A signing client for the channel API (``/points/v1/``): in-process
(Django's test client) or over HTTP (urllib, against ``api_server``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from plugins.points_payment.request_signing import signed_headers

PREFIX = "/points/v1"


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    return json.dumps(body).encode()


def _meta(headers: Dict[str, str]) -> Dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): v for name, v in headers.items()}


@dataclass
class Answer:
    status: int
    body: bytes
    headers: Dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> Optional[str]:
        try:
            return self.json["error"]["code"]
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class ChannelApi:
    """Signs as ``channel`` with ``secret``; ``base_url`` None = in-process."""

    channel: str
    secret: str
    base_url: Optional[str] = None

    def headers(self, method: str, path: str, body: bytes = b"", **over) -> Dict:
        headers = signed_headers(
            self.channel,
            over.pop("sign_with", self.secret),
            method,
            PREFIX + path,
            body,
            timestamp=over.pop("timestamp", None),
            nonce=over.pop("nonce", None),
        )
        headers.update(over)
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        key: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        **over,
    ) -> Answer:
        data = _body_bytes(body)
        sent = dict(headers) if headers else self.headers(method, path, data, **over)
        if key is not None:
            sent["Idempotency-Key"] = key
        if self.base_url is None:
            return self._in_process(method, path, data, sent)
        return self._http(method, path, data, sent)

    def post(self, path: str, body: Any = None, key: Optional[str] = "", **over):
        return self.request(
            "POST", path, body, key=uuid.uuid4().hex if key == "" else key, **over
        )

    def get(self, path: str, **over) -> Answer:
        return self.request("GET", path, **over)

    def _in_process(self, method, path, data, headers) -> Answer:
        from django.test import Client

        client = Client()
        call = client.post if method == "POST" else client.get
        kwargs = _meta(headers)
        if method == "POST":
            response = call(
                PREFIX + path, data, content_type="application/json", **kwargs
            )
        else:
            path_only, _, query = path.partition("?")
            response = client.generic(
                method, PREFIX + path_only + ("?" + query if query else ""), **kwargs
            )
        return Answer(response.status_code, response.content, dict(response.items()))

    def _http(self, method, path, data, headers) -> Answer:
        request = urllib.request.Request(
            self.base_url + PREFIX + path,
            data=data if method == "POST" else None,
            method=method,
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), dict(error.headers))


def program_for(channel, quota: Optional[int] = None, **fields) -> Tuple[Any, str]:
    """Enable points on ``channel`` (and open a 30-day period with ``quota``)."""
    from datetime import timedelta

    from django.utils import timezone

    from plugins.points_payment import services

    program = services.enable_program(channel.pk, **fields)
    if quota is not None:
        now = timezone.now()
        services.open_period(
            channel.pk, now - timedelta(hours=1), now + timedelta(days=30), quota
        )
    return program, program.api_secret
