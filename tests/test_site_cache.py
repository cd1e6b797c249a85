"""The per-process Site cache (saleor_flash/site_cache.py): a Site or
SiteSettings change made by one process is read by every other one, while
requests that use the Site read it from their process's cache."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.site.models import SiteSettings

from saleor_flash import site_cache

pytestmark = pytest.mark.django_db(transaction=True)

# Saleor's weight scalar reads SiteSettings.default_weight_unit through
# Site.objects.get_current() (not request.site): a new product type's weight
# given as a bare number is stored in the unit the answering process knows.
NEW_TYPE = (
    "mutation($name: String!) { productTypeCreate(input: {name: $name, weight: 1})"
    " { productType { weight { unit } } productErrors { code } } }"
)
SET_UNIT = (
    "mutation($unit: WeightUnitsEnum!) { shopSettingsUpdate("
    "input: {defaultWeightUnit: $unit}) { shopErrors { code } } }"
)


def unit_of(answer: dict) -> str:
    return answer["data"]["productTypeCreate"]["productType"]["weight"]["unit"]


def graphql_in_process(query: str, variables=None, token: str = None) -> dict:
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    return (
        Client()
        .post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        .json()
    )


def unit_in_process(token: str) -> str:
    return unit_of(graphql_in_process(NEW_TYPE, {"name": uuid.uuid4().hex}, token))


@pytest.fixture
def in_kilograms():
    # A transactional test's flush leaves the Site without its settings.
    site_cache.forget()
    SiteSettings.objects.update_or_create(
        site=Site.objects.get_current(), defaults={"default_weight_unit": "kg"}
    )


@pytest.fixture
def manager():
    user = User.objects.create_user(
        "settings@example.com", "s3cret-pass", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["manage_settings", "manage_products"])
    )
    return user


@pytest.mark.server
def test_a_change_through_one_process_is_read_through_the_others(
    api_server, in_kilograms, manager
):
    token = api_server.gql(
        'mutation { tokenCreate(email: "settings@example.com", '
        'password: "s3cret-pass") { token } }'
    )["data"]["tokenCreate"]["token"]

    def unit_through_server(_):
        return unit_of(api_server.gql(NEW_TYPE, {"name": uuid.uuid4().hex}, token))

    def units_through_server():
        with ThreadPoolExecutor(8) as pool:  # reaches both worker processes
            return set(pool.map(unit_through_server, range(24)))

    # Every process has loaded the Site (twice: the second load records the
    # stamp) and serves it from its cache.
    for _ in range(2):
        assert unit_in_process(token) == "kg"
        assert units_through_server() == {"kg"}

    # A gunicorn worker changes it; this test process reads the change.
    answer = api_server.gql(SET_UNIT, {"unit": "G"}, token=token)
    assert answer["data"]["shopSettingsUpdate"]["shopErrors"] == []
    assert unit_in_process(token) == "g"

    # This process changes it; both gunicorn workers read the change.
    settings = Site.objects.get_current().settings
    settings.default_weight_unit = "lb"
    settings.save()
    assert units_through_server() == {"lb"}


def test_the_site_comes_from_the_process_cache_while_nothing_changed(
    in_kilograms, manager
):
    token = get_token(manager)
    unit_in_process(token)  # loads the Site, its stamp unknown
    unit_in_process(token)  # checks the stamp, reloads once, records it
    with CaptureQueriesContext(connection) as queries:
        assert unit_in_process(token) == "kg"
    assert not [q for q in queries if "django_site" in q["sql"]]


def test_a_flushed_stamp_reloads_the_site(in_kilograms, manager):
    token = get_token(manager)
    for _ in range(2):
        unit_in_process(token)
    # A change no signal reported (another service's write, or a stamp lost
    # when Redis was flushed) ...
    SiteSettings.objects.update(default_weight_unit="oz")
    assert unit_in_process(token) == "kg"  # (same stamp: the cache is trusted)
    cache.delete(site_cache.STAMP_KEY)
    # ... is read once Redis has no stamp: every process reloads.
    assert unit_in_process(token) == "oz"


def test_without_redis_every_request_reads_postgresql(in_kilograms, manager, settings):
    token = get_token(manager)
    for _ in range(2):
        unit_in_process(token)
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    SiteSettings.objects.update(default_weight_unit="lb")
    assert unit_in_process(token) == "lb"
    SiteSettings.objects.update(default_weight_unit="g")
    assert unit_in_process(token) == "g"


def test_a_failed_shop_mutation_leaves_no_unsaved_values_behind(in_kilograms, manager):
    domain = Site.objects.get_current().domain
    answer = graphql_in_process(
        'mutation { shopDomainUpdate(input: {domain: "bad domain"}) '
        "{ shopErrors { field code } } }",
        token=get_token(manager),
    )
    assert answer["data"]["shopDomainUpdate"]["shopErrors"], answer
    # Saleor set the bad domain on the cached instance before validating it.
    assert Site.objects.get_current().domain == domain
