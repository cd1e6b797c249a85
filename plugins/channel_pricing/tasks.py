from celery import shared_task


@shared_task
def purge_used_sign_in_tokens_task() -> int:
    """Periodic: forget used sign-in ``jti`` values whose tokens expired more
    than an hour ago (``USED_TOKEN_RETENTION``), so the table stays small."""
    from .sign_in import purge_used_token_ids

    return purge_used_token_ids()
