"""The people side in the browser, through Django's test client: home, writing a post, a post's
page (peers, communities, solved, "not my problem", replies), with what people typed kept inert
and a fixed number of queries however much there is to show."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.models import Community, Membership, Placement, Post, Reply, Thread
from communities.services import post_reply
from matching.models import CommunityFit, MatchConstraint, PeerSuggestion
from profiles.models import Notification, Profile
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
TAG_XSS = "<script>alert(2)</script>"


def html(response) -> str:
    return response.content.decode()


def assert_inert(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x onerror" not in page
    assert "onerror=alert(1)>" not in page


@pytest.fixture
def ada():
    user = UserFactory(username="ada")
    Profile.objects.filter(user=user).update(display_name="Ada Lovelace")
    return user


@pytest.fixture
def grace():
    user = UserFactory(username="grace")
    Profile.objects.filter(user=user).update(display_name="Grace Hopper")
    return user


def matched_post(author, **kwargs):
    return PostFactory(author=author, match_state=Post.MatchState.MATCHED, **kwargs)


# -- writing a post ------------------------------------------------------------------------------


def test_the_post_form_needs_an_account(client):
    response = client.get(reverse("communities:post-new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_posting_creates_the_post_and_shows_its_page(
    client, ada, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    page = html(client.get(reverse("communities:post-new")))
    assert 'name="title"' in page and 'list="tag-options"' in page and "hx-get" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("communities:post-new"),
            {
                "kind": "interest",
                "title": "Heat pumps in terraced houses",
                "body": "Noise is the *problem*.",
                "tags": "Heat Pumps, noise,",
            },
        )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert len(callbacks) == 1  # matching is enqueued once the post is committed
    assert (post.author, post.kind, post.title) == (
        ada,
        "interest",
        "Heat pumps in terraced houses",
    )
    assert sorted(post.tags.values_list("slug", flat=True)) == ["heat-pumps", "noise"]
    page = html(client.get(post.get_absolute_url()))
    assert "<em>problem</em>" in page  # Markdown rendered
    assert "Finding peers" in page and 'hx-trigger="load delay:1s"' in page  # polls while pending


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "kind": "problem"}, "This field is required."),
        ({"title": "x" * 201, "kind": "problem"}, "at most 200 characters"),
        ({"title": "ok", "kind": "rant"}, "Select a valid choice"),
        (
            {"title": "ok", "kind": "problem", "tags": ",".join(f"t{i}" for i in range(9))},
            "at most 8 tags",
        ),
        ({"title": "ok", "kind": "problem", "tags": "x" * 51}, "under 50 characters"),
    ],
)
def test_the_post_form_says_what_is_wrong(client, ada, data, message):
    client.force_login(ada)
    response = client.post(reverse("communities:post-new"), data)
    assert response.status_code == 200
    assert message in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert not Post.objects.exists()


def test_tag_options_complete_the_last_tag_most_used_first(client, ada):
    TagFactory(name="clay soil", usage_count=2)
    TagFactory(name="clay pots", usage_count=9)
    TagFactory(name="compost", usage_count=50)
    client.force_login(ada)
    page = html(client.get(reverse("communities:tag-options"), {"tags": "Compost, cla"}))
    assert page.index("clay pots") < page.index("clay soil")
    assert '<option value="Compost, clay soil">' in page
    assert "compost</option>" not in page  # already chosen, and does not match "cla"
    assert html(client.get(reverse("communities:tag-options"), {"tags": ""})).strip() == ""


def test_tag_options_are_escaped(client, ada):
    TagFactory(name=TAG_XSS, slug="script-alert")
    page = html(client.get(reverse("communities:tag-options"), {"tags": "scr"}))
    assert "&lt;script&gt;" in page
    assert_inert(page)


def test_the_live_panel_before_the_first_match_run_says_so(client, ada):
    client.force_login(ada)
    response = client.get(reverse("communities:post-similar"), {"title": "heat pumps"})
    assert response.status_code == 200
    assert "has not matched any posts yet" in html(response)


# -- a post's page ---------------------------------------------------------------------------------


def test_the_post_page_shows_peers_with_reasons_and_communities(client, ada, grace):
    post = matched_post(ada, title="Quiet heat pumps")
    peer = matched_post(grace, title="Heat pump noise at night")
    PeerSuggestion.objects.create(post=post, peer=peer, score=0.8, reason="shared tags: heat-pumps")
    placed = CommunityFactory(name="Heat pump owners")
    PlacementFactory(post=post, community=placed, reason="About heat pumps")
    fits = CommunityFactory(name="Quiet homes", status=Community.Status.PROPOSED, activated_at=None)
    CommunityFit.objects.create(post=post, community=fits, confidence=0.7, reason="Fits well")
    hidden = CommunityFactory(name="Secret club", visibility=Community.Visibility.PRIVATE)
    CommunityFit.objects.create(post=post, community=hidden, confidence=0.9)

    page = html(client.get(post.get_absolute_url()))
    assert "Heat pump noise at night" in page and "Grace Hopper" in page
    assert "Why: shared tags: heat-pumps" in page
    assert "Heat pump owners" in page and "Quiet homes" in page
    assert "Secret club" not in page
    assert "Not my problem" not in page and "Mark as solved" not in page  # not the author


def test_the_author_marks_a_post_solved_and_open_again(client, ada, grace):
    post = matched_post(ada)
    client.force_login(grace)
    assert (
        client.post(
            reverse("communities:post-status", args=[post.pk]), {"status": "solved"}
        ).status_code
        == 403
    )
    client.force_login(ada)
    assert "Mark as solved" in html(client.get(post.get_absolute_url()))
    response = client.post(
        reverse("communities:post-status", args=[post.pk]), {"status": "solved"}, follow=True
    )
    post.refresh_from_db()
    assert post.status == Post.Status.SOLVED
    assert "Marked as solved" in html(response) and "Open it again" in html(response)
    client.post(reverse("communities:post-status", args=[post.pk]), {"status": "hidden"})
    post.refresh_from_db()
    assert post.status == Post.Status.SOLVED  # only open or solved from this form


def test_the_author_declines_a_community_and_a_peer(client, ada, grace):
    post = matched_post(ada)
    peer = matched_post(grace, title="Someone else entirely")
    suggestion = PeerSuggestion.objects.create(post=post, peer=peer, score=0.5, reason="r")
    community = CommunityFactory(name="Not for me")
    fit = CommunityFit.objects.create(post=post, community=community, confidence=0.6)
    fit_url = reverse("communities:post-fit-decline", args=[post.pk, fit.pk])
    peer_url = reverse("communities:post-peer-decline", args=[post.pk, suggestion.pk])

    client.force_login(grace)
    assert client.post(fit_url).status_code == 403
    assert client.post(peer_url).status_code == 403
    client.force_login(ada)
    page = html(client.get(post.get_absolute_url()))
    assert "Not my problem" in page and "Not relevant" in page
    client.post(fit_url)
    client.post(peer_url)
    assert CommunityFit.objects.get(pk=fit.pk).declined
    assert PeerSuggestion.objects.get(pk=suggestion.pk).declined
    assert MatchConstraint.objects.filter(post=post, community=community, kind="keep_out").exists()
    matches = html(client.get(reverse("communities:post-matches", args=[post.pk])))
    assert "Not for me" not in matches and "Someone else entirely" not in matches


def test_someone_replies_and_the_author_is_notified(client, ada, grace):
    post = matched_post(ada, title="Clay soil drainage")
    client.force_login(grace)
    page = html(client.get(post.get_absolute_url()))
    assert "Reply to Ada Lovelace" in page
    response = client.post(
        reverse("communities:post-reply", args=[post.pk]), {"body": "Try **gypsum**."}
    )
    reply = Reply.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#reply-{reply.pk}")
    assert (reply.post, reply.author) == (post, grace)
    notification = Notification.objects.get(user=ada)
    assert notification.kind == "reply" and "Grace Hopper" in notification.text
    assert notification.url.startswith(post.get_absolute_url())
    assert "<strong>gypsum</strong>" in html(client.get(post.get_absolute_url()))


def test_an_empty_reply_is_refused_with_a_message(client, ada, grace):
    post = matched_post(ada)
    client.force_login(grace)
    response = client.post(reverse("communities:post-reply", args=[post.pk]), {"body": "  "})
    assert response.status_code == 200 and "This field is required." in html(response)
    assert not Reply.objects.exists()


def test_no_replies_from_others_when_the_author_is_not_discoverable(client, ada, grace):
    Profile.objects.filter(user=ada).update(discoverable=False)
    post = matched_post(ada)
    client.force_login(grace)
    page = html(client.get(post.get_absolute_url()))
    assert "does not take replies" in page and 'name="body"' not in page
    assert (
        client.post(reverse("communities:post-reply", args=[post.pk]), {"body": "hi"}).status_code
        == 403
    )
    client.force_login(ada)  # the author can still answer on their own post
    assert (
        client.post(
            reverse("communities:post-reply", args=[post.pk]), {"body": "Update"}
        ).status_code
        == 302
    )
    assert list(Reply.objects.values_list("author__username", flat=True)) == ["ada"]
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("who", "discoverable", "status", "allowed"),
    [
        ("other", True, "open", True),
        ("other", True, "solved", True),
        ("other", False, "open", False),
        ("other", True, "hidden", False),
        ("author", False, "open", True),
        ("author", True, "hidden", True),
    ],
)
def test_who_may_reply_to_a_post(ada, grace, who, discoverable, status, allowed):
    Profile.objects.filter(user=ada).update(discoverable=discoverable)
    post = Post.objects.select_related("author__profile").get(
        pk=PostFactory(author=ada, status=status).pk
    )
    replier = ada if who == "author" else grace
    if allowed:
        assert post_reply(author=replier, post=post, body="Hello").pk
    else:
        with pytest.raises(PermissionDenied):
            post_reply(author=replier, post=post, body="Hello")


def test_an_inactive_account_cannot_reply(ada, grace):
    grace.is_active = False
    grace.save()
    with pytest.raises(PermissionDenied):
        post_reply(author=grace, post=PostFactory(author=ada), body="Hello")
    with pytest.raises(ValidationError):
        post_reply(author=ada, post=PostFactory(author=ada), body="x" * 10001)


def test_what_people_type_renders_inert_everywhere(client, ada, grace):
    Profile.objects.filter(user=grace).update(display_name=XSS[:80], bio=XSS)
    tag = TagFactory(name=TAG_XSS, slug="script-alert-2")
    post = matched_post(ada, title=XSS, body=XSS + "\n\n[click](javascript:alert(1))", tags=[tag])
    peer = matched_post(grace, title=XSS)
    PeerSuggestion.objects.create(post=post, peer=peer, score=0.5, reason=XSS[:500])
    Reply.objects.create(post=post, author=grace, body=XSS)
    community = CommunityFactory(name=XSS[:120], slug="xss-community", formed_reason=XSS)
    MembershipFactory(user=ada, community=community, state=Membership.State.ACTIVE)
    Placement.objects.create(post=peer, community=community, placed_by="matcher")
    invited = CommunityFactory(status="proposed", activated_at=None, formed_reason=XSS)
    MembershipFactory(user=ada, community=invited, state=Membership.State.INVITED)
    Notification.objects.create(user=ada, kind="reply", title=XSS, url="/x/")

    client.force_login(ada)
    for url in [
        post.get_absolute_url(),
        reverse("communities:post-matches", args=[post.pk]),
        reverse("home"),
        reverse("profiles:detail", args=["grace"]),
        reverse("profiles:detail", args=["ada"]),
        reverse("profiles:notifications"),
    ]:
        page = html(client.get(url))
        assert_inert(page)
        assert "javascript:alert" not in page
    page = html(client.get(post.get_absolute_url()))
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in page  # the title, as text


# -- home ------------------------------------------------------------------------------------------


def test_home_for_a_visitor_explains_kindred_and_how_to_start(client):
    CommunityFactory(name="Quiet heat pumps")
    page = html(client.get(reverse("home")))
    assert "Find the people working on what you are working on" in page
    assert "Quiet heat pumps" in page and reverse("account_signup") in page


def test_home_for_a_member_shows_their_world(client, ada, grace):
    mine = CommunityFactory(name="Clay gardeners")
    MembershipFactory(user=ada, community=mine)
    proposed = CommunityFactory(
        name="Rainwater tanks",
        status=Community.Status.PROPOSED,
        activated_at=None,
        formed_reason="Five people posted about storing rainwater.",
    )
    MembershipFactory(user=ada, community=proposed, state=Membership.State.INVITED)
    declined = CommunityFactory(name="Declined one", status="proposed", activated_at=None)
    MembershipFactory(user=ada, community=declined, state=Membership.State.LEFT)
    post = matched_post(ada, title="My clay soil floods")
    peer = matched_post(grace, title="Waterlogged clay beds")
    PeerSuggestion.objects.create(post=post, peer=peer, score=0.9, reason="shared terms: clay")
    news = matched_post(grace, title="Best spade for clay")
    PlacementFactory(post=news, community=mine)
    matched_post(ada, title="An old solved one", status=Post.Status.SOLVED)
    thread = Thread.objects.create(community=mine, author=grace, title="Which spade lasts?")

    client.force_login(ada)
    page = html(client.get(reverse("home")))
    assert "Clay gardeners" in page
    assert "Rainwater tanks" in page and "Five people posted about storing rainwater." in page
    assert "Declined one" not in page
    join = reverse("communities:join", args=[proposed.slug])
    assert (
        f'action="{join}"' in page and 'Join<span class="visually-hidden"> Rainwater tanks' in page
    )
    client.post(join, {"next": "/"})
    assert Membership.objects.get(user=ada, community=proposed).state == Membership.State.ACTIVE
    after = html(client.get(reverse("home")))
    assert "You are invited" not in after  # answered: it is one of my communities now
    assert "Rainwater tanks" in after.split("Your communities")[1]
    assert "My clay soil floods" in page and "Waterlogged clay beds" in page
    assert "shared terms: clay" in page
    assert "Best spade for clay" in page
    assert "An old solved one" not in page
    assert f'<a href="{thread.get_absolute_url()}">Which spade lasts?</a>' in page


def make_world(person, n):
    """n communities, invitations, open posts with peers, and news, around ``person``."""
    for i in range(n):
        community = CommunityFactory(tags=[TagFactory()])
        MembershipFactory(user=person, community=community)
        invited = CommunityFactory(status="proposed", activated_at=None, tags=[TagFactory()])
        MembershipFactory(user=person, community=invited, state=Membership.State.INVITED)
        post = matched_post(person, tags=[TagFactory()])
        for _ in range(2):
            other = matched_post(UserFactory(), tags=[TagFactory()])
            PeerSuggestion.objects.create(post=post, peer=other, score=0.5, reason="r")
            PlacementFactory(post=other, community=community)
        PlacementFactory(post=post, community=community)
        Thread.objects.create(community=community, author=person, title=f"Thread {i}")


@pytest.mark.parametrize("url_name", ["home", "profile", "post"])
def test_pages_run_a_fixed_number_of_queries(client, ada, django_assert_max_num_queries, url_name):
    client.force_login(ada)

    def url():
        if url_name == "home":
            return reverse("home")
        if url_name == "profile":
            return reverse("profiles:detail", args=["ada"])
        return Post.objects.filter(author=ada).earliest("pk").get_absolute_url()

    make_world(ada, 1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url()).status_code == 200
    make_world(ada, 8)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url()).status_code == 200


def test_posts_hidden_by_moderators_take_no_replies_and_leave_the_home_page(client, ada, grace):
    mine = CommunityFactory(name="Clay gardeners")
    MembershipFactory(user=ada, community=mine)
    removed = matched_post(grace, title="Removed by a moderator", moderation_status="hidden")
    PlacementFactory(post=removed, community=mine)
    mine_post = matched_post(ada, title="My own post")
    PeerSuggestion.objects.create(post=mine_post, peer=removed, score=0.9, reason="r")
    with pytest.raises(PermissionDenied):
        post_reply(author=ada, post=removed, body="Hello")
    client.force_login(ada)
    page = html(client.get(reverse("home")))
    assert "My own post" in page and "Removed by a moderator" not in page
