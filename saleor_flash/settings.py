"""Django settings: Saleor's own settings, extended with the Saleor Flash apps.

Production settings are the default: DEBUG is off unless ``DEBUG=true``, and
then a strong ``SECRET_KEY`` and ``ALLOWED_CLIENT_HOSTS`` are required.
``make run`` sets ``DEBUG=true`` for the demo (and says so); the test suite
sets ``FLASH_TESTING`` (``test_settings``). Every variable is in README
"Configuration".
"""

import os
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from . import config

# Saleor reads these while its settings module is imported, so the defaults
# have to be in the environment before the star import below.
os.environ.setdefault("DATABASE_URL", config.DEFAULT_DATABASE_URL)
os.environ.setdefault("REDIS_URL", config.DEFAULT_REDIS_URL)

TESTING = config.env_bool("FLASH_TESTING", False)
# Saleor's default is DEBUG on; ours is off. Saleor parses the variable with
# ast.literal_eval, so hand it Python's spelling of our boolean.
DEBUG = config.env_bool("DEBUG", False)
os.environ["DEBUG"] = "True" if DEBUG else "False"
if DEBUG or TESTING:
    # The demo and the tests keep one generated key in var/secret_key.
    os.environ.setdefault("SECRET_KEY", config.secret_key())
else:
    _key_problem = config.secret_key_problem(os.environ.get("SECRET_KEY"))
    if _key_problem:
        raise ImproperlyConfigured(
            f"{_key_problem} Production settings (DEBUG off) need a strong, "
            "random SECRET_KEY, the same in every process (README "
            "'Configuration'); `make run` serves the demo in DEBUG instead."
        )
    if not os.environ.get("ALLOWED_CLIENT_HOSTS"):
        raise ImproperlyConfigured(
            "ALLOWED_CLIENT_HOSTS must be set when DEBUG is off: the storefront "
            "hosts that account e-mails may link to, comma-separated "
            "(README 'Configuration')."
        )
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
if "CACHE_URL" not in os.environ:
    os.environ["CACHE_URL"] = os.environ["REDIS_URL"]

from saleor.settings import *  # noqa: E402,F401,F403
from saleor.settings import INSTALLED_APPS, PLUGINS, TEMPLATES  # noqa: E402

ROOT_URLCONF = "saleor_flash.urls"
WSGI_APPLICATION = "saleor_flash.wsgi.application"
TIME_ZONE = "UTC"

# Saleor derives these from its own package folder (site-packages); keep
# uploads and collected static files inside the project instead.
MEDIA_ROOT = str(config.VAR_DIR / "media")
STATIC_ROOT = str(config.VAR_DIR / "static")

FLASH_APPS = [
    "plugins.core",
    "plugins.sale_windows",
    "plugins.channel_pricing",
    "plugins.points_payment",
    "plugins.provider_dropship",
    "plugins.checkout_guard",
    "plugins.engagement",
    "dashboard_ext",
    "saleor_flash.apps.HostConfig",
]
INSTALLED_APPS = INSTALLED_APPS + ["django.contrib.sessions"] + FLASH_APPS

FLASH_PLUGINS = [
    # Saleor chains price hooks in this order: channel prices first, so that the
    # flash-sale plugin prices held units at the sale price and the rest at the
    # channel price (flash prices take precedence for the reserved quantity).
    "plugins.channel_pricing.plugin.ChannelPricingPlugin",
    "plugins.sale_windows.plugin.SaleWindowsPlugin",
    "plugins.points_payment.plugin.PointsPaymentPlugin",
    "plugins.provider_dropship.plugin.ProviderDropshipPlugin",
    "plugins.engagement.plugin.EngagementPlugin",
    # Last: it holds stock once the other plugins have accepted the checkout.
    "plugins.checkout_guard.plugin.CheckoutGuardPlugin",
]
PLUGINS = PLUGINS + FLASH_PLUGINS

# Saleor's API is token based; the dashboard extension is a server-rendered
# console with session sign-in, so it needs sessions, auth and CSRF, on its
# own paths only: the APIs authenticate every request as plain Saleor does,
# and skip that per-request work (saleor_flash/middleware.py).
from saleor.settings import MIDDLEWARE  # noqa: E402

FLASH_SESSION_PATHS = ("/dashboard-ext/", "/provider/")
MIDDLEWARE = (
    ["plugins.core.database_lane.middleware"]
    + MIDDLEWARE[:1]
    # Static files (the console's) in every mode, DEBUG or not.
    + ["whitenoise.middleware.WhiteNoiseMiddleware"]
    + MIDDLEWARE[1:2]
    + [
        "saleor_flash.middleware.ConsoleSessionMiddleware",
        "saleor_flash.middleware.ConsoleCsrfViewMiddleware",
        "saleor_flash.middleware.ConsoleAuthenticationMiddleware",
        "saleor_flash.middleware.site_cache_check",
    ]
    + MIDDLEWARE[2:]
)
# Production serves what `collectstatic` gathered in STATIC_ROOT; the demo and
# the tests serve straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "/dashboard-ext/login/"

TEMPLATES[0]["OPTIONS"]["context_processors"] = TEMPLATES[0]["OPTIONS"][
    "context_processors"
] + [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
]

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}

REDIS_URL = os.environ["REDIS_URL"]
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
CELERY_TASK_ALWAYS_EAGER = config.env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "flash-expire-reservations": {
        "task": "plugins.sale_windows.tasks.expire_reservations_task",
        "schedule": float(config.env_int("FLASH_EXPIRY_SWEEP_SECONDS", 30)),
    },
    "flash-delete-lapsed-stock-holds": {
        "task": "plugins.checkout_guard.tasks.delete_lapsed_holds_task",
        "schedule": 300.0,
    },
    "flash-rescue-stale-payments": {
        "task": "plugins.checkout_guard.tasks.rescue_stale_payments_task",
        "schedule": 60.0,
    },
    "flash-outbox-sweep": {
        "task": "plugins.core.tasks.sweep_outbox_task",
        "schedule": float(config.env_int("FLASH_OUTBOX_SWEEP_SECONDS", 60)),
    },
    "flash-purge-used-sign-in-tokens": {
        "task": "plugins.channel_pricing.tasks.purge_used_sign_in_tokens_task",
        "schedule": 3600.0,
    },
    "flash-purge-channel-api-requests": {
        "task": "plugins.points_payment.tasks.purge_channel_api_requests_task",
        "schedule": 600.0,
    },
    "flash-points-release-timed-out-holds": {
        "task": "plugins.points_payment.tasks.release_timed_out_holds_task",
        "schedule": float(config.env_int("FLASH_POINTS_HOLD_SWEEP_SECONDS", 60)),
    },
    "flash-points-expire-lapsed-grants": {
        "task": "plugins.points_payment.tasks.expire_lapsed_grants_task",
        "schedule": 300.0,
    },
    "flash-points-roll-over-periods": {
        "task": "plugins.points_payment.tasks.roll_over_periods_task",
        "schedule": float(config.env_int("FLASH_POINTS_ROLL_OVER_SWEEP_SECONDS", 60)),
    },
    "flash-points-audit": {
        "task": "plugins.points_payment.tasks.audit_ledger_task",
        "schedule": 3600.0,
    },
    "flash-events-sweep": {
        "task": "plugins.engagement.tasks.sweep_events_task",
        "schedule": float(config.env_int("FLASH_EVENTS_SWEEP_SECONDS", 10)),
    },
    "flash-events-partitions": {
        "task": "plugins.engagement.tasks.maintain_partitions_task",
        "schedule": 3600.0,
    },
    "flash-events-missed-orders": {
        "task": "plugins.engagement.tasks.record_missed_orders_task",
        "schedule": 600.0,
    },
}

# Checkout guard (herd-proof checkout for every item).
FLASH_HOLD_ON_ADD = config.env_bool("FLASH_HOLD_ON_ADD", True)
FLASH_CART_HOLD_SECONDS = config.env_int("FLASH_CART_HOLD_SECONDS", 300)
FLASH_PAYMENT_HOLD_SECONDS = config.env_int("FLASH_PAYMENT_HOLD_SECONDS", 600)
FLASH_STALE_PAYMENT_SECONDS = config.env_int("FLASH_STALE_PAYMENT_SECONDS", 300)

# Brakes against hoarding (docs/flash-sales.md "Hoarding"); 0 = off.
FLASH_RESERVE_RATE_PER_MEMBER = config.env_int("FLASH_RESERVE_RATE_PER_MEMBER", 30)
FLASH_RESERVE_RATE_PER_IP = config.env_int("FLASH_RESERVE_RATE_PER_IP", 120)
FLASH_CART_HOLD_RATE_PER_IP = config.env_int("FLASH_CART_HOLD_RATE_PER_IP", 30)
FLASH_MAX_HELD_ITEMS_PER_CHECKOUT = config.env_int(
    "FLASH_MAX_HELD_ITEMS_PER_CHECKOUT", 10
)
FLASH_MAX_OPEN_HOLDS_PER_CUSTOMER = config.env_int(
    "FLASH_MAX_OPEN_HOLDS_PER_CUSTOMER", 10
)
# Proxies of ours in front of the API that append to X-Forwarded-For.
FLASH_TRUSTED_PROXY_HOPS = config.env_int("FLASH_TRUSTED_PROXY_HOPS", 0)

# Flash-sale reservation hold time (issue: flash sales).
FLASH_RESERVATION_TTL_SECONDS = config.env_int("FLASH_RESERVATION_TTL_SECONDS", 600)
# A live hold is extended to at least this long when checkoutComplete starts,
# so payment cannot outlast it (docs/flash-sales.md).
FLASH_CHECKOUT_GRACE_SECONDS = config.env_int("FLASH_CHECKOUT_GRACE_SECONDS", 120)
# The outbox (plugins/core/outbox.py, docs/operations.md "Outbox"): the first
# retry after FLASH_OUTBOX_BACKOFF_SECONDS, doubling up to the cap, for
# FLASH_OUTBOX_RETRY_FOR_SECONDS (3 days); then the message is dead.
FLASH_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("FLASH_OUTBOX_BACKOFF_SECONDS", 30))
FLASH_OUTBOX_BACKOFF_CAP_SECONDS = float(
    os.environ.get("FLASH_OUTBOX_BACKOFF_CAP_SECONDS", 6 * 3600)
)
FLASH_OUTBOX_RETRY_FOR_SECONDS = float(
    os.environ.get("FLASH_OUTBOX_RETRY_FOR_SECONDS", 3 * 24 * 3600)
)
FLASH_OUTBOX_TIMEOUT_SECONDS = float(os.environ.get("FLASH_OUTBOX_TIMEOUT_SECONDS", 10))
# The Celery queue of delivery tasks ("" = the default queue).
FLASH_OUTBOX_QUEUE = os.environ.get("FLASH_OUTBOX_QUEUE", "")
# Channel API (/points/v1/, docs/api.md): idempotency records are kept this
# long; a record left in flight by the earlier two-transaction scheme and
# older than the stale limit is dropped (today's records are written with
# their answer); a rotated API secret stays valid this long.
FLASH_POINTS_IDEMPOTENCY_RETENTION_HOURS = float(
    os.environ.get("FLASH_POINTS_IDEMPOTENCY_RETENTION_HOURS", 24)
)
FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS = float(
    os.environ.get("FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS", 90)
)
FLASH_POINTS_API_SECRET_GRACE_SECONDS = config.env_int(
    "FLASH_POINTS_API_SECRET_GRACE_SECONDS", 86400
)
# Webhook of sale start/end/sold-out, through the outbox (off when unset).
FLASH_SALE_EVENT_WEBHOOK_URL = os.environ.get("FLASH_SALE_EVENT_WEBHOOK_URL", "")
# Base of links e-mailed to provider applicants and invited provider users.
FLASH_PUBLIC_URL = os.environ.get("FLASH_PUBLIC_URL", "http://127.0.0.1:8000")
FLASH_SALE_EVENT_WEBHOOK_SECRET = os.environ.get("FLASH_SALE_EVENT_WEBHOOK_SECRET", "")
# Engagement: newsletter and customer service (docs/engagement.md).
# Absolute base of links in e-mails (confirmation, unsubscribe, orders).
FLASH_PUBLIC_URL = os.environ.get("FLASH_PUBLIC_URL", "http://localhost:8000")
FLASH_NEWSLETTER_CONFIRM_MAX_AGE_SECONDS = config.env_int(
    "FLASH_NEWSLETTER_CONFIRM_MAX_AGE_SECONDS", 3 * 24 * 3600
)
FLASH_NEWSLETTER_RESEND_SECONDS = config.env_int("FLASH_NEWSLETTER_RESEND_SECONDS", 600)
FLASH_NEWSLETTER_RATE_PER_IP = config.env_int("FLASH_NEWSLETTER_RATE_PER_IP", 10)
FLASH_SUPPORT_REQUESTS_PER_HOUR = config.env_int("FLASH_SUPPORT_REQUESTS_PER_HOUR", 10)
# Where staff open an order ({id}: its GraphQL id): Saleor's dashboard.
FLASH_ORDER_ADMIN_URL = os.environ.get(
    "FLASH_ORDER_ADMIN_URL", "/dashboard/orders/{id}/"
)
# Help-desk hand-off (off when the URL is unset): tickets out, signed with
# FLASH_HELPDESK_SECRET (comma-separated while rotating); status changes in,
# verified with FLASH_HELPDESK_INBOUND_SECRET (default: the same secret).
FLASH_HELPDESK_URL = os.environ.get("FLASH_HELPDESK_URL", "")
FLASH_HELPDESK_SECRET = os.environ.get("FLASH_HELPDESK_SECRET", "")
FLASH_HELPDESK_INBOUND_SECRET = os.environ.get("FLASH_HELPDESK_INBOUND_SECRET", "")
# Redis of the flash-sale admission gate (default: REDIS_URL).
FLASH_GATE_REDIS_URL = os.environ.get("FLASH_GATE_REDIS_URL") or REDIS_URL
# Storefront statistics (docs/engagement.md): raw events are kept this many
# days (whole day partitions dropped by the beat); roll-ups are kept.
FLASH_EVENTS_RETENTION_DAYS = config.env_int("FLASH_EVENTS_RETENTION_DAYS", 90)
# Batches per minute to /events/v1/batch per write key and per IP (0 = off).
FLASH_EVENTS_RATE_PER_KEY = config.env_int("FLASH_EVENTS_RATE_PER_KEY", 6000)
FLASH_EVENTS_RATE_PER_IP = config.env_int("FLASH_EVENTS_RATE_PER_IP", 120)

# Saleor JWTs expire (Saleor 2.10 leaves them valid for ever): short access
# tokens, renewed with `tokenRefresh` before they expire, for at most the
# refresh window since the sign-in. Every request and every refresh reloads
# the account: a disabled account or a member of a suspended channel is
# refused at once (plugins/channel_pricing/member_tokens.py).
GRAPHQL_JWT = {
    **GRAPHQL_JWT,  # noqa: F405
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_EXPIRATION_DELTA": timedelta(
        seconds=config.env_int("FLASH_JWT_ACCESS_SECONDS", 600)
    ),
    "JWT_ALLOW_REFRESH": True,
    "JWT_REFRESH_EXPIRATION_DELTA": timedelta(
        seconds=config.env_int("FLASH_JWT_REFRESH_SECONDS", 24 * 3600)
    ),
    "JWT_GET_USER_BY_NATURAL_KEY_HANDLER": (
        "plugins.channel_pricing.member_tokens.account_for_token"
    ),
}
