"""Reports weigh their reporter's standing: accounts minutes old (or unverified) cannot hide a
post, however many; established people can; a record of upheld reports counts for more, of
dismissed ones for less. The reports reach the moderators either way."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from communities.models import ContentStatus
from moderation import services as moderation
from moderation.models import Report
from tests.communities.factories import PostFactory
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory, person_in_standing

pytestmark = pytest.mark.django_db

DEFAULTS = override_settings(
    KINDRED_REPORTS_TO_HIDE=2,
    KINDRED_REPORT_WEIGHT_TO_HIDE=4.0,
    KINDRED_REPORT_WEIGHTS={
        "min_age_days": 1,
        "new": 1.0,
        "established_days": 30,
        "established": 2.0,
        "per_upheld": 0.5,
        "per_dismissed": 0.5,
        "max_bonus": 2.0,
    },
)


def _report_through_the_page(reporter, post) -> None:
    client = Client()
    assert client.login(username=reporter.username, password=DEFAULT_PASSWORD)
    response = client.post(f"/report/post/{post.pk}/", {"reason": "Spam"})
    assert response.status_code in (200, 302), response.content[:300]


def _status(post) -> str:
    post.refresh_from_db()
    return post.moderation_status


@DEFAULTS
def test_accounts_minutes_old_cannot_hide_a_post():
    post = PostFactory()
    for _ in range(5):
        _report_through_the_page(person_in_standing(days=0.01), post)
    assert _status(post) == ContentStatus.VISIBLE
    assert Report.objects.filter(decision="pending").count() == 5  # moderators still see them
    assert Client().get(f"/posts/{post.pk}/").status_code == 200


@DEFAULTS
def test_unverified_accounts_weigh_nothing():
    post = PostFactory()
    for _ in range(4):
        moderation.report_create(
            reporter=person_in_standing(days=400, verified=False), target=post, reason="Spam"
        )
    assert _status(post) == ContentStatus.VISIBLE
    moderation.report_create(reporter=UserFactory(), target=post, reason="Spam")  # no address
    assert _status(post) == ContentStatus.VISIBLE


@DEFAULTS
def test_two_established_people_hide_it_until_a_moderator_decides():
    post = PostFactory()
    moderation.report_create(reporter=person_in_standing(days=90), target=post, reason="Spam")
    assert _status(post) == ContentStatus.VISIBLE  # one person alone never hides
    _report_through_the_page(person_in_standing(days=90), post)
    assert _status(post) == ContentStatus.HIDDEN
    assert Client().get(f"/posts/{post.pk}/").status_code == 404


@DEFAULTS
def test_newer_accounts_need_more_people():
    post = PostFactory()
    for _ in range(3):
        moderation.report_create(reporter=person_in_standing(days=3), target=post, reason="x")
    assert _status(post) == ContentStatus.VISIBLE
    moderation.report_create(reporter=person_in_standing(days=3), target=post, reason="x")
    assert _status(post) == ContentStatus.HIDDEN


@DEFAULTS
def test_a_record_of_upheld_reports_counts_and_of_dismissed_ones_does_not():
    staff = UserFactory(is_staff=True)
    reliable, careless = person_in_standing(days=3), person_in_standing(days=90)
    for n in range(4):
        for reporter, uphold in ((reliable, True), (careless, False)):
            report = moderation.report_create(reporter=reporter, target=PostFactory(), reason="x")
            moderation.report_decide(actor=staff, report=report, uphold=uphold, reason=f"r{n}")
    weights = moderation.reporter_weights({reliable.pk, careless.pk})
    assert weights == {reliable.pk: 3.0, careless.pk: 0.0}
    post = PostFactory()
    moderation.report_create(reporter=careless, target=post, reason="x")
    moderation.report_create(reporter=person_in_standing(days=90), target=post, reason="x")
    assert _status(post) == ContentStatus.VISIBLE  # the careless reporter weighs nothing
    moderation.report_create(reporter=reliable, target=post, reason="x")
    assert _status(post) == ContentStatus.HIDDEN
