"""Self sign-up: an application (draft → submitted → approved / rejected /
changes requested) and staff review.

Applicants are not users: creating a draft e-mails them a signed, expiring
link (``draft token``) that every later step of theirs carries. Each staff
decision carries a note that is e-mailed to the applicant through the outbox,
in the decision's transaction. Approval creates the provider, its owner user
(with a set-password invitation) and its first warehouse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Optional

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_countries import countries

from plugins.core import outbox
from plugins.core.errors import ServiceRefusal

from . import invitations, links, uploads
from .domain import (
    APPLICANT_EDITABLE,
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    ApplicationStatus,
    Onboarding,
    ProviderRole,
    ProviderStatus,
    can_decide_application,
    normalize_phone,
)
from .models import ApplicationReview, Provider, ProviderApplication
from .warehouses import WarehouseAddress, create_warehouse

TOKEN_SALT = "flash.provider_dropship.application"
DOCUMENT_KINDS = ("business_licence", "contract", "inventory_proof")
MAX_NOTE = 5000


class ApplicationError(ServiceRefusal):
    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_PHONE = "invalid_phone"
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    NOT_EDITABLE = "not_editable"
    INVALID_DECISION = "invalid_decision"
    NOTE_REQUIRED = "note_required"
    EMAIL_TAKEN = "email_taken"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class ApplicationInput:
    """What the applicant types; None leaves a field as it is."""

    company_name: Optional[str] = None
    legal_name: Optional[str] = None
    tax_id: Optional[str] = None
    contact_name: Optional[str] = None
    contact_phone: Optional[str] = None
    email: Optional[str] = None
    surety_bond: Optional[bool] = None
    street_address: Optional[str] = None
    city: Optional[str] = None
    postal_code: Optional[str] = None
    country: Optional[str] = None
    country_area: Optional[str] = None


MAX_LENGTHS = {
    "company_name": 250,
    "legal_name": 250,
    "tax_id": 64,
    "contact_name": 250,
    "street_address": 256,
    "city": 256,
    "postal_code": 20,
    "country_area": 128,
}
REQUIRED_TO_SUBMIT = (
    "company_name",
    "legal_name",
    "tax_id",
    "contact_name",
    "contact_phone",
    "email",
    "street_address",
    "city",
    "postal_code",
    "country",
) + DOCUMENT_KINDS


@dataclass(frozen=True)
class DraftAccess:
    application: ProviderApplication
    token: str


def link_max_age() -> timedelta:
    days = float(getattr(settings, "FLASH_PROVIDER_APPLICATION_LINK_DAYS", 30))
    return timedelta(days=days)


def draft_token(application: ProviderApplication) -> str:
    return signing.dumps({"a": str(application.public_id)}, salt=TOKEN_SALT)


def _public_id(token: str) -> uuid.UUID:
    try:
        data = signing.loads(
            token or "", salt=TOKEN_SALT, max_age=link_max_age().total_seconds()
        )
        return uuid.UUID(data["a"])
    except signing.SignatureExpired:
        raise ApplicationError(
            ApplicationError.TOKEN_EXPIRED,
            "This link has expired: start a new application.",
            "token",
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApplicationError(
            ApplicationError.INVALID_TOKEN, "Unknown link.", "token"
        ) from None


def application_for_token(token: str, lock: bool = False) -> ProviderApplication:
    """The application a draft link names (``invalid_token`` / ``token_expired``)."""
    public_id = _public_id(token)
    rows = ProviderApplication.objects.all()
    if lock:
        rows = rows.select_for_update()
    application = rows.filter(public_id=public_id).first()
    if application is None:
        raise ApplicationError(ApplicationError.INVALID_TOKEN, "Unknown link.", "token")
    return application


def _apply(application: ProviderApplication, data: ApplicationInput) -> None:
    for field in fields(ApplicationInput):
        value = getattr(data, field.name)
        if value is None:
            continue
        if field.name == "surety_bond":
            application.surety_bond = bool(value)
            continue
        value = str(value).strip()
        limit = MAX_LENGTHS.get(field.name)
        if limit and len(value) > limit:
            raise ApplicationError(
                ApplicationError.INVALID,
                f"At most {limit} characters.",
                field.name,
            )
        if field.name == "contact_phone" and value:
            value = normalize_phone(value) or ""
            if not value:
                raise ApplicationError(
                    ApplicationError.INVALID_PHONE,
                    "Enter a phone number: +86 or international format.",
                    "contact_phone",
                )
        if field.name == "email":
            value = value.lower()
            try:
                validate_email(value)
            except ValidationError:
                raise ApplicationError(
                    ApplicationError.INVALID, "Enter a valid e-mail.", "email"
                ) from None
        if field.name == "country" and value:
            value = value.upper()
            if value not in dict(countries):
                raise ApplicationError(
                    ApplicationError.INVALID, "Unknown country code.", "country"
                )
        setattr(application, field.name, value)


def create_application(data: ApplicationInput) -> DraftAccess:
    """A new draft; the applicant gets the link back to it by e-mail."""
    application = ProviderApplication(public_id=uuid.uuid4())
    _apply(application, data)
    if not application.company_name:
        raise ApplicationError(
            ApplicationError.REQUIRED, "Name the company.", "company_name"
        )
    if not application.email:
        raise ApplicationError(ApplicationError.REQUIRED, "Enter an e-mail.", "email")
    with transaction.atomic():
        application.save()
        token = draft_token(application)
        outbox.enqueue_email(
            application.email,
            "Your provider application",
            (
                f"Thank you for applying as {application.company_name}.\n\n"
                "Complete and submit your application (documents included) here:\n"
                f"{links.application_link(token)}\n\n"
                f"The link is valid for {link_max_age().days} days.\n"
            ),
            event_type="provider.application.draft",
        )
    return DraftAccess(application, token)


def update_application(token: str, data: ApplicationInput) -> ProviderApplication:
    with transaction.atomic():
        application = _editable(token)
        _apply(application, data)
        if not application.company_name or not application.email:
            raise ApplicationError(
                ApplicationError.REQUIRED,
                "The company name and e-mail cannot be emptied.",
                "company_name" if not application.company_name else "email",
            )
        application.save()
    return application


def _editable(token: str) -> ProviderApplication:
    application = application_for_token(token, lock=True)
    if ApplicationStatus(application.status) not in APPLICANT_EDITABLE:
        raise ApplicationError(
            ApplicationError.NOT_EDITABLE,
            "This application is with the platform and cannot be changed.",
        )
    return application


def attach_document(token: str, kind: str, upload) -> ProviderApplication:
    """Store a document (PDF, JPEG or PNG; 10 MB at most) on the draft with
    Django's storage API, replacing any earlier one of that kind."""
    if kind not in DOCUMENT_KINDS:
        raise ApplicationError(ApplicationError.INVALID, "Unknown document.", "kind")
    content_type = uploads.checked_content_type(
        upload, DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, "file"
    )
    with transaction.atomic():
        application = _editable(token)
        getattr(application, kind).save(
            uploads.stored_name(content_type), File(upload), save=False
        )
        application.save(update_fields=[kind])
    return application


def missing_for_submission(application: ProviderApplication):
    return [name for name in REQUIRED_TO_SUBMIT if not getattr(application, name)]


def submit_application(token: str) -> ProviderApplication:
    with transaction.atomic():
        application = _editable(token)
        missing = missing_for_submission(application)
        if missing:
            raise ApplicationError(
                ApplicationError.REQUIRED,
                "Complete the application first: " + ", ".join(missing) + ".",
                missing[0],
            )
        application.status = ApplicationStatus.SUBMITTED.value
        application.submitted_at = timezone.now()
        application.save(update_fields=["status", "submitted_at"])
    return application


def applications(status: Optional[ApplicationStatus] = None) -> QuerySet:
    """Staff: the queue, newest first, optionally of one status."""
    rows = ProviderApplication.objects.select_related("provider")
    if status is not None:
        rows = rows.filter(status=ApplicationStatus(status).value)
    return rows


DECISION_SUBJECTS = {
    ApplicationStatus.APPROVED: "Your provider application is approved",
    ApplicationStatus.REJECTED: "Your provider application was not accepted",
    ApplicationStatus.CHANGES_REQUESTED: "Your provider application needs changes",
}


def decide_application(
    application_id: int,
    decision: ApplicationStatus,
    note: str,
    reviewer_id: Optional[int],
) -> ProviderApplication:
    """Approve, reject or send back a submitted application, with a note
    e-mailed to the applicant in the same transaction.

    Rejection and changes need a note. Approval creates the provider
    (approved), its owner user with a set-password invitation (in the same
    e-mail), and its first warehouse at the application's address.
    """
    decision = ApplicationStatus(decision)
    note = (note or "").strip()[:MAX_NOTE]
    if decision not in DECISION_SUBJECTS:
        raise ApplicationError(
            ApplicationError.INVALID_DECISION, "Not a decision.", "decision"
        )
    if decision != ApplicationStatus.APPROVED and not note:
        raise ApplicationError(
            ApplicationError.NOTE_REQUIRED,
            "Tell the applicant why (the note is e-mailed).",
            "note",
        )
    with transaction.atomic():
        application = (
            ProviderApplication.objects.select_for_update()
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            raise ApplicationError(
                ApplicationError.NOT_FOUND, "No such application.", "id"
            )
        if not can_decide_application(ApplicationStatus(application.status)):
            raise ApplicationError(
                ApplicationError.INVALID_DECISION,
                f"The application is {application.status}: only a submitted "
                "one can be decided.",
                "decision",
            )
        now = timezone.now()
        body = f"Note from the reviewer:\n{note}\n" if note else ""
        if decision == ApplicationStatus.APPROVED:
            body += _approve(application, reviewer_id)
        elif decision == ApplicationStatus.CHANGES_REQUESTED:
            body += (
                "\nChange your application and submit it again here:\n"
                f"{links.application_link(draft_token(application))}\n"
            )
        application.status = decision.value
        application.review_note = note
        application.decided_at = now
        application.save(
            update_fields=["status", "review_note", "decided_at", "provider"]
        )
        ApplicationReview.objects.create(
            application=application,
            decision=decision.value,
            note=note,
            reviewer_id=reviewer_id,
        )
        outbox.enqueue_email(
            application.email,
            DECISION_SUBJECTS[decision],
            body or "\n",
            event_type=f"provider.application.{decision.value}",
        )
    return application


def _approve(application: ProviderApplication, reviewer_id: Optional[int]) -> str:
    try:
        email = invitations.check_new_user_email(application.email)
    except invitations.InvitationError as error:
        raise ApplicationError(
            ApplicationError.EMAIL_TAKEN, error.message, "email"
        ) from None
    provider = Provider.objects.create(
        name=application.company_name,
        slug=invitations.unique_provider_slug(application.company_name),
        legal_name=application.legal_name,
        tax_id=application.tax_id,
        contact_name=application.contact_name,
        contact_email=email,
        contact_phone=application.contact_phone,
        surety_bond=application.surety_bond,
        status=ProviderStatus.APPROVED.value,
        onboarding=Onboarding.SIGN_UP.value,
        reviewed_at=timezone.now(),
    )
    owner = invitations.create_provider_user(provider, email, ProviderRole.OWNER)
    create_warehouse(
        provider,
        f"{provider.name} warehouse",
        WarehouseAddress(
            street_address=application.street_address,
            city=application.city,
            postal_code=application.postal_code,
            country=application.country,
            country_area=application.country_area,
        ),
    )
    application.provider = provider
    issued = invitations.issue(provider, owner, reviewer_id)
    return "\n" + invitations.invitation_email_body(
        provider, issued.token, f"Welcome: {provider.name} is now a provider."
    )
