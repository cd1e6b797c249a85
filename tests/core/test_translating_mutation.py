"""The translating base mutation (``plugins.core.graphql.mutations``), in
process on a small schema: Meta defaults, the declared exception map, and
nothing changed on a refused input (real PostgreSQL)."""

from __future__ import annotations

from enum import Enum
from types import SimpleNamespace

import graphene
import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from saleor.account.models import User
from saleor.core.permissions import ProductPermissions
from saleor.graphql.core.types.common import Error
from saleor.product.models import Category

from plugins.core.errors import register_error_codes
from plugins.core.graphql.mutations import (
    TranslatingMutation,
    TypedError,
    as_validation_error,
    each_violation,
    on_field,
)

pytestmark = pytest.mark.django_db


class ToyErrorCode(str, Enum):
    BAD_RULE = "toy_bad_rule"
    SLUG_TAKEN = "toy_slug_taken"
    CAP_TOO_SMALL = "toy_cap_too_small"
    CAP_BELOW_SOLD = "toy_cap_below_sold"
    BAD_PRICE = "toy_bad_price"


register_error_codes(ToyErrorCode)  # else Saleor shows them as `invalid`


class RuleRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class NameRefused(RuleRefused):
    """A subclass: found through its base's entry."""


class Rule:
    def __init__(self, field, code, message):
        self.field, self.code, self.message = field, code, message


class RulesBroken(Exception):
    def __init__(self, violations):
        super().__init__("broken")
        self.violations = violations


class ToyError(Error):
    code = graphene.String(required=True)


class ToyStaffMutation(TranslatingMutation):
    meta_defaults = {
        "permissions": (ProductPermissions.MANAGE_PRODUCTS,),
        "error_type_class": ToyError,
        "error_type_field": "toy_errors",
    }
    translated_errors = {
        RuleRefused: on_field("input", toy_slug_taken="slug"),
        RulesBroken: each_violation(),
    }

    class Meta:
        abstract = True


def create_then(refusal):
    """A service that writes a row and then refuses (or not)."""
    Category.objects.create(name="Toys", slug="toys")
    if refusal is not None:
        raise refusal


class ToyCreate(ToyStaffMutation):
    ok = graphene.Boolean()

    class Arguments:
        refuse = graphene.String()

    class Meta:
        description = "Create a category, then maybe refuse."

    @classmethod
    def perform_mutation(cls, _root, _info, refuse=None):
        refusals = {
            "rule": RuleRefused(ToyErrorCode.BAD_RULE, "Bad rule."),
            "slug": RuleRefused("toy_slug_taken", "Slug taken."),
            "name": NameRefused("required", "A name, please."),
            "rules": RulesBroken(
                [
                    Rule("cap", "toy_cap_too_small", "At least 1."),
                    Rule("cap", "toy_cap_below_sold", "Not below sold."),
                    Rule("sale_price", "toy_bad_price", "Above 0."),
                ]
            ),
            "crash": KeyError("not ours to translate"),
        }
        create_then(refusals.get(refuse))
        return cls(ok=True)


class ToyRuleOnRule(ToyCreate):
    """A subclass's own entry wins over its base's."""

    translated_errors = {RuleRefused: on_field("rule")}

    class Meta:
        description = "The same, with rule errors on `rule`."


class Mutations(graphene.ObjectType):
    toy_create = ToyCreate.Field()
    toy_rule_on_rule = ToyRuleOnRule.Field()


class Query(graphene.ObjectType):
    ping = graphene.String()


schema = graphene.Schema(query=Query, mutation=Mutations)


@pytest.fixture
def staff():
    user = User.objects.create_user("toy-staff@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="manage_products"))
    return User.objects.get(pk=user.pk)  # no stale permission cache


def run(user, refuse=None, field="toyCreate"):
    document = "mutation($r: String) { %s(refuse: $r) { ok toyErrors { %s } } }"
    return schema.execute(
        document % (field, "field code message"),
        variables={"r": refuse},
        context_value=SimpleNamespace(user=user),
    )


def typed(result, field="toyCreate"):
    """The mutation's typed errors as (field, code, message)."""
    return [
        (e["field"], e["code"], e["message"]) for e in result.data[field]["toyErrors"]
    ]


def test_meta_defaults_give_the_permission_and_the_error_field(staff):
    assert ToyCreate._meta.permissions == (ProductPermissions.MANAGE_PRODUCTS,)
    assert ToyCreate._meta.error_type_field == "toy_errors"
    refused = run(AnonymousUser())
    assert "permission" in str(refused.errors[0]).lower()
    assert not Category.objects.exists()
    done = run(staff)
    assert done.errors is None
    assert done.data["toyCreate"] == {"ok": True, "toyErrors": []}
    assert Category.objects.count() == 1


@pytest.mark.parametrize(
    "refuse, errors",
    [
        ("rule", [("input", "toy_bad_rule", "Bad rule.")]),
        ("slug", [("slug", "toy_slug_taken", "Slug taken.")]),
        ("name", [("input", "required", "A name, please.")]),
        (
            "rules",
            [
                ("cap", "toy_cap_too_small", "At least 1."),
                ("cap", "toy_cap_below_sold", "Not below sold."),
                ("salePrice", "toy_bad_price", "Above 0."),
            ],
        ),
    ],
)
def test_a_refused_input_is_typed_and_changes_nothing(staff, refuse, errors):
    result = run(staff, refuse)
    assert result.errors is None
    assert result.data["toyCreate"]["ok"] is None
    assert typed(result) == errors
    assert not Category.objects.exists()  # the row written before the refusal


def test_a_subclass_entry_wins_over_its_base(staff):
    result = run(staff, "rule", field="toyRuleOnRule")
    assert typed(result, "toyRuleOnRule") == [("rule", "toy_bad_rule", "Bad rule.")]
    # Not declared on the subclass: the base's entry still applies.
    result = run(staff, "rules", field="toyRuleOnRule")
    assert len(result.data["toyRuleOnRule"]["toyErrors"]) == 3


def test_an_unmapped_exception_is_not_swallowed(staff):
    result = run(staff, "crash")
    assert result.errors and "not ours to translate" in str(result.errors[0])
    assert not Category.objects.exists()


def test_non_field_errors_have_no_field():
    error = as_validation_error([TypedError(None, "invalid", "Whole input.")])
    assert error.messages == ["Whole input."]
    assert not hasattr(error, "error_dict")
