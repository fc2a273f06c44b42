"""Search over posts, threads and replies, and the list of recent posts: ranking, highlighted
snippets that stay escaped, the visibility matrix through the page and the API (private
communities and hidden content are never found), filters, bad input, query counts, and the
SQLite fallback on a real SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from communities import selectors
from communities.models import Community, ContentStatus, Membership, Post, Reply, Thread
from communities.selectors.search import matching_ids
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("communities:search")
POSTS = reverse("communities:post-list")
API = "/api/search/"
XSS = '<script>alert("grinder")</script><img src=x onerror=alert(1)>'


def hit_titles(response, kind="post"):
    groups = {group[0]: group[3] for group in response.context["groups"]}
    return [str(hit.plain_title or hit.context) for hit in groups.get(kind, [])]


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# Ranking and highlights (PostgreSQL full text) ---------------------------------------------


def test_a_title_hit_ranks_above_a_body_hit_and_words_are_highlighted(client):
    body_only = PostFactory(title="Morning coffee is bitter", body="I bought a new grinder.")
    in_title = PostFactory(title="My grinder makes uneven grounds", body="Burrs look fine.")
    PostFactory(title="Sourdough starter", body="It smells of acetone.")

    response = client.get(SEARCH, {"q": "grinder", "kind": "post"})

    assert response.status_code == 200
    hits = response.context["groups"][0][3]
    assert [hit.pk for hit in hits] == [in_title.pk, body_only.pk]
    assert str(hits[0].title) == "My <mark>grinder</mark> makes uneven grounds"
    assert "<mark>grinder</mark>" in str(hits[1].snippet)
    assert "My <mark>grinder</mark> makes uneven grounds" in response.content.decode()


def test_words_match_their_other_forms_and_tags_count(client):
    tagged = PostFactory(title="Uneven extraction", body="Channeling again.")
    tagged.tags.add(TagFactory(name="grinder"))
    plural = PostFactory(title="Comparing hand grinders", body="")

    response = client.get(SEARCH, {"q": "grinder", "kind": "post"})

    hits = response.context["groups"][0][3]
    assert {hit.pk for hit in hits} == {tagged.pk, plural.pk}
    assert "hand <mark>grinders</mark>" in str(next(h.title for h in hits if h.pk == plural.pk))


def test_snippets_are_escaped_with_only_mark_as_markup(client):
    PostFactory(title=f"Broken {XSS}", body=f"The grinder says {XSS} and stops.")

    html = client.get(SEARCH, {"q": "grinder"}).content.decode()
    payload = api().get(API, {"q": "grinder"}).json()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;grinder&quot;)" in html  # the title, escaped
    assert "<mark>grinder</mark> says" in html
    assert "onerror=alert(1)&gt;" in html
    hit = payload["results"][0]
    assert "<script" not in hit["snippet"] and "<img" not in hit["snippet"]
    assert "<mark>grinder</mark>" in hit["snippet"]
    assert hit["title"] == f"Broken {XSS}"  # the plain title, for clients that escape it


def test_threads_and_replies_are_found_and_grouped_by_kind(client):
    community = CommunityFactory(name="Home espresso")
    thread = Thread.objects.create(community=community, title="Which grinder for espresso?")
    Reply.objects.create(thread=thread, body="Start the thread.")
    message = Reply.objects.create(thread=thread, body="A flat burr grinder changed everything.")
    post = PostFactory(title="Cold brew ratio", body="Coarse settings.")
    answer = Reply.objects.create(post=post, body="Any grinder works for cold brew.")

    response = client.get(SEARCH, {"q": "grinder"})

    assert response.context["counts"] == {"post": 0, "thread": 1, "reply": 2}
    groups = {group[0]: group[3] for group in response.context["groups"]}
    assert [hit.pk for hit in groups["thread"]] == [thread.pk]
    assert {hit.pk for hit in groups["reply"]} == {message.pk, answer.pk}
    html = response.content.decode()
    assert f"{thread.get_absolute_url()}#reply-{message.pk}" in html
    assert f"{post.get_absolute_url()}#reply-{answer.pk}" in html
    assert "Reply in “Which grinder for espresso?”" in html


@pytest.mark.parametrize("model", [Post, Thread, Reply])
def test_each_search_reads_its_gin_index(model):
    """The match is an uncorrelated subquery over the stored document, so PostgreSQL answers it
    from the GIN index (at 100,000 posts: tens of milliseconds for a rare word) instead of
    reading every row once per row of the outer query."""
    sql, params = matching_ids(model, "grinder").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    index = f"{model._meta.model_name}_search_document"
    assert f"Bitmap Index Scan on {index}" in plan, plan


def test_a_post_search_at_scale_is_planned_on_the_index():
    """The whole search can be answered from the index; a match that named the outer query's
    row (a correlated subquery) could not, and read every post once per post (minutes at
    100,000)."""
    author = UserFactory()
    Post.objects.bulk_create(
        Post(author=author, title=f"Question {i}", body="grinder" if i % 500 == 0 else "bread")
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_post")
    rows = selectors.search_results(viewer=author, kind="post", query="grinder")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # As at 100,000 posts, where reading them all is what the index saves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The match is planned once, as a scan of its own (which test_each_search_reads_its_gin_index
    # shows is the GIN index), never as a subplan run again for each post of the outer query.
    assert "SubPlan" not in plan, plan
    assert rows.count() == 6


# Visibility: private communities and hidden content are never found -------------------------

VIEWERS = ["anonymous", "outsider", "member", "staff"]


@pytest.fixture
def hidden_world():
    """Content that only some viewers may find, each with the word "zanzibar" in it."""
    private = CommunityFactory(name="Private circle", visibility=Community.Visibility.PRIVATE)
    member = MembershipFactory(community=private, state=Membership.State.ACTIVE).user
    public = CommunityFactory(name="Open circle")
    thread = Thread.objects.create(community=private, title="Zanzibar plans")
    Reply.objects.create(thread=thread, body="The zanzibar ferry leaves at nine.")
    public_thread = Thread.objects.create(community=public, title="Removed zanzibar talk")
    public_thread.status = ContentStatus.REMOVED
    public_thread.save()
    open_thread = Thread.objects.create(community=public, title="Open talk")
    Reply.objects.create(
        thread=open_thread, body="A hidden zanzibar message", status=ContentStatus.HIDDEN
    )
    PostFactory(title="Zanzibar kept to myself", status=Post.Status.HIDDEN)
    PostFactory(title="Zanzibar hidden by reports", moderation_status=ContentStatus.HIDDEN)
    PostFactory(title="Zanzibar removed", moderation_status=ContentStatus.REMOVED)
    PostFactory(title="Zanzibar deleted by its author", moderation_status=ContentStatus.DELETED)
    Reply.objects.create(
        thread=open_thread, body="A deleted zanzibar message", status=ContentStatus.DELETED
    )
    visible = PostFactory(title="Zanzibar for everyone")
    return {
        "private": private,
        "member": member,
        "visible": visible,
        "outsider": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }


def _viewer(world, role):
    return None if role == "anonymous" else world[role]


@pytest.mark.parametrize("role", VIEWERS)
@pytest.mark.parametrize("kind", ["post", "thread", "reply"])
def test_the_page_and_the_api_find_only_what_the_viewer_may_see(client, hidden_world, role, kind):
    viewer = _viewer(hidden_world, role)
    if viewer is not None:
        client.force_login(viewer)
    page = client.get(SEARCH, {"q": "zanzibar", "kind": kind})
    found = api(viewer).get(API, {"q": "zanzibar", "kind": kind})
    assert page.status_code == 200 and found.status_code == 200, found.content

    page_titles = set(hit_titles(page, kind))
    api_titles = {hit["title"] for hit in found.json()["results"]}
    expected = {
        # Staff see every post (as on the posts' pages); hidden threads and replies stay out.
        "post": {"Zanzibar for everyone"}
        | (
            {"Zanzibar kept to myself", "Zanzibar hidden by reports", "Zanzibar removed"}
            if role == "staff"
            else set()
        ),
        "thread": {"Zanzibar plans"} if role in ("member", "staff") else set(),
        "reply": {"Zanzibar plans"} if role in ("member", "staff") else set(),
    }[kind]
    assert page_titles == expected
    assert api_titles == expected
    assert "Private circle" not in page.content.decode() or role in ("member", "staff")


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_a_private_community_filter_tells_outsiders_nothing(client, hidden_world, role):
    viewer = _viewer(hidden_world, role)
    if viewer is not None:
        client.force_login(viewer)
    slug = hidden_world["private"].slug
    PlacementFactory(post=hidden_world["visible"], community=hidden_world["private"])

    page = client.get(SEARCH, {"q": "zanzibar", "community": slug})
    found = api(viewer).get(API, {"q": "zanzibar", "community": slug, "kind": "thread"})
    unknown = api(viewer).get(API, {"q": "zanzibar", "community": "no-such-community"})
    posts = api(viewer).get("/api/posts/", {"community": slug})

    assert "There is no community at that address that you can see." in page.content.decode()
    assert "Zanzibar plans" not in page.content.decode()
    assert found.status_code == 400 and found.json() == unknown.json()
    assert posts.status_code == 200 and posts.json()["results"] == []


def test_a_member_searches_within_their_private_community(client, hidden_world):
    client.force_login(hidden_world["member"])
    slug = hidden_world["private"].slug

    found = api(hidden_world["member"]).get(
        API, {"q": "zanzibar", "community": slug, "kind": "reply"}
    )

    assert found.status_code == 200
    assert [hit["community"]["slug"] for hit in found.json()["results"]] == [slug]
    assert client.get(SEARCH, {"q": "zanzibar", "community": slug}).context["counts"] == {
        "post": 0,
        "thread": 1,
        "reply": 1,
    }


# Filters, the empty state, htmx ---------------------------------------------------------------


def test_filter_by_community_and_tag(client):
    espresso = CommunityFactory(name="Home espresso")
    in_espresso = PostFactory(title="Grinder retention")
    PlacementFactory(post=in_espresso, community=espresso)
    tagged = PostFactory(title="Grinder for travel", tags=[TagFactory(name="travel")])
    PostFactory(title="Grinder noise at night")

    by_community = client.get(SEARCH, {"q": "grinder", "community": espresso.slug})
    by_tag = api().get(API, {"q": "grinder", "tag": "travel"})

    assert hit_titles(by_community) == ["Grinder retention"]
    assert [hit["id"] for hit in by_tag.json()["results"]] == [tagged.pk]
    assert client.get(SEARCH, {"q": "grinder"}).context["counts"]["post"] == 3


def test_no_results_says_so_with_a_suggestion(client):
    CommunityFactory(name="Home espresso")
    html = client.get(SEARCH, {"q": "flibbertigibbet"}).content.decode()
    assert "No results for “flibbertigibbet”." in html
    assert "Check the spelling or try fewer, more general words" in html

    filtered = client.get(SEARCH, {"q": "flibbertigibbet", "kind": "thread"}).content.decode()
    assert f'href="{SEARCH}?q=flibbertigibbet">searching everywhere</a>' in filtered


def test_one_kind_is_paginated(client):
    for i in range(23):
        PostFactory(title=f"Grinder question {i}")
    first = client.get(SEARCH, {"q": "grinder", "kind": "post"})
    second = client.get(SEARCH, {"q": "grinder", "kind": "post", "page": 2})
    assert len(first.context["page"].object_list) == 20
    assert 'rel="next" href="?q=grinder&amp;kind=post&amp;page=2"' in first.content.decode()
    assert len(second.context["page"].object_list) == 3

    everything = client.get(SEARCH, {"q": "grinder"}).content.decode()
    assert 'href="?q=grinder&amp;kind=post">All 23 posts</a>' in everything


def test_htmx_gets_the_results_and_the_address_to_show(client):
    PostFactory(title="Grinder burrs")
    response = client.get(
        SEARCH,
        {"q": " grinder ", "kind": "", "tag": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="search-results",
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert response["HX-Push-Url"] == f"{SEARCH}?q=grinder"
    assert "HX-Request" in response["Vary"]


def test_the_header_search_box_is_on_every_page(client):
    html = client.get(reverse("communities:list")).content.decode()
    assert f'action="{SEARCH}"' in html and 'id="site-search-q"' in html


def test_search_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    community = CommunityFactory(name="Home espresso")
    MembershipFactory(community=community, user=user, state=Membership.State.ACTIVE)

    def fill(n):
        for i in range(n):
            post = PostFactory(title=f"Grinder {i}", tags=[TagFactory(), TagFactory()])
            PlacementFactory(post=post, community=community)
            thread = Thread.objects.create(
                community=community, author=UserFactory(), title=f"Grinder talk {i}"
            )
            Reply.objects.create(thread=thread, author=UserFactory(), body="A grinder reply")
            Reply.objects.create(post=post, author=UserFactory(), body="Another grinder reply")

    fill(2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(SEARCH, {"q": "grinder"}).status_code == 200
    with django_assert_max_num_queries(20) as few_kind:
        assert client.get(SEARCH, {"q": "grinder", "kind": "reply"}).status_code == 200
    fill(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(SEARCH, {"q": "grinder"}).status_code == 200
    with django_assert_max_num_queries(len(few_kind.captured_queries)):
        assert client.get(SEARCH, {"q": "grinder", "kind": "reply"}).status_code == 200


# The API's answers to bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "\x00\x01"}, "q"),
        ({"q": "grinder " * 100}, "q"),
        ({"q": "grinder", "kind": "people"}, "kind"),
        ({"q": "grinder", "tag": "not a slug!"}, "tag"),
    ],
)
def test_the_api_refuses_bad_input_with_a_reason(params, field):
    response = api().get(API, params)
    assert response.status_code == 400, response.content
    assert response.json()[field]


def test_the_api_pages_and_describes_each_hit():
    community = CommunityFactory(name="Home espresso")
    post = PostFactory(title="Grinder burrs", tags=[TagFactory(name="coffee")])
    PlacementFactory(post=post, community=community)
    thread = Thread.objects.create(community=community, title="Grinder talk")

    posts = api().get(API, {"q": 'grinder -"nothing here"'}).json()
    threads = api().get(API, {"q": "grinder", "kind": "thread", "page_size": 1}).json()

    assert posts["count"] == 1
    hit = posts["results"][0]
    assert hit["kind"] == "post" and hit["id"] == post.pk and hit["url"] == f"/posts/{post.pk}/"
    assert hit["title_highlighted"] == "<mark>Grinder</mark> burrs"
    assert hit["tags"] == ["coffee"] and hit["community"] is None
    assert threads["results"][0]["community"] == {"slug": community.slug, "name": "Home espresso"}
    assert threads["results"][0]["id"] == thread.pk


# The list of recent posts ---------------------------------------------------------------------


def test_recent_posts_newest_first_visible_only_and_filtered(client):
    espresso = CommunityFactory(name="Home espresso")
    private = CommunityFactory(name="Secret", visibility=Community.Visibility.PRIVATE)
    older = PostFactory(title="Older post", tags=[TagFactory(name="coffee")])
    newer = PostFactory(title="Newer post")
    PlacementFactory(post=older, community=espresso)
    PlacementFactory(post=newer, community=private)
    PostFactory(title="Kept private", status=Post.Status.HIDDEN)
    PostFactory(title="Removed", moderation_status=ContentStatus.REMOVED)

    everything = client.get(POSTS)
    by_tag = client.get(POSTS, {"tag": "coffee"})
    by_community = client.get(POSTS, {"community": espresso.slug})
    by_private = client.get(POSTS, {"community": private.slug})

    assert [p.title for p in everything.context["page"].object_list] == ["Newer post", "Older post"]
    assert [p.title for p in by_tag.context["page"].object_list] == ["Older post"]
    assert [p.title for p in by_community.context["page"].object_list] == ["Older post"]
    assert list(by_private.context["page"].object_list) == []
    assert "Secret" not in everything.content.decode()


def test_recent_posts_page_and_query_count(client, django_assert_max_num_queries):
    for i in range(25):
        PostFactory(title=f"Post {i}", tags=[TagFactory()])
    with django_assert_max_num_queries(8):
        first = client.get(POSTS)
    assert len(first.context["page"].object_list) == 20
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert len(client.get(POSTS, {"page": 2}).context["page"].object_list) == 5


def test_the_posts_api_lists_recent_posts_by_community():
    espresso = CommunityFactory(name="Home espresso")
    placed = PostFactory(title="In espresso")
    PlacementFactory(post=placed, community=espresso)
    PostFactory(title="Elsewhere")
    response = api().get("/api/posts/", {"community": espresso.slug})
    assert response.status_code == 200
    assert [post["id"] for post in response.json()["results"]] == [placed.pk]


# The SQLite fallback, on a real SQLite database -------------------------------------------------

SQLITE_CHECK = """
from django.contrib.auth.models import AnonymousUser
from communities import selectors
from communities.models import Community, Membership, Post, Reply, Tag, Thread
from profiles.models import User

ada = User.objects.create(username="ada")
other = User.objects.create(username="other")
Post.objects.create(author=ada, title="Coffee is bitter", body="My new GRINDER is <b>loud</b>.")
Post.objects.create(author=ada, title="Grinder retention", body="Some words.")
Post.objects.create(author=ada, title="Grinder kept private", status="hidden")
tagged = Post.objects.create(author=ada, title="Uneven shots", body="Nothing.")
tagged.tags.add(Tag.objects.create(name="grinder", slug="grinder"))
private = Community.objects.create(name="Private", slug="private", visibility="private")
Membership.objects.create(user=ada, community=private, state="active")
thread = Thread.objects.create(community=private, title="Grinder talk")
Reply.objects.create(thread=thread, body="A grinder message")

posts = selectors.search_results(viewer=other, kind="post", query="grinder")
hits = selectors.search_hits(list(posts), "post", "grinder")
print("POSTS", sorted(h.plain_title for h in hits))
print("SNIPPET", [str(h.snippet) for h in hits if h.plain_title == "Coffee is bitter"][0])
print("TITLE", [str(h.title) for h in hits if h.plain_title == "Grinder retention"][0])
for viewer in (AnonymousUser(), other, ada):
    for kind in ("thread", "reply"):
        found = selectors.search_results(viewer=viewer, kind=kind, query="grinder")
        print(kind.upper(), viewer, found.count())
"""


def test_the_sqlite_fallback_works_on_sqlite(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=root, env=env, check=True, timeout=300)
    done = subprocess.run(
        [*manage, "shell", "-c", SQLITE_CHECK],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "POSTS ['Coffee is bitter', 'Grinder retention', 'Uneven shots']" in lines
    assert "SNIPPET My new <mark>GRINDER</mark> is &lt;b&gt;loud&lt;/b&gt;." in lines
    assert "TITLE <mark>Grinder</mark> retention" in lines
    assert "THREAD AnonymousUser 0" in lines and "REPLY other 0" in lines
    assert "THREAD ada 1" in lines and "REPLY ada 1" in lines
