"""The app's models, one module per part: the ledger (programs, periods,
accounts, transfers), the channel API (nonces, idempotency records) and
payment confirmation (one-time codes, payment passwords)."""

from .api import *  # noqa: F401,F403
from .confirmation import *  # noqa: F401,F403
from .ledger import *  # noqa: F401,F403
