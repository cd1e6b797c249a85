"""Staff mutations (``points_payment.manage_points``, the console's
permission): turn a channel's points on and set its program
(``pointsProgramSet``), open a settlement period (``pointsPeriodOpen``).

The program's input and output types are built from
``program_rules.EDITABLE_SETTINGS``, so a new setting needs no change here.
Each mutation is its input conversion and one ``program_settings`` call;
refusals are ``pointsProgramErrors`` and change nothing.
"""

from __future__ import annotations

from typing import Dict, Type

import graphene
from saleor.graphql.core.scalars import Decimal

from plugins.core.graphql.mutations import TranslatingMutation, each_violation

from .. import program_settings
from ..permissions import PointsPermissions
from ..program_rules import EDITABLE_SETTINGS, ProgramRefused, SettingKind
from .errors import PointsProgramError


class BigInt(graphene.Scalar):
    """A whole number that may pass GraphQL's 32-bit ``Int`` (points and
    quotas, up to 10^15); a JSON number or a string of digits."""

    @staticmethod
    def serialize(value):
        return int(value)

    @staticmethod
    def parse_value(value):
        return value  # checked by the service, with a typed error

    @staticmethod
    def parse_literal(node):
        return getattr(node, "value", None)


def _enum_type(enum) -> Type[graphene.Enum]:
    meta = type("Meta", (), {"enum": enum, "description": enum.__doc__})
    return type(f"Points{enum.__name__}", (graphene.Enum,), {"Meta": meta})


ENUM_TYPES: Dict[type, Type[graphene.Enum]] = {
    setting.choices: _enum_type(setting.choices)
    for setting in EDITABLE_SETTINGS
    if setting.choices is not None
}
SCALARS = {
    SettingKind.FLAG: graphene.Boolean,
    SettingKind.MONEY: Decimal,
    SettingKind.POINTS: BigInt,
    SettingKind.SECONDS: graphene.Int,
    SettingKind.DAYS: graphene.Int,
    SettingKind.URL: graphene.String,
}


def _graphene_type(setting):
    if setting.kind == SettingKind.CHOICE:
        return ENUM_TYPES[setting.choices]
    return SCALARS[setting.kind]


PointsProgramInput = type(
    "PointsProgramInput",
    (graphene.InputObjectType,),
    {
        setting.name: _graphene_type(setting)(description=setting.help)
        for setting in EDITABLE_SETTINGS
    },
)
PointsProgramInput.__doc__ = (
    "Settings to change (leave out what stays); null clears an optional one."
)


class PointsProgramBase(graphene.ObjectType):
    channel = graphene.String(required=True, description="The channel's slug.")

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug


PointsProgramSettings = type(
    "PointsProgramSettings",
    (PointsProgramBase,),
    {
        setting.name: _graphene_type(setting)(
            description=setting.help, required=not setting.optional
        )
        for setting in EDITABLE_SETTINGS
    },
)
PointsProgramSettings.__doc__ = (
    "A channel's points program (its API and webhook secrets are not shown)."
)


class PointsSettlementPeriod(graphene.ObjectType):
    id = graphene.Int(required=True, description="The settlement period's number.")
    starts_at = graphene.DateTime(required=True)
    ends_at = graphene.DateTime(required=True, description="No points are spent after.")
    quota = BigInt(required=True, description="Points the channel may issue in it.")
    state = graphene.String(required=True, description="open or closed.")


class PointsStaffMutation(TranslatingMutation):
    meta_defaults = {
        "permissions": (PointsPermissions.MANAGE_POINTS,),
        "error_type_class": PointsProgramError,
        "error_type_field": "points_program_errors",
    }
    translated_errors = {ProgramRefused: each_violation()}

    class Meta:
        abstract = True


class PointsProgramSet(PointsStaffMutation):
    program = graphene.Field(PointsProgramSettings)
    created = graphene.Boolean(description="This call turned points on.")
    webhook_secret = graphene.String(
        description=(
            "The webhook signing secret, only when this call made one (a first "
            "webhook URL or a rotation): keep it, it is not shown again."
        )
    )

    class Arguments:
        channel = graphene.String(required=True, description="The channel's slug.")
        input = PointsProgramInput(required=True)
        rotate_webhook_secret = graphene.Boolean(
            description="Make a new webhook signing secret."
        )

    class Meta:
        description = (
            "Turn points on for a channel (a program with the defaults, then "
            "these settings) or change its settings. Switching mode is refused "
            "(MODE_LOCKED) while the open period has points granted or held."
        )

    @classmethod
    def perform_mutation(
        cls, _root, _info, channel, input, rotate_webhook_secret=False
    ):
        saved = program_settings.set_program(
            channel, dict(input), rotate_webhook_secret=bool(rotate_webhook_secret)
        )
        return cls(
            program=saved.program,
            created=saved.created,
            webhook_secret=saved.new_webhook_secret,
        )


class PointsPeriodOpen(PointsStaffMutation):
    period = graphene.Field(PointsSettlementPeriod)

    class Arguments:
        channel = graphene.String(required=True, description="The channel's slug.")
        starts_at = graphene.DateTime(required=True)
        ends_at = graphene.DateTime(required=True)
        quota = BigInt(required=True, description="Points, 0 or more.")

    class Meta:
        description = (
            "Open the channel's next settlement period and issue its quota; "
            "refused (PERIOD_ALREADY_OPEN) while another period is open."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, channel, starts_at, ends_at, quota):
        view = program_settings.open_settlement_period(
            channel, starts_at, ends_at, quota
        )
        return cls(period=view)


class PointsStaffMutations(graphene.ObjectType):
    points_program_set = PointsProgramSet.Field()
    points_period_open = PointsPeriodOpen.Field()
