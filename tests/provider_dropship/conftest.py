import pytest


@pytest.fixture(autouse=True)
def no_sign_up_brake(settings):
    """The per-address sign-up limit counts in Redis across runs; off here."""
    settings.FLASH_PROVIDER_APPLICATIONS_PER_HOUR = 0
