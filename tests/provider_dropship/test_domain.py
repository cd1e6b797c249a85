"""Provider review rules: no database."""

from plugins.provider_dropship.domain import ProviderStatus, can_sell, can_transition


def test_review_decisions():
    assert can_transition(ProviderStatus.PENDING, ProviderStatus.APPROVED)
    assert can_transition(ProviderStatus.PENDING, ProviderStatus.REJECTED)
    assert not can_transition(ProviderStatus.REJECTED, ProviderStatus.APPROVED)
    assert can_transition(ProviderStatus.APPROVED, ProviderStatus.SUSPENDED)


def test_only_approved_providers_sell():
    assert [status for status in ProviderStatus if can_sell(status)] == [
        ProviderStatus.APPROVED
    ]
