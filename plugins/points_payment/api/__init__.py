"""The signed REST API for channel systems, ``/points/v1/`` (docs/api.md
"Channel API"): thin views over ``api_callers`` (authentication),
``api_idempotency`` and the ledger's ``services``."""
