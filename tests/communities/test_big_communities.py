"""Pages and API lists cost the same for a big community as for a small one:
a constant number of queries, and no query whose work grows with every post, member or
community of the site (a list of every visible post, a join of memberships with placements, a
count per row of everything sorted). The timings at 100,000 posts are in docs/benchmarks.md
(`python -m bench.pages`)."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Membership, Post
from moderation.models import Report
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

# A subquery listing the id of every visible post or community: its cost grows with the site.
EVERY_VISIBLE = re.compile(
    r'IN \(SELECT \w+\."id" AS "pk" FROM "communities_(post|community)" \w+ '
    r'(LEFT OUTER JOIN [^)]*\) )?WHERE \(+(NOT \(\w+\."status"|\w+\."visibility")'
)


def grow(community, n: int) -> None:
    """n more members, join requests, placed posts (with tags) and reports."""
    for _ in range(n):
        MembershipFactory(community=community, state=Membership.State.ACTIVE)
        MembershipFactory(community=community, state=Membership.State.REQUESTED)
        placement = PlacementFactory(community=community, post=PostFactory(tags=[TagFactory()]))
        Report.objects.create(
            reporter=UserFactory(),
            community=community,
            target_type_id=_post_type(),
            target_id=placement.post_id,
            reason="Off topic.",
        )


def _post_type() -> int:
    return ContentType.objects.get_for_model(Post).pk


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def big():
    return CommunityFactory(name="Big one", slug="big-one")


@pytest.fixture
def moderator(big):
    return MembershipFactory(community=big, role=Membership.Role.MODERATOR).user


@pytest.mark.parametrize(
    "url",
    [
        "/communities/big-one/",
        "/communities/big-one/moderation/",
        "/communities/",
        "/communities/?sort=members",
        "/api/communities/",
        "/api/communities/big-one/",
        "/api/posts/",
    ],
)
def test_pages_cost_the_same_queries_as_a_community_grows(client, big, moderator, url):
    client.force_login(moderator)
    grow(big, 2)
    few = queries_of(client, url)
    grow(big, 25)
    many = queries_of(client, url)
    assert len(many) <= len(few), "\n".join(many)


@pytest.mark.parametrize(
    "url", ["/communities/big-one/", "/communities/big-one/moderation/", "/api/posts/"]
)
def test_no_query_lists_every_visible_post_or_community(client, big, moderator, url):
    client.force_login(moderator)
    grow(big, 3)
    for sql in queries_of(client, url):
        assert not EVERY_VISIBLE.search(sql), sql
        joined = re.search(r'JOIN "communities_membership"', sql) and re.search(
            r'JOIN "communities_placement"', sql
        )
        assert not joined, (
            sql
        )  # memberships x placements: a join that took 4.7-8.7 s at 20,000 posts


def test_the_post_page_checks_community_visibility_in_the_join(client, big, moderator):
    client.force_login(moderator)
    grow(big, 3)
    post = Post.objects.filter(placements__community=big).first()
    for url in (post.get_absolute_url(), reverse("communities:post-matches", args=[post.pk])):
        for sql in queries_of(client, url):
            assert not EVERY_VISIBLE.search(sql), sql


def test_the_directory_counts_only_the_communities_on_its_page(client, big, moderator):
    """The counts of members and posts are worked out for the page shown, not inside the
    sorted query over every community (SQLite computes them for every row it sorts)."""
    client.force_login(moderator)
    grow(big, 3)
    for _ in range(3):
        CommunityFactory()
    sqls = queries_of(client, "/communities/")
    for sql in sqls:
        counts_posts = 'FROM "communities_placement"' in sql and "COUNT(" in sql
        assert not (counts_posts and "ORDER BY" in sql), sql
    page = client.get("/communities/").context["page"]
    shown = {c.slug: (c.member_count, c.post_count) for c in page.object_list}
    assert shown["big-one"] == (1 + 3, 3)


def test_the_posts_api_filters_by_tag_without_distinct(client):
    soil = TagFactory(slug="soil", name="soil")
    clay = TagFactory(slug="clay", name="clay")
    both = PostFactory(tags=[soil, clay])
    PostFactory(tags=[clay])
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/posts/?tag=soil").json()
    assert [p["id"] for p in body["results"]] == [both.pk]
    assert body["count"] == 1
    assert not any("DISTINCT" in q["sql"].upper() for q in captured.captured_queries)
