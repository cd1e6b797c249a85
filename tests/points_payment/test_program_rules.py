"""The program settings' rules, pure (no database): each kind of value is
parsed from typed input and from form text, and refused with its code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from plugins.points_payment.program_rules import (
    SETTINGS_BY_NAME,
    ProgramErrorCode,
    ProgramRefused,
    clean_settings,
    period_violations,
    program_violations,
)

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def refusal_codes(changes):
    with pytest.raises(ProgramRefused) as refused:
        clean_settings(changes)
    return {(v.field, v.code.value) for v in refused.value.violations}


def test_typed_and_form_values_are_cleaned_alike():
    typed = clean_settings(
        {
            "enabled": False,
            "mode": "pass_through",
            "money_per_point": Decimal("0.125"),
            "member_cap_per_period": 500,
            "hold_timeout_seconds": 60,
            "webhook_url": "https://hooks.example.com/p",
            "balance_url": None,
        }
    )
    form = clean_settings(
        {
            "enabled": "",
            "mode": "pass_through",
            "money_per_point": " 0.125 ",
            "member_cap_per_period": "500",
            "hold_timeout_seconds": "60",
            "webhook_url": "https://hooks.example.com/p",
            "balance_url": "",
        }
    )
    assert typed == form
    assert typed["money_per_point"] == Decimal("0.125000")
    assert typed["balance_url"] == "" and typed["enabled"] is False
    assert clean_settings({"member_cap_per_period": ""}) == {
        "member_cap_per_period": None
    }


@pytest.mark.parametrize(
    "name, value, code",
    [
        ("money_per_point", "0", "out_of_range"),
        ("money_per_point", "-1", "out_of_range"),
        ("money_per_point", "0.0000001", "invalid_number"),
        ("money_per_point", "1000000", "out_of_range"),
        ("money_per_point", "abc", "invalid_number"),
        ("money_per_point", "NaN", "invalid_number"),
        ("money_per_point", None, "invalid_number"),
        ("member_cap_per_period", 0, "out_of_range"),
        ("member_cap_per_period", "-5", "out_of_range"),
        ("member_cap_per_period", "1.5", "invalid_number"),
        ("member_cap_per_period", True, "invalid_number"),
        ("hold_timeout_seconds", 59, "out_of_range"),
        ("hold_timeout_seconds", 86401, "out_of_range"),
        ("hold_timeout_seconds", "", "invalid_number"),
        ("mode", "credit", "invalid_choice"),
        ("refund_policy", "", "invalid_choice"),
        ("confirmation", "sms", "invalid_choice"),
        ("code_sender", None, "invalid_choice"),
        ("enabled", "maybe", "invalid_choice"),
        ("webhook_url", "javascript:alert(1)", "invalid_url"),
        ("webhook_url", "//hooks.example.com/x", "invalid_url"),
        ("balance_url", "ftp://example.com/", "invalid_url"),
        ("balance_url", "https://example.com/" + "x" * 500, "invalid_url"),
        ("webhook_secret", "mine", "unknown_setting"),
    ],
)
def test_each_bad_value_is_refused_with_its_code(name, value, code):
    assert refusal_codes({name: value}) == {(name, code)}


def test_all_violations_are_reported_at_once():
    assert refusal_codes({"money_per_point": "0", "hold_timeout_seconds": 1}) == {
        ("money_per_point", "out_of_range"),
        ("hold_timeout_seconds", "out_of_range"),
    }


def test_hold_timeout_bounds_are_one_minute_to_a_day():
    setting = SETTINGS_BY_NAME["hold_timeout_seconds"]
    assert (setting.minimum, setting.maximum) == (60, 86400)
    assert clean_settings({"hold_timeout_seconds": 86400}) == {
        "hold_timeout_seconds": 86400
    }


def test_rules_across_settings():
    base = {"mode": "allowance", "confirmation": "none", "code_sender": "log"}
    assert program_violations(base, False, False, False) == []
    locked = program_violations(base, True, True, False)
    assert [v.code for v in locked] == [ProgramErrorCode.MODE_LOCKED]
    assert program_violations(base, True, False, False) == []
    webhook_codes = {**base, "confirmation": "one_time_code", "code_sender": "webhook"}
    by_webhook = program_violations(webhook_codes, False, False, False)
    assert [v.field for v in by_webhook] == ["webhook_url"]
    rotate = program_violations({**base, "webhook_url": ""}, False, False, True)
    assert [(v.field, v.code.value) for v in rotate] == [
        ("rotate_webhook_secret", "webhook_url_required")
    ]


def test_period_rules():
    assert period_violations(NOW, NOW + timedelta(days=1), 0) == []
    assert period_violations(NOW, NOW + timedelta(days=1), "10") == []
    codes = lambda *args: [(v.field, v.code.value) for v in period_violations(*args)]  # noqa: E731
    assert codes(NOW, NOW, 5) == [("ends_at", "invalid_period")]
    assert codes(NOW, NOW - timedelta(1), 5) == [("ends_at", "invalid_period")]
    assert codes(NOW.replace(tzinfo=None), NOW + timedelta(1), 5) == [
        ("starts_at", "invalid_period")
    ]
    assert codes(NOW, NOW + timedelta(1), -1) == [("quota", "invalid_quota")]
    assert codes(NOW, NOW + timedelta(1), 1.5) == [("quota", "invalid_quota")]
    assert codes(NOW, NOW + timedelta(1), 10**15 + 1) == [("quota", "invalid_quota")]
