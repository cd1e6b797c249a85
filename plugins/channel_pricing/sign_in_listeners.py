"""Listeners for sign-in token claims, from plugins that build on us.

channel_pricing sits below points_payment (DESIGN.md, "Layout"), so it
cannot import it. A plugin that needs a claim of the channel's SSO token
(points_payment: the ``points`` claim of a pass-through channel) registers a
listener at start-up (its ``AppConfig.ready``); ``sign_in`` calls every
listener inside the sign-in's transaction, after the member is provisioned.
A listener that raises refuses the sign-in (nothing is kept).
"""

from __future__ import annotations

from typing import Callable, List

from .sso import SignInClaims

# (channel id, verified claims) -> None
SignInClaimListener = Callable[[int, SignInClaims], None]

_listeners: List[SignInClaimListener] = []


def register_sign_in_claim_listener(listener: SignInClaimListener) -> None:
    """Add a listener (registering the same one twice is a no-op)."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify_sign_in_claims(channel_id: int, claims: SignInClaims) -> None:
    for listener in list(_listeners):
        listener(channel_id, claims)
