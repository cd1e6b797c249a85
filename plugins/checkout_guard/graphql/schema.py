import graphene

from .mutations import (
    CheckoutComplete,
    CheckoutCreate,
    CheckoutLineDelete,
    CheckoutLinesAdd,
    CheckoutLinesUpdate,
)


class GuardedCheckoutMutations(graphene.ObjectType):
    """Replace Saleor's fields of the same names in the root Mutation."""

    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_line_delete = CheckoutLineDelete.Field()
    checkout_complete = CheckoutComplete.Field()
