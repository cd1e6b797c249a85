"""Phone numbers, file sniffing and the guard's cost: no database."""

from decimal import Decimal

import pytest

from plugins.provider_dropship.domain import (
    guard_cost,
    normalize_phone,
    sniff_content_type,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086-138-0013-8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("010-12345678", "+861012345678"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_accepted_phone_numbers(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "+86 123", "+0 123456789", "phone", "+86 1380013800012345"]
)
def test_refused_phone_numbers(raw):
    assert normalize_phone(raw) is None


def test_file_types_come_from_the_bytes():
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_content_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff_content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_content_type(b"%PDF-1.7") == "application/pdf"
    assert sniff_content_type(b"<svg xmlns=") is None
    assert sniff_content_type(b"GIF89a") is None


def test_the_guard_takes_the_higher_of_approved_and_proposed():
    assert guard_cost(Decimal("10"), None) == Decimal("10")
    assert guard_cost(Decimal("10"), Decimal("12")) == Decimal("12")
    assert guard_cost(Decimal("10"), Decimal("8")) == Decimal("10")
