"""Settings for the test suite: the real settings, with a test-only Redis DB."""

import os

os.environ.setdefault("FLASH_TESTING", "1")
# DEBUG stays off in tests, as in production. Saleor then refuses its own
# default client hosts while e-mail confirmation is on: name the test client's.
os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "localhost,127.0.0.1,testserver")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test-only plugins (tests/fault_plugin.py): a failure after payment, a
# payment gateway whose refunds fail or hang, and one that can stall or break
# inside the payment call (in-process tests).
PLUGINS = PLUGINS + [  # noqa: F405
    "tests.fault_plugin.FailAfterPaymentPlugin",
    "tests.fault_plugin.FlakyRefundsGatewayPlugin",
    "tests.fault_plugin.SlowGatewayPlugin",
]

# Every test client (and herd) comes from 127.0.0.1: per-address brakes are
# off here, and tests/sale_windows/test_hoarding.py turns them on where tried.
FLASH_RESERVE_RATE_PER_IP = 0
FLASH_CART_HOLD_RATE_PER_IP = 0
