"""One translating base for staff mutations.

A staff mutation is its input conversion and one service call. What every
one of them repeats lives here: the ``Meta`` defaults of a plugin's staff
mutations (permissions, typed error class and field), declared once on an
abstract subclass, and a declared map from the exceptions a service raises
to typed errors (field + code + message), like Saleor's own
``graphql/warehouse/mutations.py`` but without a ``try/except`` per mutation.

A refused input changes nothing: ``perform_mutation`` runs in one
transaction, rolled back when it raises (a ``ValidationError`` from the input
conversion or a mapped service exception). Error codes are still registered
with Saleor through ``plugins.core.errors.register_error_codes``.

    class ChannelStaffMutation(TranslatingMutation):
        class Meta:
            abstract = True

        meta_defaults = {"permissions": MANAGE_PRODUCTS,
                         "error_type_class": ChannelError,
                         "error_type_field": "channel_errors"}
        translated_errors = {PriceRuleError: on_field("input")}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Optional, Type

from django.core.exceptions import ValidationError
from django.db import transaction
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.mutations import BaseMutation


@dataclass(frozen=True)
class TypedError:
    """One error as the API shows it: ``field`` None for the whole input."""

    field: Optional[str]
    code: str
    message: str


Translator = Callable[[Exception], Iterable[TypedError]]


def on_field(field: Optional[str], **field_by_code: str) -> Translator:
    """An exception carrying ``code`` and ``message`` as one error on ``field``
    (or, for the codes named, on another field: ``duplicate_slug="slug"``)."""

    def translate(error: Exception) -> List[TypedError]:
        code = getattr(error.code, "value", error.code)  # a str Enum or a str
        message = getattr(error, "message", None) or str(error)
        return [TypedError(field_by_code.get(code, field), code, message)]

    return translate


def each_violation(attribute: str = "violations") -> Translator:
    """An exception listing broken rules (each with ``field``, ``code`` and
    ``message``) as one error per rule."""

    def translate(error: Exception) -> List[TypedError]:
        return [
            TypedError(rule.field, rule.code, rule.message)
            for rule in getattr(error, attribute)
        ]

    return translate


def as_validation_error(errors: Iterable[TypedError]) -> ValidationError:
    """Typed errors in the shape Saleor's ``handle_errors`` turns into the
    mutation's typed error list (field names are camel-cased there)."""
    by_field: Dict[Optional[str], List[ValidationError]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(
            ValidationError(error.message, code=error.code)
        )
    if list(by_field) == [None]:
        return ValidationError(by_field[None])
    return ValidationError(
        {field or "__all__": messages for field, messages in by_field.items()}
    )


class TranslatingMutation(BaseMutation):
    """A mutation with ``Meta`` defaults and a declared exception map.

    Subclasses set, as class attributes (graphene allows no options on an
    abstract ``Meta``):

    - ``meta_defaults``: ``Meta`` options every concrete subclass gets unless
      its own ``Meta`` says otherwise;
    - ``translated_errors``: ``{service exception class: translator}``; a
      subclass's entries are looked up before its bases', and an exception
      matches its own class or the nearest base class mapped.
    """

    meta_defaults: ClassVar[Dict[str, Any]] = {}
    translated_errors: ClassVar[Dict[Type[Exception], Translator]] = {}

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        for name, value in cls.meta_defaults.items():
            options.setdefault(name, value)
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def translator_for(cls, error: Exception) -> Optional[Translator]:
        for exception_class in type(error).__mro__:
            for owner in cls.__mro__:
                translator = owner.__dict__.get("translated_errors", {}).get(
                    exception_class
                )
                if translator is not None:
                    return translator
        return None

    @classmethod
    def mutate(cls, root, info, **data):
        if not cls.check_permissions(info.context):
            raise PermissionDenied()
        try:
            with transaction.atomic():
                response = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls.handle_errors(error)
        except Exception as error:
            translator = cls.translator_for(error)
            if translator is None:
                raise
            return cls.handle_errors(as_validation_error(translator(error)))
        if response.errors is None:
            response.errors = []
        return response
