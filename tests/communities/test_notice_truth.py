"""Every page tells the truth about who is notified, by the people's settings."""

import pytest
from django.urls import reverse

from communities.models import Post
from profiles.models import Profile
from tests.communities.factories import PostFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

PEERS_PROMISE = "we will tell you when someone posts the same thing"


@pytest.fixture
def post():
    return PostFactory(author=UserFactory(first_name="Nadia"), match_state=Post.MatchState.MATCHED)


def _settings(user, **fields):
    Profile.objects.filter(user=user).update(**fields)


def test_a_visitor_is_told_the_author_hears_of_their_reply_only_when_true(client, post):
    client.force_login(UserFactory())
    html = client.get(post.get_absolute_url()).content.decode()
    assert f"{post.author.public_name} is notified of your reply." in html
    assert PEERS_PROMISE not in html  # a visitor is told nothing about the author's peers

    _settings(post.author, notify_replies=False)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "is notified of your reply" not in html
    assert "has turned off notices of replies" in html


def test_the_authors_own_page_promises_peers_only_when_their_settings_do(client, post):
    client.force_login(post.author)
    html = client.get(post.get_absolute_url()).content.decode()
    assert PEERS_PROMISE in html
    assert "Only you can reply here" not in html

    _settings(post.author, notify_peers=False, discoverable=False)
    html = client.get(post.get_absolute_url()).content.decode()
    assert PEERS_PROMISE not in html
    assert "Notices of new peers are off" in html
    assert "do not see this post as a peer" in html
    assert "Only you can reply here" in html
    home = client.get(reverse("home")).content.decode()
    assert "We will tell you when someone posts about this" not in home
