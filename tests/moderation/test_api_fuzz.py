"""The moderation endpoints fuzzed as someone allowed to act (staff who also moderates), so that
schemathesis reaches the services themselves, not only the permission checks: still no 5xx and
no answer outside the schema, whatever the input and whatever earlier examples changed."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from communities.models import Membership, Reply, Thread
from matching.models import MatcherSuggestion, MatchRun
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.profiles.factories import UserFactory, api_token_key
from tests.test_api_schema import keep_test_connection  # noqa: F401 - a fixture

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex=r"^/api/(moderation|reports|matcher-suggestions)/"
)
MODERATOR_TOKEN = "e" * 40


@schema.auth()
class ModeratorToken:
    def get(self, case, ctx):
        return MODERATOR_TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@pytest.fixture
def moderator_token(db, keep_test_connection):  # noqa: F811
    user = UserFactory(username="fuzzer", is_staff=True)
    soil = CommunityFactory(slug="clay-soil")
    other = CommunityFactory(slug="loam", visibility="private")
    for community in (soil, other):
        MembershipFactory(user=user, community=community, role=Membership.Role.OWNER)
    MembershipFactory(community=soil, user__username="asker", state="requested")
    MembershipFactory(community=soil, user__username="member")
    post = PlacementFactory(community=soil, post=PostFactory(author=user)).post
    thread = Thread.objects.create(community=soil, author=user, title="Mulch")
    Reply.objects.create(thread=thread, author=user, body="Bark")
    MatcherSuggestion.objects.create(
        run=MatchRun.objects.create(status="succeeded"),
        kind="split",
        community=soil,
        post_ids=[post.pk],
        reason="Two groups",
    )
    return api_token_key(user, key=MODERATOR_TOKEN)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_moderation_api_answers_within_its_schema(case, moderator_token):
    case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])
