from django.db import transaction

from plugins.core.plugin_base import FlashPlugin, when_active


class EngagementPlugin(FlashPlugin):
    PLUGIN_ID = "flash.engagement"
    PLUGIN_NAME = "Engagement"
    PLUGIN_DESCRIPTION = (
        "Storefront statistics: events from POST /events/v1/batch (write-only "
        "keys), purchases recorded from orders, hourly roll-ups, funnels and "
        "charts for staff; newsletter sign-up with double opt-in, buyers' order "
        "feedback and support requests with a staff inbox and an optional "
        "help-desk hand-off (docs/engagement.md)."
    )

    @when_active
    def order_created(self, order, previous_value):
        # Inside the order's transaction: record it once it is committed.
        from .tasks import record_order_task

        order_id = order.pk
        transaction.on_commit(lambda: _send_record_order(record_order_task, order_id))
        return previous_value


def _send_record_order(task, order_id: int) -> None:
    try:
        task.delay(order_id)
    except Exception:  # the beat's missed-order sweep records it
        pass
