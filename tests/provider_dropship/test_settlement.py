"""Settlement: delivered units × settlement price per provider and period;
a return after a statement was closed is an adjustment in the next one and
never changes the closed one; JSON and CSV; staff produce, providers read
their own."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order

from plugins.provider_dropship import settlement, sub_order_workflow
from plugins.provider_dropship.models import SettlementStatement, SubOrder
from plugins.provider_dropship.settlement_rules import SettlementRefusal
from tests.support import gql_in_process as gql

from .world import gid, make_supplier, place_order, store, token_for

pytestmark = pytest.mark.django_db

CREATE = """
mutation($provider: ID!, $start: DateTime!, $end: DateTime!) {
  settlementStatementCreate(
    providerId: $provider, periodStart: $start, periodEnd: $end
  ) {
    statement { id total { amount } document csv }
    settlementErrors { field code message }
  }
}"""
STATEMENTS = "{ settlementStatements { id providerName total { amount } } }"


def delivered_order(supplier, quantity=3):
    placed = place_order([(supplier.variants[0], quantity)])
    sub_order = SubOrder.objects.get(order=Order.objects.get(token=placed["token"]))
    user = supplier.user
    sub_order_workflow.accept(user, sub_order.pk)
    sub_order_workflow.ship(user, sub_order.pk, "UPS", "1Z1")
    sub_order_workflow.deliver(user, sub_order.pk)
    return sub_order


def test_a_late_return_is_an_adjustment_in_the_next_statement():
    store()
    supplier = make_supplier(settlement=Decimal("12.50"))
    other = make_supplier()
    sub_order = delivered_order(supplier, quantity=3)
    delivered_order(other, quantity=1)  # another provider's: not in this one
    start = timezone.now() - timedelta(days=1)
    end = timezone.now()

    first = settlement.produce_statement(supplier.provider.pk, start, end)
    assert first.total_amount == Decimal("37.500")
    closed = settlement.statement_document(first)
    assert (closed["delivered_units"], closed["total"]) == (3, "37.500")

    with pytest.raises(SettlementRefusal) as overlap:
        settlement.produce_statement(supplier.provider.pk, start, end)
    assert overlap.value.code == "period_overlaps"

    line = sub_order.lines.get()
    entry = settlement.record_return(line.pk, 1, "Returned by the buyer")
    assert entry.adjustment and entry.amount == Decimal("-12.500")
    with pytest.raises(SettlementRefusal):
        settlement.record_return(line.pk, 3, "more than is left")

    second = settlement.produce_statement(supplier.provider.pk, end, timezone.now())
    document = settlement.statement_document(second)
    assert document["total"] == "-12.500"
    assert document["adjustment_amount"] == "-12.500"
    assert [(e["kind"], e["adjustment"]) for e in document["entries"]] == [
        ("returned", True)
    ]
    # The closed statement did not change.
    first.refresh_from_db()
    assert first.total_amount == Decimal("37.500")
    assert settlement.statement_document(first) == closed

    rows = list(csv.reader(io.StringIO(settlement.statement_csv(first))))
    assert rows[0][:3] == ["occurred_at", "kind", "adjustment"]
    assert rows[1][1] == "delivered" and rows[1][7] == "3"
    assert rows[-1][1] == "total" and rows[-1][9] == "37.50"


def test_staff_produce_and_providers_read_their_own():
    store()
    supplier, other = make_supplier(), make_supplier()
    delivered_order(supplier, quantity=2)
    variables = {
        "provider": gid("Provider", supplier.provider.pk),
        "start": (timezone.now() - timedelta(days=1)).isoformat(),
        "end": timezone.now().isoformat(),
    }
    # A provider user may not produce statements.
    denied = gql(CREATE, variables, token_for(supplier.user))
    assert denied["errors"] and denied["data"]["settlementStatementCreate"] is None
    assert not SettlementStatement.objects.exists()

    staff = User.objects.create_user("settle@example.com", "staff-password")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="manage_providers"))
    response = gql(CREATE, variables, token_for(staff))
    made = response["data"]["settlementStatementCreate"]
    assert made["settlementErrors"] == []
    assert made["statement"]["total"]["amount"] == 24.0
    assert json.loads(made["statement"]["document"])["delivered_units"] == 2
    assert made["statement"]["csv"].splitlines()[0].startswith("occurred_at,kind")

    refused = gql(CREATE, variables, token_for(staff))["data"][
        "settlementStatementCreate"
    ]
    assert refused["settlementErrors"][0]["code"] == "PERIOD_OVERLAPS"

    own = gql(STATEMENTS, {}, token_for(supplier.user))["data"]["settlementStatements"]
    assert [s["id"] for s in own] == [made["statement"]["id"]]
    assert (
        gql(STATEMENTS, {}, token_for(other.user))["data"]["settlementStatements"] == []
    )
    assert gql(STATEMENTS, {})["data"]["settlementStatements"] == []
