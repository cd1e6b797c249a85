"""Build channel sign-in tokens the way a partner app would."""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Optional

import jwt


def channel_token(
    secret: str,
    iss: str,
    sub: str = "member-1",
    *,
    now: Optional[float] = None,
    lifetime: int = 300,
    drop=(),
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    now = time.time() if now is None else now
    payload: Dict[str, Any] = {
        "iss": iss,
        "sub": sub,
        "iat": int(now),
        "exp": int(now) + lifetime,
        "jti": uuid.uuid4().hex,
    }
    payload.update(claims)
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, secret.encode("utf-8"), algorithm=algorithm).decode()
