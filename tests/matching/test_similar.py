"""similar_to_text: the live panel of the post form, on the current fitted matcher."""

import time

import pytest
from django.urls import reverse

from communities.models import Community, Membership, Post
from matching import services
from matching.models import CommunityFit, MatchRun, PeerSuggestion
from profiles.models import Profile
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BREAD = "sourdough bread dough will not rise"


def run_now() -> MatchRun:
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    result = services.match_run_execute(run_id=run.pk)
    assert result is not None and result.status == MatchRun.Status.SUCCEEDED
    return result


def test_before_the_first_run_it_finds_nothing_and_says_it_is_not_ready():
    found = services.similar_to_text(viewer=UserFactory(), title=BREAD, body="", tags=[], k=5)
    assert not found.ready and found.posts == [] and found.communities == []


def test_it_finds_similar_posts_and_fitting_communities_while_typing(topic_posts):
    truth = topic_posts(sentences=True)
    run_now()
    viewer = UserFactory()
    started = time.monotonic()
    found = services.similar_to_text(
        viewer=viewer, title=BREAD, body="my starter and flour", tags=["baking"], k=5
    )
    assert time.monotonic() - started < 1.0
    assert found.ready and len(found.posts) == 5
    assert all(truth[item.post.pk] == "baking" for item in found.posts), [
        item.post.title for item in found.posts
    ]
    assert all(item.reason for item in found.posts)
    assert found.communities, "the baking community fits"
    baking = found.communities[0].community.placements.values_list("post_id", flat=True)
    assert baking and all(truth[pk] == "baking" for pk in baking)
    assert all(c.community.status != Community.Status.ARCHIVED for c in found.communities)
    nothing = services.similar_to_text(viewer=viewer, title="  ", body="", tags=[], k=5)
    assert nothing.ready and nothing.posts == [] and nothing.communities == []


def test_it_follows_the_visibility_rules_of_peers(topic_posts):
    truth = topic_posts()
    run_now()
    baking = [pk for pk, topic in truth.items() if topic == "baking"]
    posts = Post.objects.filter(pk__in=baking).select_related("author")
    viewer = posts[0].author  # their own posts are never suggested to them
    shy = posts[1].author
    Profile.objects.filter(user=shy).update(discoverable=False)
    Post.objects.filter(pk=posts[2].pk).update(status=Post.Status.SOLVED)
    gone = posts[3].author
    gone.is_active = False
    gone.save()
    hidden_from = {viewer.pk, shy.pk, gone.pk}

    found = services.similar_to_text(viewer=viewer, title=BREAD, body="", tags=["baking"], k=20)
    assert found.posts
    for item in found.posts:
        assert item.post.author_id not in hidden_from
        assert item.post.status == Post.Status.OPEN and item.post.pk != posts[2].pk


def test_communities_the_viewer_may_not_see_are_left_out(topic_posts):
    topic_posts(sentences=True)
    run_now()
    outsider = UserFactory()
    found = services.similar_to_text(viewer=outsider, title=BREAD, body="", tags=["baking"], k=3)
    fitting = found.communities[0].community
    Community.objects.filter(pk=fitting.pk).update(visibility=Community.Visibility.PRIVATE)
    again = services.similar_to_text(viewer=outsider, title=BREAD, body="", tags=["baking"], k=3)
    assert fitting.pk not in {c.community.pk for c in again.communities}
    member = UserFactory()
    Membership.objects.create(user=member, community=fitting, state=Membership.State.ACTIVE)
    theirs = services.similar_to_text(viewer=member, title=BREAD, body="", tags=["baking"], k=3)
    assert fitting.pk in {c.community.pk for c in theirs.communities}


def test_the_live_panel_shows_them(topic_posts, client):
    topic_posts()
    run_now()
    client.force_login(UserFactory())
    page = client.get(
        "/posts/similar/", {"title": BREAD, "body": "", "tags": "baking"}
    ).content.decode()
    assert "Similar posts" in page and "Communities that fit" in page
    assert page.count("<li>") >= 2


def test_an_unrelated_draft_and_post_get_honest_empty_states_not_noise(topic_posts, client):
    """Peers or honesty: nothing below the noise floor is shown, stored or served."""
    topic_posts()
    run_now()
    knitting = "chunky cable cardigan needles skein gauge for a crochet blanket"
    panel = client.get(
        reverse("communities:post-similar"), {"title": knitting, "tags": "knitting"}
    ).content.decode()
    # Signed out, nobody will be told anything: the panel promises nothing.
    assert "Nobody yet." in panel and "we will tell you" not in panel
    assert "No community fits this yet" in panel

    author = UserFactory(username="knitter")
    post = Post.objects.create(author=author, title=knitting, body="Which yarn weight?")
    services.post_match(post_id=post.pk)
    assert not PeerSuggestion.objects.filter(post=post).exists()
    assert not CommunityFit.objects.filter(post=post).exists()
    client.force_login(author)
    assert client.get(f"/api/posts/{post.pk}/peers/").json() == []
    page = client.get(reverse("communities:post-matches", args=[post.pk])).content.decode()
    assert "Nobody yet: we will tell you when someone posts the same thing." in page
    assert "No community fits this post" in page
    # Every stored peer of the corpus beats chance and says what it shares.
    assert not PeerSuggestion.objects.filter(score__lte=0).exists()
    assert not PeerSuggestion.objects.filter(reason="similar wording").exists()
