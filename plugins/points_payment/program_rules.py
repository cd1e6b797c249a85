"""What staff may set on a channel's points program, and the rules each value
must follow: pure (no ORM, no Django), one ``Setting`` per editable field.

``EDITABLE_SETTINGS`` is the one list the service, the staff GraphQL input
and the console form are built from: a new program field needs one entry
here (its kind decides how it is parsed, checked, typed and shown).
``tests/points_payment/test_program_settings.py`` checks that every name in
``programs.PROGRAM_SETTINGS`` but the made secret has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Dict, List, Mapping, Optional, Type

from plugins.core.errors import ServiceRefusal
from plugins.core.web_addresses import http_url_problem

from .domain import CodeSender, Confirmation, ProgramMode, RefundPolicy

MAX_URL = 500
MAX_POINTS = 10**15  # as domain.valid_points
MONEY_PLACES = 6
MONEY_LIMIT = Decimal(10) ** 6  # the column: 12 digits, 6 after the point
MIN_HOLD_SECONDS = 60
MAX_HOLD_SECONDS = 24 * 3600


class ProgramErrorCode(str, Enum):
    CHANNEL_NOT_FOUND = "channel_not_found"
    POINTS_NOT_ENABLED = "points_not_enabled"
    UNKNOWN_SETTING = "unknown_setting"
    INVALID_NUMBER = "invalid_number"
    OUT_OF_RANGE = "out_of_range"
    INVALID_CHOICE = "invalid_choice"
    INVALID_URL = "invalid_url"
    WEBHOOK_URL_REQUIRED = "webhook_url_required"
    MODE_LOCKED = "mode_locked"
    INVALID_PERIOD = "invalid_period"
    INVALID_QUOTA = "invalid_quota"
    PERIOD_ALREADY_OPEN = "period_already_open"


class SettingKind(str, Enum):
    FLAG = "flag"  # on/off
    CHOICE = "choice"  # one value of a domain enum
    MONEY = "money"  # Decimal > 0, at most 6 decimal places
    POINTS = "points"  # whole points > 0 (optional: empty = none)
    SECONDS = "seconds"  # whole seconds within [minimum, maximum]
    DAYS = "days"  # whole days within [minimum, maximum] (optional: empty = none)
    URL = "url"  # absolute http(s) URL or empty


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    kind: SettingKind
    help: str = ""
    choices: Optional[Type[Enum]] = None
    optional: bool = False
    minimum: Optional[int] = None
    maximum: Optional[int] = None


EDITABLE_SETTINGS = (
    Setting("enabled", "Enabled", SettingKind.FLAG, "Members may pay with points."),
    Setting(
        "mode",
        "Mode",
        SettingKind.CHOICE,
        "allowance: we keep members' points, granted from the quota; "
        "pass_through: the channel keeps them (the sign-in's points claim). "
        "Fixed while the open period has points granted or held.",
        choices=ProgramMode,
    ),
    Setting(
        "money_per_point",
        "Money per point",
        SettingKind.MONEY,
        "1 point pays this much (at most 6 decimals); points are rounded up.",
    ),
    Setting(
        "refund_policy",
        "Refund policy",
        SettingKind.CHOICE,
        "For refunds the buyer asks for; involuntary ones always give back.",
        choices=RefundPolicy,
    ),
    Setting(
        "confirmation",
        "Payment confirmation",
        SettingKind.CHOICE,
        "What a member gives before points move.",
        choices=Confirmation,
    ),
    Setting(
        "code_sender",
        "Code sender",
        SettingKind.CHOICE,
        "How one-time codes reach the member (webhook needs a webhook URL).",
        choices=CodeSender,
    ),
    Setting(
        "member_cap_per_period",
        "Member cap per period",
        SettingKind.POINTS,
        "Most points one member may spend in a period; empty: no cap.",
        optional=True,
        minimum=1,
        maximum=MAX_POINTS,
    ),
    Setting(
        "hold_timeout_seconds",
        "Hold timeout (seconds)",
        SettingKind.SECONDS,
        "How long a checkout's hold lasts (60 s to 24 h).",
        minimum=MIN_HOLD_SECONDS,
        maximum=MAX_HOLD_SECONDS,
    ),
    Setting(
        "period_length_days",
        "Period length (days)",
        SettingKind.DAYS,
        "Periods roll over by themselves after this many days; empty: staff "
        "open each period.",
        optional=True,
        minimum=1,
        maximum=3660,
    ),
    Setting(
        "period_quota",
        "Rolled-over period quota",
        SettingKind.POINTS,
        "The quota of each rolled-over period; empty: the ended period's.",
        optional=True,
        minimum=0,
        maximum=MAX_POINTS,
    ),
    Setting(
        "webhook_url",
        "Webhook URL",
        SettingKind.URL,
        "Where redemptions, refunds, expiries and closes are sent (signed).",
        optional=True,
    ),
    Setting(
        "balance_url",
        "Balance URL",
        SettingKind.URL,
        "Pass-through: where a member's balance may be refreshed.",
        optional=True,
    ),
)
SETTINGS_BY_NAME = {setting.name: setting for setting in EDITABLE_SETTINGS}


@dataclass(frozen=True)
class Violation:
    field: Optional[str]
    code: ProgramErrorCode
    message: str


class ProgramRefused(ServiceRefusal):
    """Staff's program or period input refused; nothing was changed.
    ``violations`` lists every broken rule (the first is code/message/field)."""

    def __init__(self, violations: List[Violation]):
        first = violations[0]
        super().__init__(first.code, first.message, first.field)
        self.violations = violations


def refuse(field: Optional[str], code: ProgramErrorCode, message: str):
    return ProgramRefused([Violation(field, code, message)])


TRUE_WORDS = {"on", "true", "1", "yes"}
FALSE_WORDS = {"", "off", "false", "0", "no"}


def _whole(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def clean_value(setting: Setting, raw: Any) -> Any:
    """``raw`` (a typed value from GraphQL, or form text) as the value to
    store; raises ``ProgramRefused`` with the setting's field."""
    name, kind = setting.name, setting.kind

    def bad(code: ProgramErrorCode, message: str):
        return refuse(name, code, message)

    if isinstance(raw, str):
        raw = raw.strip()
    if kind == SettingKind.FLAG:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.lower() in TRUE_WORDS
        raise bad(ProgramErrorCode.INVALID_CHOICE, f"{setting.label}: on or off.")
    if kind == SettingKind.CHOICE:
        value = getattr(raw, "value", raw)
        allowed = [member.value for member in setting.choices]
        if value not in allowed:
            raise bad(
                ProgramErrorCode.INVALID_CHOICE,
                f"{setting.label} must be one of: {', '.join(allowed)}.",
            )
        return value
    if kind == SettingKind.URL:
        url = raw or ""
        if not isinstance(url, str):
            raise bad(ProgramErrorCode.INVALID_URL, f"{setting.label}: text.")
        problem = http_url_problem(url, setting.label)
        if problem is None and len(url) > MAX_URL:
            problem = f"{setting.label} may have at most {MAX_URL} characters."
        if problem:
            raise bad(ProgramErrorCode.INVALID_URL, problem)
        return url
    if kind == SettingKind.MONEY:
        try:
            amount = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
        except (InvalidOperation, ValueError):
            amount = None
        if raw in ("", None) or amount is None or not amount.is_finite():
            raise bad(ProgramErrorCode.INVALID_NUMBER, f"{setting.label}: a number.")
        if not (0 < amount < MONEY_LIMIT):
            raise bad(
                ProgramErrorCode.OUT_OF_RANGE,
                f"{setting.label} must be more than 0 and less than {MONEY_LIMIT}.",
            )
        step = Decimal(1).scaleb(-MONEY_PLACES)
        if amount != amount.quantize(step):
            raise bad(
                ProgramErrorCode.INVALID_NUMBER,
                f"{setting.label} has at most {MONEY_PLACES} decimal places.",
            )
        return amount.quantize(step)
    # POINTS, SECONDS and DAYS: whole numbers within their range.
    if setting.optional and raw in ("", None):
        return None
    number = _whole(raw)
    if number is None:
        raise bad(ProgramErrorCode.INVALID_NUMBER, f"{setting.label}: a whole number.")
    if (setting.minimum is not None and number < setting.minimum) or (
        setting.maximum is not None and number > setting.maximum
    ):
        raise bad(
            ProgramErrorCode.OUT_OF_RANGE,
            f"{setting.label} must be from {setting.minimum} to {setting.maximum}"
            + (" (or empty)." if setting.optional else "."),
        )
    return number


def clean_settings(changes: Mapping[str, Any]) -> Dict[str, Any]:
    """Every change parsed and checked; all violations at once."""
    values: Dict[str, Any] = {}
    violations: List[Violation] = []
    for name, raw in changes.items():
        setting = SETTINGS_BY_NAME.get(name)
        if setting is None:
            violations.append(
                Violation(
                    name, ProgramErrorCode.UNKNOWN_SETTING, f"No setting {name!r}."
                )
            )
            continue
        try:
            values[name] = clean_value(setting, raw)
        except ProgramRefused as refusal:
            violations.extend(refusal.violations)
    if violations:
        raise ProgramRefused(violations)
    return values


def program_violations(
    merged: Mapping[str, Any],
    mode_changed: bool,
    period_in_use: bool,
    rotate_secret: bool,
) -> List[Violation]:
    """Rules across settings, on the program as it would be saved."""
    violations: List[Violation] = []
    if mode_changed and period_in_use:
        violations.append(
            Violation(
                "mode",
                ProgramErrorCode.MODE_LOCKED,
                "The open period has points granted or held: close it before "
                "switching between allowance and pass-through.",
            )
        )
    needs_url = (
        merged.get("confirmation") == Confirmation.ONE_TIME_CODE.value
        and merged.get("code_sender") == CodeSender.WEBHOOK.value
    )
    if needs_url and not merged.get("webhook_url"):
        violations.append(
            Violation(
                "webhook_url",
                ProgramErrorCode.WEBHOOK_URL_REQUIRED,
                "One-time codes sent by webhook need a webhook URL.",
            )
        )
    if rotate_secret and not merged.get("webhook_url"):
        violations.append(
            Violation(
                "rotate_webhook_secret",
                ProgramErrorCode.WEBHOOK_URL_REQUIRED,
                "There is no webhook URL to sign for.",
            )
        )
    return violations


def period_violations(starts_at: Any, ends_at: Any, quota: Any) -> List[Violation]:
    """A new settlement period: zone-aware start before its end, quota >= 0."""
    violations: List[Violation] = []
    moments = {"starts_at": starts_at, "ends_at": ends_at}
    for field, moment in moments.items():
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            violations.append(
                Violation(
                    field,
                    ProgramErrorCode.INVALID_PERIOD,
                    "A date and time with its time zone.",
                )
            )
    if not violations and ends_at <= starts_at:
        violations.append(
            Violation(
                "ends_at",
                ProgramErrorCode.INVALID_PERIOD,
                "The period must end after it starts.",
            )
        )
    whole = _whole(quota)
    if whole is None or not (0 <= whole <= MAX_POINTS):
        violations.append(
            Violation(
                "quota",
                ProgramErrorCode.INVALID_QUOTA,
                f"The quota is a whole number of points from 0 to {MAX_POINTS}.",
            )
        )
    return violations
