"""The registries through which lower plugins show what sale_windows does
(DESIGN.md "Layout"; docs/architecture.md "Dependencies point one way")."""

import uuid
from datetime import datetime, timezone

import pytest

from plugins.channel_pricing import flash_offers
from plugins.checkout_guard import sale_set_aside
from plugins.checkout_guard.sale_set_aside import SetAsideSource
from plugins.sale_windows import sale_admin, services

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_sale_windows_registers_its_providers_at_start_up():
    assert services.offers_for_variants in flash_offers._providers
    assert (
        SetAsideSource(sale_admin.set_aside_units, services.flash_held_units)
        in sale_set_aside._sources
    )


def test_registering_twice_adds_one_provider(monkeypatch):
    monkeypatch.setattr(flash_offers, "_providers", [])
    flash_offers.register_flash_offer_provider(services.offers_for_variants)
    flash_offers.register_flash_offer_provider(services.offers_for_variants)
    assert flash_offers._providers == [services.offers_for_variants]


def _offer(item_id):
    return {"item_id": item_id}


def test_offers_of_every_provider_are_shown(monkeypatch):
    asked = []

    def first(variant_ids, channel_slug, now):
        asked.append((list(variant_ids), channel_slug, now))
        return {1: [_offer(10)], 2: [_offer(20)]}

    def second(variant_ids, channel_slug, now):
        return {1: [_offer(11)]}

    monkeypatch.setattr(flash_offers, "_providers", [first, second])
    offers = flash_offers.flash_offers_for_variants([1, 2, 3], "wellness", NOW)
    assert offers == {1: [_offer(10), _offer(11)], 2: [_offer(20)]}
    assert asked == [([1, 2, 3], "wellness", NOW)]


def test_no_provider_no_offers(monkeypatch):
    monkeypatch.setattr(flash_offers, "_providers", [])
    assert flash_offers.flash_offers_for_variants([1, 2], "wellness", NOW) == {}


def test_no_set_aside_source_keeps_nothing_aside(monkeypatch):
    monkeypatch.setattr(sale_set_aside, "_sources", [])
    assert sale_set_aside.kept_aside_from(uuid.uuid4(), [1, 2], NOW) == {}


@pytest.mark.django_db
def test_set_aside_sources_add_up(monkeypatch):
    buyer, other = uuid.uuid4(), uuid.uuid4()
    first = SetAsideSource(
        set_aside_units=lambda variant_id: {1: 5, 2: 0}[variant_id],
        held_units=lambda variant_ids, now: {str(buyer): {1: 2}},
    )
    second = SetAsideSource(
        set_aside_units=lambda variant_id: {1: 3, 2: 0}[variant_id],
        held_units=lambda variant_ids, now: {str(buyer): {1: 1}, str(other): {1: 4}},
    )
    monkeypatch.setattr(sale_set_aside, "_sources", [first, second])
    # 8 kept aside; the buyer may use the 3 it holds; the other buyer's 4
    # are not covered by a stock hold, so they stay kept from this buyer.
    assert sale_set_aside.kept_aside_from(buyer, [1, 2], NOW) == {1: 5}
    assert sale_set_aside.kept_aside_from(uuid.uuid4(), [1, 2], NOW) == {1: 8}
