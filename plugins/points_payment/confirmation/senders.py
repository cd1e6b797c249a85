"""Where a one-time code goes: pluggable senders, chosen per channel by
``PointsProgram.code_sender``. Two kinds of code use them: payment
confirmation codes (``purpose`` "payment") and payment password reset codes
("password_reset", event ``points.password_reset_code``).

- ``webhook``: the channel's webhook (event ``points.payment_code``) through
  the core outbox, so the channel's app can show it or text it to the member;
- ``email``: the member's e-mail (from the channel's sign-in claims) through
  the outbox, with Saleor's e-mail settings;
- ``log``: the application log, for development.

Senders run inside the transaction that creates the code (the outbox
writes in it), so a code is sent only if it was stored. Another sender is
added with ``register_code_sender(name, fn)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Callable, Dict

from plugins.core import outbox

from .errors import ConfirmationError
from .rules import PointsPaymentErrorCode, mask_email

logger = logging.getLogger(__name__)

CODE_EVENT = "points.payment_code"
RESET_EVENT = "points.password_reset_code"
PAYMENT = "payment"
PASSWORD_RESET = "password_reset"


@dataclass(frozen=True)
class CodeMessage:
    program: object  # PointsProgram
    channel_slug: str
    external_id: str
    member_email: str
    code: str
    expires_at: datetime
    amount: Decimal
    currency: str
    points: int
    purpose: str = PAYMENT  # or PASSWORD_RESET (no amount, currency, points)


CodeSender = Callable[[CodeMessage], str]  # returns where it went (shown masked)


def _no_destination(message: str) -> ConfirmationError:
    return ConfirmationError(PointsPaymentErrorCode.NO_DESTINATION, message)


def send_by_webhook(message: CodeMessage) -> str:
    program = message.program
    if not program.webhook_url or not program.webhook_secret:
        raise _no_destination("The channel has no webhook to send the code to.")
    body = {
        "channel": message.channel_slug,
        "member": message.external_id,
        "code": message.code,
        "expires_at": message.expires_at.isoformat(),
    }
    if message.purpose == PASSWORD_RESET:
        event = RESET_EVENT
    else:
        event = CODE_EVENT
        body.update(
            amount=str(message.amount),
            currency=message.currency,
            points=message.points,
        )
    outbox.enqueue_webhook(program.webhook_url, program.webhook_secret, event, body)
    return "your channel's app"


def send_by_email(message: CodeMessage) -> str:
    if not message.member_email:
        raise _no_destination("We have no e-mail address to send the code to.")
    if message.purpose == PASSWORD_RESET:
        outbox.enqueue_email(
            message.member_email,
            "Your payment password reset code",
            f"Your code to set a new payment password is {message.code}. "
            "It is valid for 5 minutes. Never share it; if you did not ask "
            "for it, ignore this message.",
            event_type=RESET_EVENT,
        )
        return mask_email(message.member_email)
    outbox.enqueue_email(
        message.member_email,
        "Your payment code",
        f"Your code to pay {message.points} points "
        f"({message.amount} {message.currency}) is {message.code}. "
        "It is valid for 5 minutes. Never share it.",
        event_type=CODE_EVENT,
    )
    return mask_email(message.member_email)


def send_to_log(message: CodeMessage) -> str:
    logger.warning(
        "points %s code for %s/%s: %s (development sender)",
        message.purpose,
        message.channel_slug,
        message.external_id,
        message.code,
    )
    return "the server log"


_senders: Dict[str, CodeSender] = {
    "webhook": send_by_webhook,
    "email": send_by_email,
    "log": send_to_log,
}


def register_code_sender(name: str, sender: CodeSender) -> None:
    _senders[name] = sender


def send_code(sender_name: str, message: CodeMessage) -> str:
    sender = _senders.get(sender_name)
    if sender is None:
        raise _no_destination(f"No code sender named {sender_name!r}.")
    return sender(message)
