"""Jepsen-style bank test over HTTP: 64 concurrent clients against a
2-process gunicorn server while one worker is SIGKILLed. 52 of them send
the channel API's grants, revocations and retries with the same key (in
flight together and after the answer); 12 are signed-in members buying
through the storefront's GraphQL (checkoutCreate → shipping →
pointsPaymentConfirm (confirmation ``none``) → checkoutPaymentCreate with
``flash.payments.points`` → checkoutComplete), and a few of their orders are
refunded by staff (``orderRefund`` in full, ``paymentRefund`` in part; the
channel's policy gives points back). The quota is far below what the grants
ask, and the purchases ask for more points than the quota, so some grants
and some purchases must be refused.

A checkout the kill interrupted may leave a payment without an order or a
hold without a payment: afterwards the guard's sweep (``checkout_guard``)
and the hold timeout (``release_timed_out_holds``, run as if it had passed)
reverse them, as the beat would; no more of them than interrupted
checkouts.

Afterwards: the audit is empty (every account equals its transfers); quota =
granted + remaining; nothing negative or held; each key had exactly one
effect and every answer to it was the same bytes; granted/redeemed/refunded
match what the clients were told; nothing redeemed beyond the quota; every
order paid with points has exactly one posted redemption of its total, and
every posted redemption has an order (or was given back whole by the sweep).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import urllib.error
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment

from plugins.checkout_guard.rescue import rescue_stale_payments
from plugins.points_payment import api_idempotency, services, sweeps
from plugins.points_payment.domain import TransferCode, TransferKind
from plugins.points_payment.errors import PointsError
from plugins.points_payment.models import PaymentConfirmation, PointsTransfer
from tests.sale_windows import factories
from tests.support import database_url_from_settings, start_api_server

from . import gateway_support as shop_steps
from .channel_api import ChannelApi

pytestmark = pytest.mark.server

CLIENTS = 64
MEMBERS = [f"bank-{n}" for n in range(12)]
BUYERS = len(MEMBERS)  # of the CLIENTS, one per member, buy in the storefront
OPS_PER_CLIENT = 6
PURCHASES_PER_BUYER = 2
REFUNDS = 4  # the first orders placed: 2 refunded in full, 2 in part
PARTIAL_REFUND = Decimal("10.00")
QUOTA = 20_000  # the clients ask for ~3x this
# A 25.00 checkout (20.00 + 5.00 shipping) costs 1,000 points: 24 purchases
# ask for 24,000, more than the quota.
ORDER_POINTS = 1000
MONEY_PER_POINT = Decimal("0.025")
ORDER_REFUND = """
mutation($id: ID!, $amount: Decimal!) {
  orderRefund(id: $id, amount: $amount) { orderErrors { field code message } }
}"""
PAYMENT_REFUND = """
mutation($id: ID!, $amount: Decimal) {
  paymentRefund(paymentId: $id, amount: $amount) {
    paymentErrors { field code message }
  }
}"""


@pytest.mark.django_db
def test_on_the_test_database():
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.fixture(scope="module")
def bank_server(committed_db):
    from django.conf import settings

    # An earlier module's flush may have left no Site: the server needs one.
    shop_steps.ensure_site_settings()
    server = start_api_server(
        database_url_from_settings(settings.DATABASES["default"]),
        workers=2,
        # A killed attempt's key is taken over after 3 s, not 90 s.
        extra_env={"FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS": "3"},
    )
    yield server
    server.stop()


def _worker_pids(master_pid: int):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(name))
    return pids


class Bank:
    """What the clients were told: per key, per purchase, per refund."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = defaultdict(list)  # key -> [(status, body)]
        self.requests = {}  # key -> (kind, member, points)
        # [member, checkout token, points, "order" | "refused" | "unknown"]: a
        # refused checkout stays the member's, and its next try reuses it
        self.purchases = []
        self.refunds = []  # (member, checkout token, points, answer)

    def told(self, key, status, body):
        with self.lock:
            self.answers[key].append((status, body))


def _send(api, bank, key, kind, member, points, deadline):
    """Send until answered (a killed worker drops the connection; a key still
    running answers 409): the same key every time."""
    path = f"/members/{member}/{'grants' if kind == 'grant' else 'revocations'}"
    answer_or_error = None
    while time.monotonic() < deadline:
        try:
            answer = api.post(path, {"points": points}, key=key)
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            answer_or_error = repr(error)
            time.sleep(0.1)
            continue
        if answer.status == 409 and answer.code == "idempotency_key_in_use":
            answer_or_error = answer.body
            time.sleep(0.2)
            continue
        bank.told(key, answer.status, answer.body)
        return answer
    raise AssertionError(f"no answer for {key}: last {answer_or_error}")


def _client(n, api, bank, deadline):
    rng = random.Random(n)
    mine = []
    try:
        for _ in range(OPS_PER_CLIENT):
            roll = rng.random()
            if mine and roll < 0.15:  # a retry after the answer
                _send(api, bank, *rng.choice(mine), deadline)
                continue
            kind = "grant" if roll < 0.75 else "revoke"
            member = rng.choice(MEMBERS)
            points = rng.randint(50, 400) if kind == "grant" else rng.randint(10, 150)
            key = f"bank-{n}-{uuid.uuid4().hex[:8]}"
            with bank.lock:
                bank.requests[key] = (kind, member, points)
            request = (key, kind, member, points)
            mine.append(request)
            if rng.random() < 0.2:  # the same key twice in flight at once
                with ThreadPoolExecutor(2) as twins:
                    list(
                        twins.map(
                            lambda _, request=request: _send(
                                api, bank, *request, deadline
                            ),
                            (0, 1),
                        )
                    )
            else:
                _send(api, bank, *request, deadline)
    finally:
        connections.close_all()


def _staff_token(server) -> str:
    email = f"bank-staff-{uuid.uuid4().hex[:8]}@example.com"
    user = User.objects.create_user(email, "s3cret-pass", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="manage_orders"))
    answer = server.gql(
        "mutation($email: String!) { tokenCreate(email: $email, "
        'password: "s3cret-pass") { token errors { message } } }',
        {"email": email},
    )
    return answer["data"]["tokenCreate"]["token"]


NOT_CHARGED = ChargeStatus.NOT_CHARGED
CONNECTION_LOST = (urllib.error.URLError, ConnectionError, OSError)


def _refund(send, staff, bank, member, checkout, completed, n):
    """Staff refund of a fresh order: in full (orderRefund: every point back)
    or in part (paymentRefund of 10.00: 400 points back)."""
    if n % 2 == 0:
        query, field, errors = ORDER_REFUND, "orderRefund", "orderErrors"
        variables = {"id": completed["order"]["id"], "amount": checkout["total"]}
        points = completed["points"]
    else:
        query, field, errors = PAYMENT_REFUND, "paymentRefund", "paymentErrors"
        variables = {"id": checkout["payment"]["id"], "amount": float(PARTIAL_REFUND)}
        points = int(PARTIAL_REFUND / MONEY_PER_POINT)
    try:
        answer = send(query, variables, staff)
        answer = answer.get("errors") or answer["data"][field][errors]
    except CONNECTION_LOST as error:
        answer = f"unknown: {error!r}"
    with bank.lock:
        bank.refunds.append((member, checkout["token"], points, answer))


def _buyer(n, shop, member, token, send, staff, bank, refunds_left):
    """Buy PURCHASES_PER_BUYER times over the storefront (the member has points
    or not yet: refusals expected), refunding while refunds are left."""
    rng = random.Random(2000 + n)
    try:
        for attempt in range(PURCHASES_PER_BUYER):
            # the first try early (refused: few points yet), later ones after
            # some grants
            time.sleep(rng.uniform(0.3, 2.0) if attempt == 0 else rng.uniform(2, 6))
            try:
                checkout = shop_steps.new_checkout(shop, token, send=send)
                confirmed = shop_steps.ok(
                    shop_steps.confirm(checkout, token, send),
                    "pointsPaymentConfirm",
                    "pointsPaymentErrors",
                )
            except CONNECTION_LOST:
                continue  # nothing paid yet: a new checkout next time
            purchase = [member, checkout["token"], confirmed["points"], "unknown"]
            with bank.lock:
                bank.purchases.append(purchase)
            try:
                completed = shop_steps.pay_and_complete(
                    checkout, token, confirmed["token"], send
                )
            except CONNECTION_LOST:
                continue  # the kill: the outcome is read from the database
            outcome = "order" if completed["order"] else "refused"
            if outcome == "refused":
                (error,) = completed["checkoutErrors"]
                assert error["code"] == "PAYMENT_ERROR", completed
            with bank.lock:
                purchase[3] = outcome
                refund_n = (
                    refunds_left.pop() if refunds_left and completed["order"] else None
                )
            if refund_n is not None:
                completed["points"] = confirmed["points"]
                _refund(send, staff, bank, member, checkout, completed, refund_n)
    finally:
        connections.close_all()


def _recover_interrupted() -> int:
    """What the beat would do after a kill: the guard reverses payments left
    without an order, and holds left without a payment time out."""
    rescued = rescue_stale_payments(timedelta(0))
    released = sweeps.release_timed_out_holds(now=timezone.now() + timedelta(days=1))
    return rescued + released


def _posted_redemptions(channel_id):
    """Posted redemption legs of the channel: (transfer id, reference, points)."""
    return list(
        PointsTransfer.objects.filter(
            channel_id=channel_id,
            code=TransferCode.POST.value,
            kind=TransferKind.POST_PENDING.value,
        ).values_list("transfer_id", "reference", "points")
    )


def test_bank(bank_server, committed_db):
    setup_started = time.monotonic()
    shop = shop_steps.make_shop(
        quota=QUOTA,
        webhook=False,
        confirmation="none",
        refund_policy="return_to_allowance",
        money_per_point=MONEY_PER_POINT,
    )
    channel_id = shop.channel_id
    program = services.program_for_channel(channel_id)
    api = ChannelApi(program.channel.slug, program.api_secret, bank_server.base_url)
    send = shop_steps.over_http(bank_server.graphql_url)
    staff = _staff_token(bank_server)
    tokens = [shop_steps.member_token(shop, member) for member in MEMBERS]
    bank = Bank()
    refunds_left = list(range(REFUNDS))
    deadline = time.monotonic() + 240  # against a hang, not the goal

    def killer():
        time.sleep(2.0)
        victims = _worker_pids(bank_server.process.pid)
        assert victims, "no gunicorn worker found"
        os.kill(victims[0], signal.SIGKILL)

    started = time.monotonic()
    setup = started - setup_started
    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        kill = pool.submit(killer)
        clients = []
        for n in range(CLIENTS):
            if n < BUYERS:
                clients.append(
                    pool.submit(
                        _buyer,
                        n,
                        shop,
                        MEMBERS[n],
                        tokens[n],
                        send,
                        staff,
                        bank,
                        refunds_left,
                    )
                )
            else:
                clients.append(pool.submit(_client, n, api, bank, deadline))
        for client in clients:
            client.result()
        kill.result()
    elapsed = time.monotonic() - started
    unknown = {p[1] for p in bank.purchases if p[3] == "unknown"}
    recovered = _recover_interrupted()
    assert recovered <= len(unknown), (recovered, unknown)

    # Every account equals the sum of its transfers; no flag broken.
    assert services.audit() == []

    # Each key: one effect, and every answer to it the same bytes.
    granted = revoked = 0
    granted_to = defaultdict(int)
    for key, answers in bank.answers.items():
        assert len({a for a in answers}) == 1, (key, answers)
        status, _ = answers[0]
        kind, member, points = bank.requests[key]
        effects = PointsTransfer.objects.filter(
            channel_id=channel_id,
            transfer_id=api_idempotency.transfer_id_for(key),
            leg=0,
        ).count()
        assert effects == (1 if status == 201 else 0), (key, status, effects)
        # 402: quota or balance short; 404: revoking from a member not granted yet
        assert status in (201, 402, 404), (key, answers)
        if status == 201:
            if kind == "grant":
                granted += points
                granted_to[member] += points
            else:
                revoked += points
                granted_to[member] -= points
    assert len(bank.answers) == len(bank.requests)

    # Each checkout: an order paid with exactly one posted redemption of its
    # total, or refused with nothing posted; as the buyer was told.
    tries = defaultdict(list)  # checkout token -> [(member, points, outcome)]
    for member, checkout_token, points, outcome in bank.purchases:
        tries[checkout_token].append((member, points, outcome))
    orders = {
        o.checkout_token: o
        for o in Order.objects.filter(checkout_token__in=list(tries))
    }
    posted = defaultdict(list)  # checkout token -> [(transfer id, points)]
    for transfer_id, reference, points in _posted_redemptions(channel_id):
        posted[reference.replace("checkout ", "", 1)].append((transfer_id, points))
    redeemed = defaultdict(int)
    refused = sum(1 for p in bank.purchases if p[3] == "refused")
    for checkout_token, outcomes in tries.items():
        order = orders.get(checkout_token)
        told = {outcome for _, _, outcome in outcomes}
        assert (order is not None) >= ("order" in told), checkout_token
        if order is None:
            assert told <= {"refused", "unknown"}, (checkout_token, outcomes)
            if checkout_token in posted:  # paid, then the kill: given back whole
                assert "unknown" in told, (checkout_token, outcomes)
                (confirmation,) = PaymentConfirmation.objects.filter(
                    checkout_token=checkout_token, redemption_id__gt=""
                )
                assert confirmation.points_refunded == confirmation.points_captured
            continue
        assert told <= {"refused", "unknown", "order"}
        assert [o for _, _, o in outcomes].count("order") <= 1
        # A checkout tried again keeps its refused payments (nothing charged);
        # Saleor links them to the order too.
        payments = Payment.objects.filter(order=order, gateway=shop_steps.GATEWAY)
        (payment,) = [p for p in payments if p.charge_status != NOT_CHARGED]
        assert payment.total == order.total.gross.amount
        points = int(order.total.gross.amount / MONEY_PER_POINT)
        assert points == ORDER_POINTS
        ((transfer_id, posted_points),) = posted[checkout_token]
        assert posted_points == points
        confirmation = PaymentConfirmation.objects.get(token=payment.token)
        assert confirmation.redemption_id == transfer_id
        assert confirmation.points_captured == points
        redeemed[outcomes[0][0]] += points
    assert set(posted) <= set(tries)  # no redemption without a buyer's checkout
    placed = len(orders)
    assert placed and refused, (placed, refused)

    # Each refund: answered without errors, and the points are back.
    refunded = defaultdict(int)
    for member, checkout_token, points, answer in bank.refunds:
        confirmation = PaymentConfirmation.objects.get(
            checkout_token=checkout_token, redemption_id__gt=""
        )
        if answer == []:
            assert confirmation.points_refunded == points, (checkout_token, answer)
        else:  # the kill: whatever the ledger shows
            assert str(answer).startswith("unknown"), answer
        refunded[member] += confirmation.points_refunded
    told_orders = sum(1 for p in bank.purchases if p[3] == "order")
    assert len(bank.refunds) == min(REFUNDS, told_orders)

    quota = services.quota_status(channel_id)
    assert quota.quota == QUOTA
    assert quota.granted == granted - revoked
    assert quota.quota == quota.granted + quota.remaining
    assert quota.remaining >= 0 and quota.held == 0
    total_redeemed = sum(redeemed.values()) - sum(refunded.values())
    assert quota.redeemed == total_redeemed
    assert quota.redeemed <= quota.granted <= QUOTA
    demand = sum(p for k, m, p in bank.requests.values() if k == "grant")
    assert demand > QUOTA  # the quota really was below the demand
    asked = sum(p[2] for p in bank.purchases)
    assert BUYERS * PURCHASES_PER_BUYER * ORDER_POINTS > QUOTA  # and the purchases

    for member in MEMBERS:
        try:
            balance = services.balance(channel_id, member)
        except PointsError:
            assert granted_to[member] == 0
            continue
        assert balance.available >= 0 and balance.held == 0
        expected = granted_to[member] - redeemed[member] + refunded[member]
        assert balance.available == expected, member

    print(
        f"bank: {len(bank.answers)} keys, {sum(len(a) for a in bank.answers.values())}"
        f" answers, granted {granted} revoked {revoked}; {len(bank.purchases)} "
        f"tries asking {asked} points: {placed} orders, {refused} refused, "
        f"{len(unknown)} cut by the kill ({recovered} reversed after); "
        f"{len(bank.refunds)} refunds giving back {sum(refunded.values())}; "
        f"setup {setup:.1f} s, clients {elapsed:.1f} s"
    )
    assert elapsed < 75


@pytest.fixture(scope="module", autouse=True)
def _remove_shop(committed_db):
    yield
    factories.delete_created()
