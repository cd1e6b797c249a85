# The outbox's real pieces (a Celery worker on a queue of its own that can be
# SIGKILLed, a local webhook receiver, fast retry settings) from the core tests.
from tests.core.conftest import (  # noqa: F401
    outbox_settings,
    receiver,
)
