import pytest

# The outbox's real pieces (a Celery worker on a queue of its own that can be
# SIGKILLed, a local webhook receiver, fast retry settings) from the core tests.
from tests.core.conftest import (  # noqa: F401
    outbox_settings,
    receiver,
)


@pytest.fixture(autouse=True)
def no_sign_up_brake(settings):
    """The per-address sign-up limit counts in Redis across runs; off here."""
    settings.FLASH_PROVIDER_APPLICATIONS_PER_HOUR = 0
