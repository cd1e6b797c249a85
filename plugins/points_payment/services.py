"""Points use cases."""

from __future__ import annotations

from typing import List, Optional

from django.db.models import Q

from .domain import Balance
from .models import PointsAccount, PointsTransfer


def member_accounts(user_id: int) -> List[PointsAccount]:
    """The signed-in user's points accounts, one per channel membership."""
    return list(
        PointsAccount.objects.filter(member__user_id=user_id)
        .select_related("channel", "member")
        .order_by("channel__slug")
    )


def balance_of(account: PointsAccount) -> Balance:
    return Balance(
        account.credits_posted, account.debits_posted, account.debits_pending
    )


def history(account: PointsAccount, limit: Optional[int] = 20):
    transfers = PointsTransfer.objects.filter(
        Q(debit_account=account) | Q(credit_account=account)
    )
    return transfers[:limit] if limit else transfers
