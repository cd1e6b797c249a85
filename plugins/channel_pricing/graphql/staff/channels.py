"""Channels: create, update, rotate the SSO secret."""

import graphene
from django.core.exceptions import ValidationError
from saleor.graphql.core.scalars import Decimal

from plugins.core.graphql.mutations import on_field

from ... import channel_admin
from ...domain import PriceRuleError
from ..types import ChannelRoundingEnum, ChannelStatusEnum, SalesChannel
from .base import ChannelStaffMutation


class SalesChannelInput(graphene.InputObjectType):
    name = graphene.String()
    slug = graphene.String()
    contact_name = graphene.String()
    contact_phone = graphene.String()
    status = ChannelStatusEnum()
    storefront_url = graphene.String(
        description="Where the entry link sends members, with #token=<Saleor JWT>."
    )
    payment_pct = Decimal(description="Default markup: payment cost %.")
    platform_pct = Decimal(description="Default markup: platform %.")
    channel_pct = Decimal(description="Default markup: channel %.")
    fixed_markup = Decimal(description="Default markup: fixed amount per unit.")
    rounding = ChannelRoundingEnum()
    points_quota = graphene.Int()
    points_per_currency_unit = graphene.Int()
    settlement_period_days = graphene.Int()
    points_refundable = graphene.Boolean()


def _channel_fields(data) -> dict:
    fields = dict(data or {})
    for name in ("status", "rounding"):
        if fields.get(name) is not None:
            fields[name] = getattr(fields[name], "value", fields[name])
    return fields


class ChannelEditMutation(ChannelStaffMutation):
    """A refused channel is an error on ``input``, or on ``slug`` when the
    slug is taken."""

    translated_errors = {PriceRuleError: on_field("input", duplicate_slug="slug")}

    class Meta:
        abstract = True


class SalesChannelCreate(ChannelEditMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        input = SalesChannelInput(required=True)

    class Meta:
        description = "Create a partner channel with a fresh SSO secret."

    @classmethod
    def perform_mutation(cls, _root, _info, input):
        fields = _channel_fields(input)
        if not fields.get("name"):
            raise ValidationError(
                {"name": ValidationError("A channel needs a name.", code="required")}
            )
        return cls(sales_channel=channel_admin.create_channel(**fields))


class SalesChannelUpdate(ChannelEditMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        id = graphene.ID(required=True)
        input = SalesChannelInput(required=True)

    class Meta:
        description = "Update a channel's details, status or default price rule."

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        channel = cls.get_node_or_error(info, id, only_type=SalesChannel)
        fields = _channel_fields(input)
        return cls(sales_channel=channel_admin.update_channel(channel, **fields))


class SalesChannelRotateSecret(ChannelStaffMutation):
    sales_channel = graphene.Field(SalesChannel)

    class Arguments:
        id = graphene.ID(required=True)
        finish = graphene.Boolean(
            description=(
                "End the rotation instead: drop the previous secret so only the "
                "current one signs in."
            )
        )

    class Meta:
        description = (
            "Rotate a channel's SSO secret: a new current secret, the old one "
            "stays valid as previous until the rotation is finished."
        )

    @classmethod
    def perform_mutation(cls, _root, info, id, finish=False):
        channel = cls.get_node_or_error(info, id, only_type=SalesChannel)
        if finish:
            channel = channel_admin.finish_rotation(channel)
        else:
            channel = channel_admin.rotate_secret(channel)
        return cls(sales_channel=channel)
