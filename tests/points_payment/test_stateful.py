"""The ledger's rules against a simple in-memory model (hypothesis stateful).

Each example is a fresh channel (quota 500, refunds return to the
allowance); steps are grants, revocations, holds, posts (partial), voids,
involuntary and asked-for refunds, timeouts (released by the sweep) and the
period's close. After every step the balances equal the model's, nothing
is negative and quota = granted + remaining; after every example the audit
is empty.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from plugins.points_payment import errors, services
from plugins.points_payment.models import PointsTransfer

from .ledger_support import make_program

pytestmark = pytest.mark.usefixtures("committed_db")

QUOTA = 500
MEMBERS = st.sampled_from(["a", "b", "c"])
POINTS = st.integers(1, 120)


def test_on_the_test_database(db):
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.channel = make_program(quota=QUOTA, refund_policy="return_to_allowance")
        self.n = 0
        self.quota_left = QUOTA
        self.available = {}
        self.held = {}
        self.holds = {}  # id -> (member, points), pending only
        self.posts = {}  # id -> [member, posted, refunded]
        self.closed = False

    def next_id(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def expect(self, error, call):
        try:
            result = call()
        except errors.PointsError as refused:
            assert error is not None and isinstance(refused, error), refused
            return None
        assert error is None, f"expected {error}"
        return result

    @precondition(lambda self: not self.closed)
    @rule(member=MEMBERS, points=POINTS)
    def grant(self, member, points):
        ok = points <= self.quota_left
        self.expect(
            None if ok else errors.QuotaExceeded,
            lambda: services.grant(
                self.channel, member, points, transfer_id=self.next_id("g")
            ),
        )
        if ok:
            self.quota_left -= points
            self.available[member] = self.available.get(member, 0) + points
            self.held.setdefault(member, 0)

    @precondition(lambda self: not self.closed)
    @rule(member=MEMBERS, points=POINTS)
    def revoke(self, member, points):
        if member not in self.available:
            error = errors.MemberNotFound
        elif points > self.available[member]:
            error = errors.InsufficientPoints
        else:
            error = None
        self.expect(
            error,
            lambda: services.revoke(
                self.channel, member, points, transfer_id=self.next_id("r")
            ),
        )
        if error is None:
            self.available[member] -= points
            self.quota_left += points

    @precondition(lambda self: not self.closed)
    @rule(member=MEMBERS, points=POINTS)
    def hold(self, member, points):
        if member not in self.available:
            error = errors.MemberNotFound
        elif points > self.available[member]:
            error = errors.InsufficientPoints
        else:
            error = None
        hold_id = self.next_id("h")
        self.expect(
            error,
            lambda: services.hold(
                self.channel, member, points, transfer_id=hold_id, reference=""
            ),
        )
        if error is None:
            self.available[member] -= points
            self.held[member] += points
            self.holds[hold_id] = (member, points)

    @precondition(lambda self: self.holds and not self.closed)
    @rule(data=st.data())
    def post(self, data):
        hold_id = data.draw(st.sampled_from(sorted(self.holds)))
        member, points = self.holds.pop(hold_id)
        part = data.draw(st.integers(1, points))
        post_id = self.next_id("p")
        services.post_hold(self.channel, hold_id, transfer_id=post_id, points=part)
        self.held[member] -= points
        self.available[member] += points - part
        self.posts[post_id] = [member, part, 0]

    @precondition(lambda self: self.holds and not self.closed)
    @rule(data=st.data(), timeout=st.booleans())
    def void_or_time_out(self, data, timeout):
        hold_id = data.draw(st.sampled_from(sorted(self.holds)))
        member, points = self.holds.pop(hold_id)
        if timeout:
            PointsTransfer.objects.filter(
                channel_id=self.channel, transfer_id=hold_id
            ).update(timeout_at=timezone.now() - timedelta(seconds=1))
            assert services.release_timed_out_holds() >= 1
            with pytest.raises(errors.HoldNotPending):
                services.post_hold(self.channel, hold_id, transfer_id=self.next_id("p"))
        else:
            services.void_hold(self.channel, hold_id, transfer_id=self.next_id("v"))
        self.held[member] -= points
        self.available[member] += points

    @precondition(lambda self: self.posts and not self.closed)
    @rule(data=st.data(), points=st.integers(1, 60), involuntary=st.booleans())
    def refund(self, data, points, involuntary):
        post_id = data.draw(st.sampled_from(sorted(self.posts)))
        member, posted, refunded = self.posts[post_id]
        ok = points <= posted - refunded
        self.expect(
            None if ok else errors.InvalidPoints,
            lambda: services.refund(
                self.channel,
                post_id,
                points,
                transfer_id=self.next_id("rf"),
                involuntary=involuntary,
            ),
        )
        if ok:
            self.posts[post_id][2] += points
            self.available[member] += points

    @precondition(lambda self: not self.closed and self.n >= 6)
    @rule()
    def close(self):
        period = services.current_period(self.channel)
        statement = services.close_period(self.channel, period.pk)
        redeemed = sum(p[1] for p in self.posts.values())
        refunded = sum(p[2] for p in self.posts.values())
        assert (statement.redeemed, statement.refunded) == (redeemed, refunded)
        expired = self.quota_left + sum(self.available.values())
        expired += sum(points for _, points in self.holds.values())
        assert statement.expired == expired
        assert statement.remaining == 0
        self.closed = True
        with pytest.raises(errors.PeriodClosed):
            services.hold(
                self.channel, "a", 1, transfer_id=self.next_id("h"), reference=""
            )

    @precondition(lambda self: self.closed)
    @rule(member=MEMBERS)
    def nothing_moves_after_the_close(self, member):
        with pytest.raises(errors.PeriodClosed):
            services.grant(self.channel, member, 1, transfer_id=self.next_id("g"))

    @invariant()
    def balances_match_the_model(self):
        if self.closed:
            return
        for member, available in self.available.items():
            balance = services.balance(self.channel, member)
            assert (balance.available, balance.held) == (available, self.held[member])
            assert balance.available >= 0 and balance.held >= 0
        status = services.quota_status(self.channel)
        assert status.remaining == self.quota_left
        assert status.granted + status.remaining == status.quota == QUOTA
        assert status.held == sum(self.held.values())

    def teardown(self):
        assert services.audit() == []


def test_ledger_matches_the_model():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=16,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


class PassThroughMachine(RuleBasedStateMachine):
    """Pass-through: the latest sign-in claim minus what was held or posted
    (every post here is within the settle time of every claim); older claims
    never replace newer ones; the quota bounds held + posted."""

    def __init__(self):
        super().__init__()
        self.channel = make_program(mode="pass_through", quota=QUOTA)
        self.n = 0
        self.clock = timezone.now()
        self.claims = {}  # member -> (points, issued_at)
        self.holds = {}  # id -> (member, points)
        self.posted = {}  # member -> points posted
        self.quota_left = QUOTA

    def next_id(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def pending(self, member):
        return sum(p for m, p in self.holds.values() if m == member)

    def available(self, member):
        claim = self.claims[member][0]
        return max(0, claim - self.pending(member) - self.posted.get(member, 0))

    @rule(member=MEMBERS, points=st.integers(0, 300), older=st.booleans())
    def sign_in(self, member, points, older):
        self.clock += timedelta(seconds=1)
        issued_at = self.clock - timedelta(seconds=30) if older else self.clock
        recorded = services.record_sign_in_balance(
            self.channel,
            member,
            points,
            token_id=self.next_id("t"),
            issued_at=issued_at,
        )
        current = self.claims.get(member)
        newer = current is None or issued_at > current[1]
        assert recorded == newer
        if newer:
            self.claims[member] = (points, issued_at)

    @rule(member=MEMBERS, points=POINTS)
    def hold(self, member, points):
        if member not in self.claims:
            error = errors.MemberNotFound
        elif points > self.available(member):
            error = errors.InsufficientPoints
        elif points > self.quota_left:
            error = errors.QuotaExceeded
        else:
            error = None
        hold_id = self.next_id("h")
        try:
            services.hold(
                self.channel, member, points, transfer_id=hold_id, reference=""
            )
        except errors.PointsError as refused:
            assert error is not None and isinstance(refused, error), refused
            return
        assert error is None, f"expected {error}"
        self.holds[hold_id] = (member, points)
        self.quota_left -= points

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), void=st.booleans())
    def resolve(self, data, void):
        hold_id = data.draw(st.sampled_from(sorted(self.holds)))
        member, points = self.holds.pop(hold_id)
        if void:
            services.void_hold(self.channel, hold_id, transfer_id=self.next_id("v"))
            self.quota_left += points
        else:
            part = data.draw(st.integers(1, points))
            services.post_hold(
                self.channel, hold_id, transfer_id=self.next_id("p"), points=part
            )
            self.posted[member] = self.posted.get(member, 0) + part
            self.quota_left += points - part

    @invariant()
    def balances_match_the_model(self):
        for member in self.claims:
            balance = services.balance(self.channel, member)
            assert (balance.available, balance.held) == (
                self.available(member),
                self.pending(member),
            )
        assert services.quota_status(self.channel).remaining == self.quota_left

    def teardown(self):
        assert services.audit() == []


def test_pass_through_matches_the_model():
    run_state_machine_as_test(
        PassThroughMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
