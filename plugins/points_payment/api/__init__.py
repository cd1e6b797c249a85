"""The signed REST API for channel systems, ``/points/v1/`` (docs/api.md
"Channel API"): thin views over ``api_requests`` (authentication,
idempotency) and the ledger's ``services``."""
