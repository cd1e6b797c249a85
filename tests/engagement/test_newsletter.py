"""Newsletter double opt-in, in-process against PostgreSQL and Redis: the
confirmation e-mail goes through the outbox with a signed, expiring link;
confirming stores the consent time; unsubscribe works from every mail;
signing up twice is harmless; bad input and floods are refused, typed."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client

from plugins.engagement.models import NewsletterSubscription
from plugins.engagement.newsletter import links, services
from plugins.engagement.newsletter.domain import (
    NewsletterRefusal,
    SubscriptionStatus,
    confirmation_due,
    normalize_email,
)
from tests.support import gql_in_process

from .conftest import link, mails

SUBSCRIBE = """
mutation($email: String!, $channel: String, $source: NewsletterSignUpSource) {
  newsletterSubscribe(email: $email, channel: $channel, source: $source) {
    ok newsletterErrors { field code message }
  }
}"""


def test_addresses_are_normalized_and_checked():
    assert normalize_email("  Ann@Example.COM ") == "ann@example.com"
    for bad in ["", "ann", "ann@example", "a b@example.com", "Ann <a@b.com>"]:
        with pytest.raises(NewsletterRefusal) as refused:
            normalize_email(bad)
        assert refused.value.code == "invalid_email"


def test_when_a_confirmation_is_sent_again():
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ten = timedelta(minutes=10)
    assert confirmation_due(SubscriptionStatus.PENDING, None, now, ten)
    assert not confirmation_due(SubscriptionStatus.PENDING, now - ten / 2, now, ten)
    assert confirmation_due(SubscriptionStatus.PENDING, now - ten, now, ten)
    assert not confirmation_due(SubscriptionStatus.CONFIRMED, None, now, ten)
    assert confirmation_due(SubscriptionStatus.UNSUBSCRIBED, now - ten, now, ten)


@pytest.mark.django_db
def test_double_opt_in_from_sign_up_to_consent(flushed_rate_limits):
    answer = gql_in_process(
        SUBSCRIBE, {"email": "Reader@Example.com", "source": "PRODUCT_PAGE"}
    )
    assert answer["data"]["newsletterSubscribe"] == {"ok": True, "newsletterErrors": []}
    row = NewsletterSubscription.objects.get(email="reader@example.com")
    assert (row.status, row.source, row.consented_at) == (
        "pending",
        "product_page",
        None,
    )
    (mail,) = mails(services.CONFIRMATION_EVENT, "reader@example.com")
    token = link(mail.body, links.CONFIRM_PATH)
    assert link(mail.body, links.UNSUBSCRIBE_PATH)  # in every mail

    # Opening the link (a mail scanner does) changes nothing; the button does.
    page = Client().get(links.CONFIRM_PATH, {"token": token})
    assert page.status_code == 200 and b"Confirm my subscription" in page.content
    assert NewsletterSubscription.objects.get(pk=row.pk).status == "pending"
    done = Client().post(links.CONFIRM_PATH, {"token": token})
    assert done.status_code == 200 and b"confirmed" in done.content
    row.refresh_from_db()
    assert row.status == "confirmed" and row.consented_at is not None
    consent = row.consented_at

    # Again: harmless, the consent time stays the first one.
    assert Client().post(links.CONFIRM_PATH, {"token": token}).status_code == 200
    row.refresh_from_db()
    assert row.consented_at == consent
    assert len(mails(services.WELCOME_EVENT, "reader@example.com")) == 1


@pytest.mark.django_db
def test_signing_up_twice_is_harmless(settings, flushed_rate_limits):
    services.subscribe("twice@example.com", "product_page")
    services.subscribe("TWICE@example.com", "landing_page")
    assert NewsletterSubscription.objects.filter(email="twice@example.com").count() == 1
    assert len(mails(services.CONFIRMATION_EVENT, "twice@example.com")) == 1
    settings.FLASH_NEWSLETTER_RESEND_SECONDS = 0  # the resend window passed
    again = services.subscribe("twice@example.com")
    assert again.confirmation_sent and not again.created
    assert len(mails(services.CONFIRMATION_EVENT, "twice@example.com")) == 2
    # Confirmed: nothing more is sent, and the answer is the same.
    services.confirm(
        link(mails(services.CONFIRMATION_EVENT)[-1].body, links.CONFIRM_PATH)
    )
    answer = gql_in_process(SUBSCRIBE, {"email": "twice@example.com"})
    assert answer["data"]["newsletterSubscribe"]["ok"] is True
    assert len(mails(services.CONFIRMATION_EVENT, "twice@example.com")) == 2


@pytest.mark.django_db
def test_forged_and_expired_links_are_refused(settings, flushed_rate_limits):
    services.subscribe("late@example.com")
    token = link(
        mails(services.CONFIRMATION_EVENT, "late@example.com")[0].body,
        links.CONFIRM_PATH,
    )
    row = NewsletterSubscription.objects.get(email="late@example.com")

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().post(links.CONFIRM_PATH, {"token": forged}).status_code == 400
    other = signing.TimestampSigner(salt="another").sign(f"{row.pk}:{row.email}")
    assert Client().get(links.CONFIRM_PATH, {"token": other}).status_code == 400
    # An unsubscribe token is no confirmation token (and the other way).
    unsubscribe = links.unsubscribe_token(row.pk, row.email)
    assert Client().post(links.CONFIRM_PATH, {"token": unsubscribe}).status_code == 400

    settings.FLASH_NEWSLETTER_CONFIRM_MAX_AGE_SECONDS = 1
    time.sleep(2.1)
    expired = Client().post(links.CONFIRM_PATH, {"token": token})
    assert expired.status_code == 410 and b"expired" in expired.content
    row.refresh_from_db()
    assert row.status == "pending" and row.consented_at is None


@pytest.mark.django_db
def test_unsubscribe_from_any_mail_and_sign_up_again(settings, flushed_rate_limits):
    services.subscribe("leaving@example.com")
    (mail,) = mails(services.CONFIRMATION_EVENT, "leaving@example.com")
    confirm_token = link(mail.body, links.CONFIRM_PATH)
    services.confirm(confirm_token)
    (welcome,) = mails(services.WELCOME_EVENT, "leaving@example.com")
    token = link(welcome.body, links.UNSUBSCRIBE_PATH)

    assert Client().get(links.UNSUBSCRIBE_PATH, {"token": token}).status_code == 200
    assert NewsletterSubscription.objects.get(email="leaving@example.com").status == (
        "confirmed"
    )
    done = Client().post(links.UNSUBSCRIBE_PATH, {"token": token})
    assert done.status_code == 200 and b"unsubscribed" in done.content
    row = NewsletterSubscription.objects.get(email="leaving@example.com")
    assert row.status == "unsubscribed" and row.unsubscribed_at is not None
    # The old confirmation link does not subscribe them again.
    assert (
        Client().post(links.CONFIRM_PATH, {"token": confirm_token}).status_code == 400
    )
    assert NewsletterSubscription.objects.get(pk=row.pk).status == "unsubscribed"

    settings.FLASH_NEWSLETTER_RESEND_SECONDS = 0
    services.subscribe("leaving@example.com")  # a new double opt-in
    row.refresh_from_db()
    assert row.status == "pending" and row.consented_at is None


@pytest.mark.django_db
def test_bad_input_is_a_typed_error_and_changes_nothing(flushed_rate_limits):
    before = NewsletterSubscription.objects.count()
    bad_email = gql_in_process(SUBSCRIBE, {"email": "not-an-address"})
    (error,) = bad_email["data"]["newsletterSubscribe"]["newsletterErrors"]
    assert (error["field"], error["code"]) == ("email", "INVALID_EMAIL")
    no_channel = gql_in_process(
        SUBSCRIBE, {"email": "x@example.com", "channel": "no-such-channel"}
    )
    (error,) = no_channel["data"]["newsletterSubscribe"]["newsletterErrors"]
    assert (error["field"], error["code"]) == ("channel", "NOT_FOUND")
    assert NewsletterSubscription.objects.count() == before
    assert mails(services.CONFIRMATION_EVENT, "x@example.com") == []


@pytest.mark.django_db
def test_sign_ups_are_rate_limited_per_client_address(settings, flushed_rate_limits):
    settings.FLASH_NEWSLETTER_RATE_PER_IP = 3
    answers = [
        gql_in_process(
            SUBSCRIBE, {"email": f"flood{n}@example.com"}, REMOTE_ADDR="203.0.113.9"
        )
        for n in range(5)
    ]
    codes = [
        [e["code"] for e in a["data"]["newsletterSubscribe"]["newsletterErrors"]]
        for a in answers
    ]
    assert codes == [[], [], [], ["RATE_LIMITED"], ["RATE_LIMITED"]]
    assert NewsletterSubscription.objects.filter(email__startswith="flood").count() == 3
    # Another address is not slowed down by this one.
    other = gql_in_process(
        SUBSCRIBE, {"email": "calm@example.com"}, REMOTE_ADDR="203.0.113.10"
    )
    assert other["data"]["newsletterSubscribe"]["ok"] is True


@pytest.mark.usefixtures("committed")
def test_simultaneous_sign_ups_of_one_address_make_one_row_and_one_mail():
    start = threading.Barrier(8)
    errors = []

    def sign_up():
        try:
            start.wait()
            services.subscribe("race@example.com", "product_page")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert NewsletterSubscription.objects.filter(email="race@example.com").count() == 1
    assert len(mails(services.CONFIRMATION_EVENT, "race@example.com")) == 1
