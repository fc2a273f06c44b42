"""Celery tasks for communities: interfaces that call one service each. Safe to run twice."""

from celery import shared_task

from communities import services


@shared_task(name="communities.decide_proposals")
def decide_proposals() -> int:
    """Close the proposals whose voting period is over; passed changes are applied."""
    return services.proposals_decide()
