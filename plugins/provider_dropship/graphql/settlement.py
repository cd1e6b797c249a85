"""Settlement statements: staff (MANAGE_PROVIDERS) produce them and record
returns; provider users read their own providers' statements."""

import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Money

from plugins.core import global_ids
from plugins.core.graphql.mutations import TranslatingMutation, on_field
from plugins.core.money import money

from .. import models, settlement
from ..permissions import ProviderPermissions
from ..settlement_rules import SettlementRefusal
from .errors import SettlementError


class SettlementStatement(CountableDjangoObjectType):
    total = graphene.Field(Money, required=True)
    provider_name = graphene.String(required=True)
    document = graphene.JSONString(
        required=True, description="The statement with its entries (JSON)."
    )
    csv = graphene.String(required=True, description="The statement as CSV.")

    class Meta:
        description = "A provider's closed settlement statement for one period."
        model = models.SettlementStatement
        interfaces = [graphene.relay.Node]
        only_fields = ["id", "period_start", "period_end", "currency", "created_at"]

    @staticmethod
    def resolve_total(root, _info):
        return money(root.total_amount, root.currency)

    @staticmethod
    def resolve_provider_name(root, _info):
        return root.provider.name

    @staticmethod
    def resolve_document(root, _info):
        return settlement.statement_document(root)

    @staticmethod
    def resolve_csv(root, _info):
        return settlement.statement_csv(root)


class SettlementQueries(graphene.ObjectType):
    settlement_statements = graphene.List(
        graphene.NonNull(SettlementStatement),
        provider_id=graphene.ID(description="Only this provider's (staff)."),
        description=(
            "Settlement statements, newest first: staff (MANAGE_PROVIDERS) "
            "every provider's, a provider user its own; others none."
        ),
    )

    def resolve_settlement_statements(self, info, provider_id=None):
        statements = settlement.statements_visible_to(info.context.user)
        if provider_id is not None:
            statements = statements.filter(
                provider_id=global_ids.int_or_none(provider_id, "Provider") or 0
            )
        return statements.select_related("provider").order_by("-period_end", "-pk")


class SettlementStaffMutation(TranslatingMutation):
    meta_defaults = {
        "permissions": (ProviderPermissions.MANAGE_PROVIDERS,),
        "error_type_class": SettlementError,
        "error_type_field": "settlement_errors",
    }
    translated_errors = {
        SettlementRefusal: lambda error: on_field(error.field)(error),
    }

    class Meta:
        abstract = True


class SettlementStatementCreate(SettlementStaffMutation):
    statement = graphene.Field(SettlementStatement)

    class Arguments:
        provider_id = graphene.ID(required=True)
        period_start = graphene.DateTime(required=True)
        period_end = graphene.DateTime(required=True)

    class Meta:
        description = (
            "Close a provider's statement for [periodStart, periodEnd): every "
            "entry not yet in a statement that occurred before the end; "
            "earlier late entries come in as adjustments."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, **data):
        pk = global_ids.decode_int(data["provider_id"], "Provider", "provider_id")
        return cls(
            statement=settlement.produce_statement(
                pk, data["period_start"], data["period_end"]
            )
        )


class SubOrderLineReturn(SettlementStaffMutation):
    units_returned = graphene.Int()

    class Arguments:
        line_id = graphene.ID(required=True, description="A ProviderSubOrderLine id.")
        units = graphene.Int(required=True)
        reason = graphene.String(required=True)

    class Meta:
        description = (
            "Record units of a delivered sub-order line returned (or cancelled "
            "after delivery): they are taken off the provider's settlement, "
            "in the next statement when a closed one already paid them."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, **data):
        pk = global_ids.decode_int(data["line_id"], "ProviderSubOrderLine", "line_id")
        entry = settlement.record_return(pk, data["units"], data["reason"])
        return cls(units_returned=entry.units)


class SettlementMutations(graphene.ObjectType):
    settlement_statement_create = SettlementStatementCreate.Field()
    sub_order_line_return = SubOrderLineReturn.Field()
