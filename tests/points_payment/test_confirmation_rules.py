"""Payment confirmation rules (pure, no database)."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from plugins.points_payment.confirmation.rules import (
    CODE_MAX_ATTEMPTS,
    PasswordState,
    PointsPaymentErrorCode,
    code_refusal,
    mask_email,
    new_code,
    password_problem,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@given(st.integers(min_value=0, max_value=999_999))
def test_codes_are_six_digits(value):
    code = new_code(lambda _: value)
    assert len(code) == 6 and code.isdigit() and int(code) == value


def test_a_code_refuses_when_used_exhausted_or_expired():
    later = NOW + timedelta(minutes=5)
    assert code_refusal(expires_at=later, attempts=0, used=False, now=NOW) is None
    assert (
        code_refusal(expires_at=later, attempts=CODE_MAX_ATTEMPTS, used=False, now=NOW)
        == PointsPaymentErrorCode.CODE_LOCKED
    )
    assert (
        code_refusal(expires_at=NOW, attempts=0, used=False, now=NOW)
        == PointsPaymentErrorCode.CODE_EXPIRED
    )
    assert (
        code_refusal(expires_at=later, attempts=0, used=True, now=NOW)
        == PointsPaymentErrorCode.NO_CODE
    )


def test_five_wrong_passwords_in_a_row_lock_for_fifteen_minutes():
    state = PasswordState(0, None)
    for _ in range(4):
        state = state.after_miss(NOW)
        assert not state.locked(NOW)
    state = state.after_miss(NOW)
    assert state.locked(NOW) and state.locked(NOW + timedelta(minutes=14))
    assert not state.locked(NOW + timedelta(minutes=15))
    # A lock that ran out starts a new series of five.
    again = state.after_miss(NOW + timedelta(minutes=16))
    assert again.failed_attempts == 1 and not again.locked(NOW + timedelta(minutes=16))


def test_password_length_and_email_mask():
    assert password_problem("12345")
    assert password_problem("123456") is None
    assert password_problem("x" * 129)
    assert mask_email("ada@example.com") == "a***@example.com"
    assert mask_email("") == "***"
