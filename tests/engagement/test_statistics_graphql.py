"""Staff statistics over GraphQL: the permission, the numbers, CSV; and a
write key that can never read (not on GraphQL, not on the console, not on
the batch endpoint)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from plugins.engagement import rollups
from tests.support import gql_in_process

from .support import drain_all, event, make_key, post_batch

pytestmark = pytest.mark.usefixtures("clean_stats")

ALL = """
query($since: DateTime!, $until: DateTime!, $sale: ID, $channel: ID) {
  engagementFunnel(since: $since, until: $until, saleId: $sale, channelId: $channel) {
    name count rateFromPrevious rateFromFirst
  }
  engagementTimeOnPage(since: $since, until: $until, saleId: $sale) {
    pages medianMs p90Ms histogram { upperMs pages }
  }
  engagementEntryPoints(since: $since, until: $until, saleId: $sale) {
    key label views addToCart checkouts purchases conversion
  }
  engagementChannelComparison(since: $since, until: $until) { key label views }
  engagementStatisticsCsv(report: FUNNEL, since: $since, until: $until, saleId: $sale)
}"""


@pytest.mark.django_db
def test_on_the_test_database():
    pass


def make_user(*codenames, is_staff=True) -> User:
    user = User.objects.create_user(
        f"stats-{uuid.uuid4().hex[:8]}@example.com", "pw", is_staff=is_staff
    )
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def window():
    now = datetime.now(timezone.utc)
    return {
        "since": (now - timedelta(hours=3)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }


def sale_gid(pk: int) -> str:
    return base64.b64encode(f"FlashSale:{pk}".encode()).decode()


@pytest.fixture
def staff():
    user = make_user("view_statistics")
    yield user
    user.delete()


def test_staff_with_the_permission_reads_the_statistics(staff):
    key = make_key()
    post_batch(
        key.public_key,
        [
            event("view", sale_id=5, entry_point="social"),
            event("view", sale_id=5, entry_point="website"),
            event("add_to_cart", sale_id=5),
            event("page_leave", sale_id=5, time_on_page_ms=2500),
        ],
    )
    drain_all()
    rollups.roll_dirty_hours()
    body = gql_in_process(ALL, {**window(), "sale": sale_gid(5)}, get_token(staff))
    assert "errors" not in body, body
    data = body["data"]
    assert [(s["name"], s["count"]) for s in data["engagementFunnel"]] == [
        ("views", 2),
        ("engaged", 0),
        ("add_to_cart", 1),
        ("checkout", 0),
        ("purchase", 0),
    ]
    assert data["engagementTimeOnPage"]["pages"] == 1
    assert 2500 <= data["engagementTimeOnPage"]["medianMs"] <= 2800
    views = {row["key"]: row["views"] for row in data["engagementEntryPoints"]}
    assert views == {"social": 1, "website": 1, "": 0}
    assert data["engagementChannelComparison"][0]["views"] == 2
    csv_text = data["engagementStatisticsCsv"]
    assert csv_text.splitlines()[0] == "step,count,rate_from_previous,rate_from_first"
    assert csv_text.splitlines()[1].startswith("views,2,")


def test_bad_arguments_are_refused(staff):
    body = gql_in_process(ALL, {**window(), "sale": "nonsense"}, get_token(staff))
    assert body.get("errors") and body["data"] is None
    now = datetime.now(timezone.utc).isoformat()
    body = gql_in_process(ALL, {"since": now, "until": now}, get_token(staff))
    assert body.get("errors")


def test_without_the_permission_nothing_is_read():
    user = make_user("manage_discounts")
    try:
        for token in (get_token(user), None):
            body = gql_in_process(ALL, window(), token)
            assert body["data"] is None
            assert "permission" in body["errors"][0]["message"].lower()
    finally:
        user.delete()


def test_a_write_key_can_never_read():
    from django.test import Client

    key = make_key()
    post_batch(key.public_key, [event("view")])
    drain_all()
    rollups.roll_dirty_hours()
    client = Client()
    headers = [
        {"HTTP_X_FLASH_KEY": key.public_key},
        {"HTTP_AUTHORIZATION": f"JWT {key.public_key}"},
        {"HTTP_AUTHORIZATION": f"Bearer {key.public_key}"},
    ]
    for extra in headers:
        body = gql_in_process(ALL, window(), **extra)
        assert body["data"] is None, extra
        # The console (pages and CSV) sends it to the sign-in page.
        for path in (
            "/dashboard-ext/statistics/",
            "/dashboard-ext/statistics/funnel.csv",
        ):
            response = client.get(path, **extra)
            assert response.status_code == 302, (path, extra)
            assert response["Location"].startswith("/dashboard-ext/login/")
        # The batch endpoint only takes POSTs of new events.
        assert client.get("/events/v1/batch", **extra).status_code == 405
    # Even posted with the key and a query, the endpoint answers no data.
    response = post_batch(key.public_key, [])
    assert set(response.json()) == {"error"}
