"""Fuzz every endpoint in the OpenAPI schema: no input may answer 5xx or break the schema.

Endpoints added later are fuzzed automatically because the test reads the live schema.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory, api_token_key

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
FUZZER_TOKEN = "f" * 40  # the same key in every test's fresh database


@schema.auth()
class FuzzerToken:
    """Explicit token auth, so that schemathesis also checks that endpoints refuse calls when it
    takes the token away or spoils it."""

    def get(self, case, ctx):
        return FUZZER_TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@pytest.fixture
def keep_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection when a
    request ends; the test's transaction lives on that connection, so keep it open (as Django's
    test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db, keep_test_connection):
    """A signed-in caller with some data around, so that reads return real objects."""
    user = UserFactory(username="fuzzer")
    tag = TagFactory(name="soil")
    community = CommunityFactory(slug="clay-soil", tags=[tag])
    MembershipFactory(user=user, community=community)
    post = PostFactory(author=user, tags=[tag])
    PlacementFactory(post=post, community=community)
    return api_token_key(user, key=FUZZER_TOKEN)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_within_its_schema(case, api_token):
    # Two checks are left out on purpose. positive_data_acceptance: a schema-valid request can
    # still be refused on its merits (a wrong password) with a documented 4xx.
    # negative_data_rejection: filters read query strings leniently, as HTML forms send them
    # (`?kind=` means no filter). Every other check runs: no 5xx, documented status codes and
    # content types, responses that match their schema.
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
