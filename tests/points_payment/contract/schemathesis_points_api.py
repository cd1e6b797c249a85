"""Run by schemathesis' own Python (scripts/schemathesis-venv.sh), not by the
project's test run: property-based requests from /points/v1/openapi.json
against a live server, each signed like a channel signs it. Fails on any
5xx and on any response the document does not describe.

Environment: POINTS_BASE_URL (http://host:port), POINTS_CHANNEL,
POINTS_SECRET, POINTS_MAX_EXAMPLES (per operation, default 40).
"""

import hashlib
import hmac
import os
import time
import uuid
from collections import Counter

import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

BASE_URL = os.environ["POINTS_BASE_URL"].rstrip("/")
CHANNEL = os.environ["POINTS_CHANNEL"]
SECRET = os.environ["POINTS_SECRET"]
MAX_EXAMPLES = int(os.environ.get("POINTS_MAX_EXAMPLES", "40"))

STATUSES = Counter()
schema = schemathesis.openapi.from_url(BASE_URL + "/points/v1/openapi.json")


class ChannelSignature(requests.auth.AuthBase):
    """Signs the prepared request: exactly the bytes and path sent."""

    def __call__(self, request):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        timestamp = str(int(time.time()))
        nonce = uuid.uuid4().hex
        text = ".".join(
            [
                timestamp,
                nonce,
                request.method.upper(),
                request.path_url,
                hashlib.sha256(body).hexdigest(),
            ]
        )
        signature = hmac.new(
            SECRET.encode("utf-8"), text.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        request.headers["X-Flash-Channel"] = CHANNEL
        request.headers["X-Flash-Timestamp"] = timestamp
        request.headers["X-Flash-Nonce"] = nonce
        request.headers["X-Flash-Signature"] = f"v1={signature}"
        return request


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_points_api(case):
    response = case.call(base_url=BASE_URL + "/points/v1", auth=ChannelSignature())
    STATUSES[(case.operation.label, response.status_code)] += 1
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )


def test_signed_requests_got_in():
    """Runs after the generated cases: they were not all refused at the door."""
    print(sorted(STATUSES.items()))
    accepted = {label for (label, status), _ in STATUSES.items() if status < 300}
    # Random ids rarely name a real member or period; these two always can.
    assert {"GET /quota", "POST /members/{external_id}/grants"} <= accepted, STATUSES
    assert sum(n for (_, status), n in STATUSES.items() if status == 401) == 0, STATUSES
