"""Feedback and support requests through GraphQL, in-process: buyers only
reach their own orders and requests; the lifecycle new → open → waiting →
resolved; replies are e-mailed through the outbox; bad input changes nothing."""

from __future__ import annotations

import graphene
import pytest

from plugins.channel_pricing.models import Channel
from plugins.engagement.models import Feedback, SupportMessage, SupportRequest
from plugins.engagement.support import contacts, requests
from plugins.engagement.support.domain import (
    RequestStatus,
    SupportRefusal,
    after_buyer_message,
    after_staff_reply,
    check_rating,
    staff_may_set,
)
from tests.support import gql_in_process

from .conftest import mails, make_order, make_shipment, make_user, token

pytestmark = pytest.mark.usefixtures("flushed_rate_limits")

RATE = """
mutation($order: ID!, $rating: Int!, $message: String) {
  orderFeedbackSubmit(orderId: $order, rating: $rating, message: $message) {
    feedback { orderId rating message }
    supportErrors { field code }
  }
}"""
CREATE = """
mutation($input: SupportRequestCreateInput!) {
  supportRequestCreate(input: $input) {
    supportRequest { id status category subject contactEmail orderNumber
      forwardedToHelpdesk messages { author body } }
    supportErrors { field code message }
  }
}"""
ADD = """
mutation($id: ID!, $message: String!) {
  supportRequestAddMessage(id: $id, message: $message) {
    supportRequest { status messages { author body } }
    supportErrors { field code }
  }
}"""
REPLY = """
mutation($id: ID!, $message: String!, $status: SupportRequestStatus) {
  supportRequestReply(id: $id, message: $message, status: $status) {
    supportRequest { status messages { author } }
    supportErrors { field code }
  }
}"""
SET_STATUS = """
mutation($id: ID!, $status: SupportRequestStatus!) {
  supportRequestSetStatus(id: $id, status: $status) {
    supportRequest { status resolvedAt }
    supportErrors { field code }
  }
}"""
MINE = "{ mySupportRequests { id status messages { author body } } }"
INBOX = "{ supportRequests(status: NEW) { id subject orderNumber } }"


def order_id(order) -> str:
    return graphene.Node.to_global_id("Order", order.pk)


def test_lifecycle_rules():
    assert check_rating(5) == 5
    for bad in (0, 6, -1, "3"):
        with pytest.raises(SupportRefusal):
            check_rating(bad)
    assert after_staff_reply(None) == RequestStatus.WAITING
    assert after_staff_reply(RequestStatus.RESOLVED) == RequestStatus.RESOLVED
    with pytest.raises(SupportRefusal):
        after_staff_reply(RequestStatus.NEW)
    assert after_buyer_message(RequestStatus.RESOLVED) == RequestStatus.OPEN
    assert after_buyer_message(RequestStatus.NEW) == RequestStatus.NEW
    assert not staff_may_set(RequestStatus.OPEN, RequestStatus.NEW)
    assert staff_may_set(RequestStatus.RESOLVED, RequestStatus.OPEN)


@pytest.mark.django_db
def test_buyers_rate_only_their_own_orders():
    buyer, other = make_user(), make_user()
    mine, theirs = make_order(buyer), make_order(other)
    answer = gql_in_process(
        RATE, {"order": order_id(mine), "rating": 4, "message": "Fast"}, token(buyer)
    )["data"]["orderFeedbackSubmit"]
    assert answer["supportErrors"] == []
    assert answer["feedback"]["rating"] == 4
    # Again: replaces, one row.
    gql_in_process(RATE, {"order": order_id(mine), "rating": 2}, token(buyer))
    (row,) = Feedback.objects.filter(order=mine)
    assert (row.rating, row.message) == (2, "")

    refused = gql_in_process(
        RATE, {"order": order_id(theirs), "rating": 1}, token(buyer)
    )["data"]["orderFeedbackSubmit"]
    assert refused["supportErrors"] == [{"field": "orderId", "code": "NOT_FOUND"}]
    bad = gql_in_process(RATE, {"order": order_id(mine), "rating": 6}, token(buyer))
    assert bad["data"]["orderFeedbackSubmit"]["supportErrors"] == [
        {"field": "rating", "code": "INVALID_RATING"}
    ]
    assert not Feedback.objects.filter(order=theirs).exists()
    assert Feedback.objects.get(order=mine).rating == 2
    anonymous = gql_in_process(RATE, {"order": order_id(mine), "rating": 5})
    assert anonymous["errors"] and anonymous["data"]["orderFeedbackSubmit"] is None


@pytest.mark.django_db
def test_a_request_from_creation_to_resolution():
    buyer = make_user("buyer-life@example.com")
    staff = make_user(None, True, "manage_support")
    order = make_order(buyer)
    created = gql_in_process(
        CREATE,
        {
            "input": {
                "category": "SHIPPING",
                "message": "Where is my parcel?",
                "orderId": order_id(order),
            }
        },
        token(buyer),
    )["data"]["supportRequestCreate"]
    assert created["supportErrors"] == []
    request = created["supportRequest"]
    assert request["status"] == "NEW" and request["category"] == "SHIPPING"
    assert request["orderNumber"] == str(order.pk)
    assert request["contactEmail"] == "buyer-life@example.com"
    assert request["forwardedToHelpdesk"] is False  # no help desk configured
    assert str(order.pk) in request["subject"]

    inbox = gql_in_process(INBOX, token=token(staff))["data"]["supportRequests"]
    assert request["id"] in [row["id"] for row in inbox]

    replied = gql_in_process(
        REPLY, {"id": request["id"], "message": "It ships tomorrow."}, token(staff)
    )["data"]["supportRequestReply"]
    assert replied["supportRequest"]["status"] == "WAITING"
    (mail,) = mails(requests.REPLY_EVENT, "buyer-life@example.com")
    assert "It ships tomorrow." in mail.body and mail.subject.startswith("Re: ")

    again = gql_in_process(
        ADD, {"id": request["id"], "message": "Thanks, and the invoice?"}, token(buyer)
    )["data"]["supportRequestAddMessage"]
    assert again["supportRequest"]["status"] == "OPEN"
    assert [m["author"] for m in again["supportRequest"]["messages"]] == [
        "buyer",
        "staff",
        "buyer",
    ]
    resolved = gql_in_process(
        SET_STATUS, {"id": request["id"], "status": "RESOLVED"}, token(staff)
    )["data"]["supportRequestSetStatus"]
    assert resolved["supportRequest"]["status"] == "RESOLVED"
    assert resolved["supportRequest"]["resolvedAt"]
    back = gql_in_process(
        SET_STATUS, {"id": request["id"], "status": "NEW"}, token(staff)
    )
    assert back["data"]["supportRequestSetStatus"]["supportErrors"] == [
        {"field": "status", "code": "INVALID_STATUS"}
    ]
    mine = gql_in_process(MINE, token=token(buyer))["data"]["mySupportRequests"]
    assert [row["status"] for row in mine] == ["RESOLVED"]


@pytest.mark.django_db
def test_buyers_never_reach_other_buyers_orders_or_requests():
    buyer, other = make_user(), make_user()
    theirs = make_order(other)
    refused = gql_in_process(
        CREATE,
        {"input": {"category": "PAYMENT", "message": "?", "orderId": order_id(theirs)}},
        token(buyer),
    )["data"]["supportRequestCreate"]
    assert [(e["field"], e["code"]) for e in refused["supportErrors"]] == [
        ("orderId", "NOT_FOUND")
    ]
    assert not SupportRequest.objects.filter(user=buyer).exists()

    request = requests.open_request(other, "other", "Hello")
    foreign = gql_in_process(
        ADD,
        {
            "id": graphene.Node.to_global_id("SupportRequest", request.pk),
            "message": "x",
        },
        token(buyer),
    )["data"]["supportRequestAddMessage"]
    assert foreign["supportErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert SupportMessage.objects.filter(request=request).count() == 1
    assert gql_in_process(MINE, token=token(buyer))["data"]["mySupportRequests"] == []
    # Staff queries need MANAGE_SUPPORT; a buyer gets a permission error.
    denied = gql_in_process(INBOX, token=token(buyer))
    assert denied["errors"] and denied["data"]["supportRequests"] is None
    no_perm = make_user(None, True)
    reply = gql_in_process(
        REPLY,
        {
            "id": graphene.Node.to_global_id("SupportRequest", request.pk),
            "message": "x",
        },
        token(no_perm),
    )
    assert reply["errors"] and reply["data"]["supportRequestReply"] is None


RATE_SHIPMENT = """
mutation($order: ID!, $shipment: ID, $rating: Int!) {
  orderFeedbackSubmit(orderId: $order, shipmentId: $shipment, rating: $rating) {
    feedback { orderId shipmentId rating }
    supportErrors { field code }
  }
}"""
SHIPMENTS = "query($order: ID!) { orderShipments(orderId: $order) { id } }"


def shipment_ids(order, buyer) -> list:
    """The shipment ids the buyer's storefront has: as orderShipments gives them."""
    answer = gql_in_process(SHIPMENTS, {"order": order_id(order)}, token(buyer))
    return [row["id"] for row in answer["data"]["orderShipments"]]


@pytest.mark.django_db
def test_a_shipment_is_rated_apart_from_its_order():
    buyer = make_user()
    order = make_order(buyer)
    make_shipment(order, "First Provider")
    make_shipment(order, "Second Provider")
    first, second = shipment_ids(order, buyer)

    rated = gql_in_process(
        RATE_SHIPMENT,
        {"order": order_id(order), "shipment": first, "rating": 2},
        token(buyer),
    )["data"]["orderFeedbackSubmit"]
    assert rated["supportErrors"] == []
    assert rated["feedback"] == {
        "orderId": order_id(order),
        "shipmentId": first,
        "rating": 2,
    }
    whole = gql_in_process(
        RATE_SHIPMENT, {"order": order_id(order), "rating": 5}, token(buyer)
    )["data"]["orderFeedbackSubmit"]
    assert whole["feedback"]["shipmentId"] is None
    # Rating the shipment again replaces its rating, not the order's.
    gql_in_process(
        RATE_SHIPMENT,
        {"order": order_id(order), "shipment": first, "rating": 3},
        token(buyer),
    )
    gql_in_process(
        RATE_SHIPMENT,
        {"order": order_id(order), "shipment": second, "rating": 4},
        token(buyer),
    )
    rows = {
        (row.shipment_id, row.rating)
        for row in Feedback.objects.filter(order=order, user=buyer)
    }
    first_pk = int(graphene.Node.from_global_id(first)[1])
    second_pk = int(graphene.Node.from_global_id(second)[1])
    assert rows == {(None, 5), (first_pk, 3), (second_pk, 4)}


@pytest.mark.django_db
def test_a_shipment_must_be_of_the_buyers_given_order():
    buyer, other = make_user(), make_user()
    mine, also_mine, theirs = make_order(buyer), make_order(buyer), make_order(other)
    make_shipment(mine)
    make_shipment(also_mine)
    make_shipment(theirs)
    (shipment_of_mine,) = shipment_ids(mine, buyer)
    (shipment_of_also_mine,) = shipment_ids(also_mine, buyer)
    (foreign,) = shipment_ids(theirs, other)
    # I never see another buyer's shipments...
    hidden = gql_in_process(SHIPMENTS, {"order": order_id(theirs)}, token(buyer))
    assert hidden["data"]["orderShipments"] is None

    def rate(order, shipment):
        return gql_in_process(
            RATE_SHIPMENT,
            {"order": order_id(order), "shipment": shipment, "rating": 1},
            token(buyer),
        )["data"]["orderFeedbackSubmit"]

    def ask(**fields):
        return gql_in_process(
            CREATE,
            {"input": {"category": "SHIPPING", "message": "Where is it?", **fields}},
            token(buyer),
        )["data"]["supportRequestCreate"]

    not_found = [{"field": "shipmentId", "code": "NOT_FOUND"}]
    # ...nor name one: another buyer's shipment, named with my order or with theirs.
    assert rate(mine, foreign)["supportErrors"] == not_found
    assert rate(theirs, foreign)["supportErrors"] == [
        {"field": "orderId", "code": "NOT_FOUND"}
    ]
    # My own shipment, but of my other order.
    assert rate(mine, shipment_of_also_mine)["supportErrors"] == not_found
    assert rate(mine, order_id(mine))["supportErrors"][0]["field"] == "shipmentId"
    assert not Feedback.objects.exists()

    for fields in (
        {"orderId": order_id(mine), "shipmentId": foreign},
        {"orderId": order_id(mine), "shipmentId": shipment_of_also_mine},
    ):
        answer = ask(**fields)
        assert answer["supportRequest"] is None
        assert [
            {k: e[k] for k in ("field", "code")} for e in answer["supportErrors"]
        ] == not_found
    # A shipment needs the order it belongs to.
    alone = ask(shipmentId=shipment_of_mine)
    assert [e["field"] for e in alone["supportErrors"]] == ["orderId"]
    assert alone["supportErrors"][0]["code"] == "REQUIRED"
    assert not SupportRequest.objects.exists()
    assert not SupportMessage.objects.exists()

    opened = ask(orderId=order_id(mine), shipmentId=shipment_of_mine)
    assert opened["supportErrors"] == []
    (request,) = SupportRequest.objects.all()
    assert request.order_id == mine.pk
    assert request.shipment_id == int(graphene.Node.from_global_id(shipment_of_mine)[1])
    listed = gql_in_process(
        "{ mySupportRequests { orderNumber shipmentId } }", {}, token(buyer)
    )["data"]["mySupportRequests"]
    assert listed == [{"orderNumber": str(mine.pk), "shipmentId": shipment_of_mine}]


@pytest.mark.django_db
def test_bad_input_is_typed_and_changes_nothing():
    from plugins.channel_pricing.member_accounts import create_member_user

    member = create_member_user("shop", "m-1")
    answer = gql_in_process(
        CREATE, {"input": {"category": "OTHER", "message": "Hi"}}, token(member)
    )["data"]["supportRequestCreate"]
    assert [(e["field"], e["code"]) for e in answer["supportErrors"]] == [
        ("email", "EMAIL_REQUIRED")
    ]
    empty = gql_in_process(
        CREATE,
        {"input": {"category": "OTHER", "message": "  ", "email": "a@example.com"}},
        token(member),
    )["data"]["supportRequestCreate"]
    assert [e["code"] for e in empty["supportErrors"]] == ["REQUIRED"]
    long = gql_in_process(
        CREATE,
        {"input": {"category": "OTHER", "message": "x" * 5001, "email": "a@ex.com"}},
        token(member),
    )["data"]["supportRequestCreate"]
    assert [e["code"] for e in long["supportErrors"]] == ["TOO_LONG"]
    bad_id = gql_in_process(
        CREATE,
        {"input": {"category": "OTHER", "message": "x", "orderId": "nope"}},
        token(member),
    )["data"]["supportRequestCreate"]
    assert [e["field"] for e in bad_id["supportErrors"]] == ["orderId"]
    assert not SupportRequest.objects.filter(user=member).exists()
    ok = gql_in_process(
        CREATE,
        {"input": {"category": "OTHER", "message": "Hi", "email": "Me@Example.com"}},
        token(member),
    )["data"]["supportRequestCreate"]
    assert ok["supportRequest"]["contactEmail"] == "me@example.com"
    # A subject becomes a mail header: no line breaks survive.
    request = requests.open_request(
        member, "other", "Hi", subject="Help\r\nBcc: x@evil.example", email="a@b.co"
    )
    assert request.subject == "Help Bcc: x@evil.example"


@pytest.mark.django_db
def test_requests_are_rate_limited_per_buyer(settings):
    settings.FLASH_SUPPORT_REQUESTS_PER_HOUR = 2
    buyer = make_user()
    requests.open_request(buyer, "other", "one")
    requests.open_request(buyer, "other", "two")
    with pytest.raises(SupportRefusal) as refused:
        requests.open_request(buyer, "other", "three")
    assert refused.value.code == "rate_limited"
    assert SupportRequest.objects.filter(user=buyer).count() == 2


CONTACTS = """
query($channel: String) { supportContacts(channel: $channel) {
  email phone chatUrl hours channel } }"""
SET_CONTACTS = """
mutation($channel: String, $email: String, $phone: String, $chat: String) {
  supportContactsUpdate(channel: $channel, email: $email, phone: $phone,
                        chatUrl: $chat) {
    contacts { email channel } supportErrors { field code }
  }
}"""


@pytest.mark.django_db
def test_contact_options_per_channel_with_a_default():
    staff = make_user(None, True, "manage_support")
    Channel.objects.create(name="Acme", slug="acme-support", sso_secret="s" * 32)
    assert gql_in_process(CONTACTS)["data"]["supportContacts"]["email"] == ""
    gql_in_process(
        SET_CONTACTS, {"email": "help@flash.example", "phone": "+1 555"}, token(staff)
    )
    gql_in_process(
        SET_CONTACTS,
        {
            "channel": "acme-support",
            "email": "acme@flash.example",
            "chat": "https://chat.example/acme",
        },
        token(staff),
    )
    acme = gql_in_process(CONTACTS, {"channel": "acme-support"})["data"]
    assert acme["supportContacts"] == {
        "email": "acme@flash.example",
        "phone": "",
        "chatUrl": "https://chat.example/acme",
        "hours": "",
        "channel": "acme-support",
    }
    other = gql_in_process(CONTACTS, {"channel": "elsewhere"})["data"]
    assert other["supportContacts"]["email"] == "help@flash.example"
    assert other["supportContacts"]["channel"] is None
    bad = gql_in_process(
        SET_CONTACTS,
        {"channel": "acme-support", "chat": "javascript:alert(1)"},
        token(staff),
    )["data"]["supportContactsUpdate"]
    assert bad["supportErrors"] == [{"field": "chatUrl", "code": "INVALID_URL"}]
    assert contacts.contact_options("acme-support").chat_url == (
        "https://chat.example/acme"
    )
    buyer = make_user()
    denied = gql_in_process(SET_CONTACTS, {"email": "x@example.com"}, token(buyer))
    assert denied["errors"]


def test_the_ticket_has_zendesks_shape_and_statuses_map_both_ways():
    from plugins.engagement.support.domain import (
        OUR_STATUS_IN_HELPDESK,
        ShipmentFacts,
        SupportCategory,
        TicketFacts,
        status_from_helpdesk,
        ticket,
    )

    shaped = ticket(
        TicketFacts(
            request_id="42",
            requester_name="",
            requester_email="ann@example.com",
            subject="Late",
            body="Where is it?",
            category=SupportCategory.SHIPPING,
            channel_slug="wellness-app",
            order_number="7",
            order_url="https://shop.example/dashboard/orders/T3JkZXI6Nw==/",
            payment_id=None,
        )
    )
    assert shaped["requester"] == {
        "name": "ann@example.com",
        "email": "ann@example.com",
    }
    assert shaped["external_id"] == "42" and shaped["subject"] == "Late"
    assert shaped["comment"]["body"].startswith("Where is it?")
    assert "Order #7: https://shop.example/" in shaped["comment"]["body"]
    assert shaped["tags"] == [
        "saleor_flash",
        "category_shipping",
        "channel_wellness-app",
        "order_7",
    ]
    with_shipment = ticket(
        TicketFacts(
            request_id="43",
            requester_name="Ann",
            requester_email="ann@example.com",
            subject="Late",
            body="Where is it?",
            category=SupportCategory.SHIPPING,
            channel_slug=None,
            order_number="7",
            order_url=None,
            payment_id=None,
            shipment=ShipmentFacts(9, "Acme Parcels", "accepted", "", ""),
        )
    )
    assert with_shipment["tags"][-2:] == ["order_7", "shipment_9"]
    assert with_shipment["comment"]["body"].endswith(
        "Order #7\nShipment SO-9: Acme Parcels, accepted, no tracking yet"
    )
    for ours, theirs in OUR_STATUS_IN_HELPDESK.items():
        assert status_from_helpdesk(theirs) == ours
    assert status_from_helpdesk("CLOSED") == RequestStatus.RESOLVED
    assert status_from_helpdesk("hold") == RequestStatus.WAITING
    with pytest.raises(SupportRefusal):
        status_from_helpdesk("deleted")
