"""Reads of the review queues: report targets load in a constant number of queries."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from communities.models import Community, Reply, Thread
from moderation.models import Report
from moderation.selectors import report_queue, reports_with_targets
from tests.communities.factories import CommunityFactory, PlacementFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _report(target, community: Community | None) -> Report:
    return Report.objects.create(
        reporter=UserFactory(),
        community=community,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=target.pk,
        reason="Spam",
    )


def _pending(community: Community, n: int) -> list[Report]:
    reports = []
    for i in range(n):
        post = PlacementFactory(community=community).post
        thread = Thread.objects.create(community=community, author=post.author, title=f"T{i}")
        reply = Reply.objects.create(thread=thread, author=post.author, body="Buy now")
        reports += [_report(post, community), _report(thread, community)]
        reports.append(_report(reply, community))
    return reports


@pytest.mark.parametrize("n", [1, 10])
def test_report_targets_load_in_a_constant_number_of_queries(n, django_assert_max_num_queries):
    community = CommunityFactory()
    made = _pending(community, n)
    gone = PlacementFactory(community=community).post
    made.append(_report(gone, community))
    gone.delete()
    ContentType.objects.clear_cache()
    # The reports, then one query per kind of target (post, thread, reply), and at most one
    # content type look-up per reportable kind (post, reply, thread, community, person,
    # message), the first time only.
    with django_assert_max_num_queries(1 + 3 + 6):
        rows = reports_with_targets(report_queue(community=community))
    assert len(rows) == 3 * n + 1
    by_pk = {report.pk: report for report in rows}
    for report in made[:-1]:
        target = by_pk[report.pk].target
        assert target is not None and target.pk == report.target_id
        assert type(target) is report.target_type.model_class()
    assert by_pk[made[-1].pk].target is None
