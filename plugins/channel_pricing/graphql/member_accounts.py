"""Saleor's mutations that set an e-mail, refusing the members' domain.

Same names, arguments and payloads as Saleor's; an address in the reserved
``members.local`` domain (``member_accounts.py``) is refused before anything
is saved or sent, with Saleor's own ``INVALID`` code on the e-mail field.
"""

from __future__ import annotations

from saleor.account.error_codes import AccountErrorCode
from saleor.account.utils import decode_jwt_token
from saleor.graphql.account.mutations import account as saleor_account
from saleor.graphql.account.mutations import staff as saleor_staff

from ..member_accounts import refuse_member_address


def _same_meta(saleor_mutation):
    """The Meta of Saleor's mutation, so ours has the same name and payload."""
    meta = saleor_mutation._meta
    options = {
        "name": meta.name,
        "description": meta.description,
        "permissions": meta.permissions,
        "error_type_class": meta.error_type_class,
        "error_type_field": meta.error_type_field,
    }
    if hasattr(meta, "model"):
        options.update(
            model=meta.model,
            exclude=meta.exclude,
            return_field_name=meta.return_field_name,
        )
    return type("Meta", (), options)


def _refuse(email, field="email"):
    refuse_member_address(email, field, AccountErrorCode.INVALID)


def _refuse_new_address(instance, data):
    """Refuse moving an account into the domain; a member's own account
    keeps its address (the dashboard sends it back with every update)."""
    email = data.get("email")
    if email is not None and email != instance.email:
        _refuse(email)


class AccountRegister(saleor_account.AccountRegister):
    Meta = _same_meta(saleor_account.AccountRegister)

    @classmethod
    def clean_input(cls, info, instance, data, **kwargs):
        _refuse_new_address(instance, data)
        return super().clean_input(info, instance, data, **kwargs)


class RequestEmailChange(saleor_account.RequestEmailChange):
    Meta = _same_meta(saleor_account.RequestEmailChange)

    @classmethod
    def perform_mutation(cls, root, info, **data):
        _refuse(data.get("new_email"), "new_email")
        return super().perform_mutation(root, info, **data)


class ConfirmEmailChange(saleor_account.ConfirmEmailChange):
    Meta = _same_meta(saleor_account.ConfirmEmailChange)

    @classmethod
    def perform_mutation(cls, root, info, **data):
        _refuse(decode_jwt_token(data["token"]).get("new_email"), "new_email")
        return super().perform_mutation(root, info, **data)


class _RefusesMembersAddress:
    """Saleor's create/update of an account, refusing a new address in the
    members' domain before anything is saved."""

    @classmethod
    def clean_input(cls, info, instance, data, **kwargs):
        _refuse_new_address(instance, data)
        return super().clean_input(info, instance, data, **kwargs)


class CustomerCreate(_RefusesMembersAddress, saleor_staff.CustomerCreate):
    Meta = _same_meta(saleor_staff.CustomerCreate)


class CustomerUpdate(_RefusesMembersAddress, saleor_staff.CustomerUpdate):
    Meta = _same_meta(saleor_staff.CustomerUpdate)


class StaffCreate(_RefusesMembersAddress, saleor_staff.StaffCreate):
    Meta = _same_meta(saleor_staff.StaffCreate)


class StaffUpdate(_RefusesMembersAddress, saleor_staff.StaffUpdate):
    Meta = _same_meta(saleor_staff.StaffUpdate)
