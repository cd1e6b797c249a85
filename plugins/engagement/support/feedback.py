"""Buyers rate their own orders, or one shipment of an order (a provider's
sub-order), 1-5 with a message; staff read the ratings."""

from __future__ import annotations

from typing import Optional

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from ..models import Feedback
from .domain import MAX_MESSAGE_LENGTH, check_rating, clean_text
from .requests import order_shipment, own_order


def rate_order(
    user,
    order_pk: int,
    rating: int,
    message: Optional[str],
    shipment_pk: Optional[int] = None,
) -> Feedback:
    """Rate one of the buyer's own orders, or one shipment of it; rating it
    again replaces the first rating (one per buyer and order, and one per
    buyer and shipment, apart). NOT_FOUND for another's order, or a shipment
    that is not the order's."""
    stars = check_rating(rating)
    text = clean_text(message, "message", MAX_MESSAGE_LENGTH, False)
    order = own_order(user, order_pk)
    shipment_id = order_shipment(order, shipment_pk).id if shipment_pk else None
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                feedback, created = Feedback.objects.update_or_create(
                    user=user,
                    order=order,
                    shipment_id=shipment_id,
                    defaults={"rating": stars, "message": text, "updated_at": now},
                )
        except IntegrityError:  # the same buyer rated it in parallel
            feedback = Feedback.objects.get(
                user=user, order=order, shipment_id=shipment_id
            )
            feedback.rating, feedback.message, feedback.updated_at = stars, text, now
            feedback.save()
    return feedback


def recent_feedback() -> QuerySet:
    return Feedback.objects.select_related("order", "user")


def rating_summary() -> dict:
    found = Feedback.objects.aggregate(average=Avg("rating"), count=Count("pk"))
    return {"average": found["average"], "count": found["count"]}
