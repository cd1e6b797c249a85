"""Feedback and customer service on GraphQL: buyers rate their orders (or one
shipment of an order, by the id ``orderShipments`` returns), open
support requests and read the contact options of their channel; staff
(MANAGE_SUPPORT) list, answer and move requests and set contact options.
Thin: input conversion, one service call, typed errors."""

from __future__ import annotations

import graphene
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.types.common import Error
from saleor.graphql.decorators import permission_required

from plugins.core.global_ids import decode_int
from plugins.core.graphql.mutations import TranslatingMutation, on_field
from plugins.provider_dropship.services import SHIPMENT_ID_TYPE

from ..permissions import EngagementPermissions
from ..support import contacts, feedback, requests
from ..support.domain import RequestStatus, SupportCategory, SupportRefusal
from ..support.error_codes import SupportErrorCode


class SupportErrorCodeEnum(graphene.Enum):
    class Meta:
        enum = SupportErrorCode
        name = "SupportErrorCode"


class SupportCategoryEnum(graphene.Enum):
    class Meta:
        enum = SupportCategory
        name = "SupportCategory"


class SupportRequestStatusEnum(graphene.Enum):
    class Meta:
        enum = RequestStatus
        name = "SupportRequestStatus"


MANAGE_SUPPORT = (EngagementPermissions.MANAGE_SUPPORT,)


class SupportError(Error):
    code = SupportErrorCodeEnum(description="The error code.", required=True)


def _on_its_field(error: SupportRefusal):
    return on_field(error.field)(error)


def _value(enum_or_value):
    return getattr(enum_or_value, "value", enum_or_value)


def _shipment_pk(global_id):
    """A shipment's id as ``orderShipments`` returns it, or None."""
    if not global_id:
        return None
    return decode_int(global_id, SHIPMENT_ID_TYPE, "shipment_id")


def _shipment_id(root):
    if not root.shipment_id:
        return None
    return graphene.Node.to_global_id(SHIPMENT_ID_TYPE, root.shipment_id)


class SupportMessage(graphene.ObjectType):
    author = graphene.String(required=True, description="buyer, staff or helpdesk.")
    body = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class SupportRequest(graphene.ObjectType):
    id = graphene.ID(required=True)
    category = SupportCategoryEnum(required=True)
    status = SupportRequestStatusEnum(required=True)
    subject = graphene.String(required=True)
    contact_email = graphene.String(required=True)
    order_id = graphene.ID(description="The order's GraphQL id.")
    order_number = graphene.String()
    shipment_id = graphene.ID(
        description="The shipment of the order it is about (as orderShipments "
        "returns its id)."
    )
    payment_id = graphene.ID()
    channel = graphene.String(description="The buyer's channel's slug.")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    resolved_at = graphene.DateTime()
    forwarded_to_helpdesk = graphene.Boolean(required=True)
    messages = graphene.List(graphene.NonNull(SupportMessage), required=True)

    class Meta:
        description = (
            "A buyer's request for help about an order, a shipment of it or a payment."
        )

    @staticmethod
    def resolve_id(root, _info):
        return graphene.Node.to_global_id("SupportRequest", root.pk)

    @staticmethod
    def resolve_order_id(root, _info):
        return (
            graphene.Node.to_global_id("Order", root.order_id)
            if root.order_id
            else None
        )

    @staticmethod
    def resolve_order_number(root, _info):
        return str(root.order_id) if root.order_id else None

    @staticmethod
    def resolve_shipment_id(root, _info):
        return _shipment_id(root)

    @staticmethod
    def resolve_payment_id(root, _info):
        return (
            graphene.Node.to_global_id("Payment", root.payment_id)
            if root.payment_id
            else None
        )

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug if root.channel_id else None

    @staticmethod
    def resolve_forwarded_to_helpdesk(root, _info):
        return root.forwarded_at is not None

    @staticmethod
    def resolve_messages(root, _info):
        return list(root.messages.all())


class OrderFeedback(graphene.ObjectType):
    order_id = graphene.ID(required=True)
    shipment_id = graphene.ID(
        description="The shipment rated; null: the order as a whole."
    )
    rating = graphene.Int(required=True, description="1 to 5.")
    message = graphene.String(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_order_id(root, _info):
        return graphene.Node.to_global_id("Order", root.order_id)

    @staticmethod
    def resolve_shipment_id(root, _info):
        return _shipment_id(root)


class SupportContactOptions(graphene.ObjectType):
    email = graphene.String(required=True)
    phone = graphene.String(required=True)
    chat_url = graphene.String(required=True)
    hours = graphene.String(required=True)
    channel = graphene.String(
        description="The channel whose own options these are; null: the "
        "platform's default."
    )

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel_slug


class BuyerMutation(TranslatingMutation):
    """A signed-in buyer's mutation: anonymous callers are refused (a
    permission error, as Saleor answers); errors in ``supportErrors``."""

    meta_defaults = {
        "error_type_class": SupportError,
        "error_type_field": "support_errors",
    }
    translated_errors = {SupportRefusal: _on_its_field}

    class Meta:
        abstract = True

    @classmethod
    def check_permissions(cls, context):
        return bool(context.user and context.user.is_authenticated)


class StaffSupportMutation(TranslatingMutation):
    meta_defaults = {
        "permissions": MANAGE_SUPPORT,
        "error_type_class": SupportError,
        "error_type_field": "support_errors",
    }
    translated_errors = {SupportRefusal: _on_its_field}

    class Meta:
        abstract = True


class OrderFeedbackSubmit(BuyerMutation):
    feedback = graphene.Field(OrderFeedback)

    class Arguments:
        order_id = graphene.ID(required=True, description="One of your orders.")
        shipment_id = graphene.ID(
            description="A shipment of that order (an id orderShipments "
            "returns): rate it instead of the order as a whole."
        )
        rating = graphene.Int(required=True, description="1 to 5.")
        message = graphene.String(description="At most 5000 characters.")

    class Meta:
        description = (
            "Rate one of your own orders, or one shipment of it (1-5), with a "
            "message; rating it again replaces your rating (a shipment's rating "
            "is apart from the order's). Another buyer's order, or a shipment "
            "of another order, is NOT_FOUND."
        )

    @classmethod
    def perform_mutation(
        cls, _root, info, order_id, rating, message=None, shipment_id=None
    ):
        order_pk = decode_int(order_id, "Order", "order_id")
        return OrderFeedbackSubmit(
            feedback=feedback.rate_order(
                info.context.user,
                order_pk,
                rating,
                message,
                shipment_pk=_shipment_pk(shipment_id),
            )
        )


class SupportRequestCreateInput(graphene.InputObjectType):
    category = SupportCategoryEnum(required=True)
    message = graphene.String(required=True, description="At most 5000 characters.")
    order_id = graphene.ID(description="The order it is about (one of yours).")
    shipment_id = graphene.ID(
        description="A shipment of that order (an id orderShipments returns); "
        "needs orderId."
    )
    payment_id = graphene.ID(description="The payment it is about (one of yours).")
    subject = graphene.String(description="Default: from the category and order.")
    email = graphene.String(
        description="Where our answer goes; required for channel members "
        "(their login is no mailbox), else the account's address."
    )


class SupportRequestCreate(BuyerMutation):
    support_request = graphene.Field(SupportRequest)

    class Arguments:
        input = SupportRequestCreateInput(required=True)

    class Meta:
        description = (
            "Ask customer service for help about one of your orders (or one "
            "shipment of it) or payments (or in general). A shipment of another "
            "order is NOT_FOUND. Answers are e-mailed; with a help desk configured "
            "the request is also handed to it. Rate-limited per buyer."
        )

    @classmethod
    def perform_mutation(cls, _root, info, input):
        order_pk = (
            decode_int(input["order_id"], "Order", "order_id")
            if input.get("order_id")
            else None
        )
        payment_pk = (
            decode_int(input["payment_id"], "Payment", "payment_id")
            if input.get("payment_id")
            else None
        )
        request = requests.open_request(
            info.context.user,
            _value(input["category"]),
            input["message"],
            order_pk=order_pk,
            payment_pk=payment_pk,
            subject=input.get("subject"),
            email=input.get("email"),
            shipment_pk=_shipment_pk(input.get("shipment_id")),
        )
        return SupportRequestCreate(support_request=request)


class SupportRequestAddMessage(BuyerMutation):
    support_request = graphene.Field(SupportRequest)

    class Arguments:
        id = graphene.ID(required=True, description="One of your support requests.")
        message = graphene.String(required=True)

    class Meta:
        description = (
            "Write again on one of your requests; a waiting or resolved request "
            "opens again."
        )

    @classmethod
    def perform_mutation(cls, _root, info, id, message):
        pk = decode_int(id, "SupportRequest", "id")
        return SupportRequestAddMessage(
            support_request=requests.buyer_message(info.context.user, pk, message)
        )


class SupportRequestReply(StaffSupportMutation):
    support_request = graphene.Field(SupportRequest)

    class Arguments:
        id = graphene.ID(required=True)
        message = graphene.String(required=True)
        status = SupportRequestStatusEnum(
            description="After the reply: WAITING (default), OPEN or RESOLVED."
        )

    class Meta:
        description = (
            "Answer a support request (staff: MANAGE_SUPPORT); the answer is "
            "e-mailed to the buyer through the outbox."
        )

    @classmethod
    def perform_mutation(cls, _root, info, id, message, status=None):
        pk = decode_int(id, "SupportRequest", "id")
        return SupportRequestReply(
            support_request=requests.reply(
                pk, info.context.user, message, _value(status)
            )
        )


class SupportRequestSetStatus(StaffSupportMutation):
    support_request = graphene.Field(SupportRequest)

    class Arguments:
        id = graphene.ID(required=True)
        status = SupportRequestStatusEnum(required=True)

    class Meta:
        description = "Move a support request to OPEN, WAITING or RESOLVED (staff)."

    @classmethod
    def perform_mutation(cls, _root, _info, id, status):
        pk = decode_int(id, "SupportRequest", "id")
        return SupportRequestSetStatus(
            support_request=requests.set_status(pk, _value(status))
        )


class SupportContactsUpdate(StaffSupportMutation):
    contacts = graphene.Field(SupportContactOptions)

    class Arguments:
        channel = graphene.String(description="A channel's slug; none: the default.")
        email = graphene.String()
        phone = graphene.String()
        chat_url = graphene.String()
        hours = graphene.String()

    class Meta:
        description = (
            "Set the customer-service contacts buyers of a channel see (or the "
            "platform's default); all empty removes a channel's own options."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, channel=None, **fields):
        return SupportContactsUpdate(
            contacts=contacts.set_contact_options(
                channel,
                email=fields.get("email") or "",
                phone=fields.get("phone") or "",
                chat_url=fields.get("chat_url") or "",
                hours=fields.get("hours") or "",
            )
        )


class SupportQueries(graphene.ObjectType):
    support_contacts = graphene.Field(
        graphene.NonNull(SupportContactOptions),
        channel=graphene.String(description="The buyer's channel's slug."),
        description="How to reach customer service (e-mail, phone, chat link): "
        "the channel's own options, else the platform's default. Public.",
    )
    my_support_requests = graphene.List(
        graphene.NonNull(SupportRequest),
        description="Your support requests with their threads (signed in).",
    )
    support_requests = graphene.List(
        graphene.NonNull(SupportRequest),
        status=SupportRequestStatusEnum(),
        category=SupportCategoryEnum(),
        first=graphene.Int(default_value=50, description="At most 200."),
        offset=graphene.Int(default_value=0),
        description="The support inbox, most recently changed first "
        "(staff: MANAGE_SUPPORT).",
    )

    def resolve_support_contacts(self, _info, channel=None):
        return contacts.contact_options(channel)

    def resolve_my_support_requests(self, info):
        user = info.context.user
        if not (user and user.is_authenticated):
            raise PermissionDenied()
        return list(requests.requests_of(user).select_related("order", "channel"))

    @permission_required(EngagementPermissions.MANAGE_SUPPORT)
    def resolve_support_requests(
        self, _info, status=None, category=None, first=50, offset=0
    ):
        first = max(0, min(int(first or 0), 200))
        offset = max(0, int(offset or 0))
        rows = requests.inbox(_value(status), _value(category)).prefetch_related(
            "messages"
        )
        return list(rows[offset : offset + first])


class SupportMutations(graphene.ObjectType):
    order_feedback_submit = OrderFeedbackSubmit.Field()
    support_request_create = SupportRequestCreate.Field()
    support_request_add_message = SupportRequestAddMessage.Field()
    support_request_reply = SupportRequestReply.Field()
    support_request_set_status = SupportRequestSetStatus.Field()
    support_contacts_update = SupportContactsUpdate.Field()
