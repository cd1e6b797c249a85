"""Settings for the test suite: the real settings, with a test-only Redis DB."""

import os

os.environ.setdefault("FLASH_TESTING", "1")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A test-only plugin that injects a failure after payment (tests/fault_plugin.py).
PLUGINS = PLUGINS + ["tests.fault_plugin.FailAfterPaymentPlugin"]  # noqa: F405
