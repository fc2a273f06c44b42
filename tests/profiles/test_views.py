"""Profile, settings and notification pages, through Django's test client."""

import re

import pytest
from django.urls import reverse

from communities.models import Post
from profiles.models import Notification, Profile
from profiles.services import notify
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory, TagFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def ada():
    return UserFactory(username="ada")


def settings_data(**overrides):
    data = {
        "display_name": "Ada Lovelace",
        "bio": "Engines and looms.",
        "interests": "Clay Soil, compost",
        "discoverable": "on",
        "email_frequency": "immediately",
        "notify_invitations": "on",
        "notify_replies": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_need_an_account(client):
    response = client.get(reverse("profiles:settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_settings_show_the_current_values(client, ada):
    Profile.objects.filter(user=ada).update(display_name="Ada", email_frequency="never")
    ada.profile.interests.set([TagFactory(name="looms")])
    client.force_login(ada)
    page = html(client.get(reverse("profiles:settings")))
    assert 'value="Ada"' in page and 'value="looms"' in page
    assert re.search(r'value="never"[^>]*checked', page)
    assert not re.search(r'value="daily"[^>]*checked', page)
    assert "Let others find me by my posts" in page


def test_saving_settings_changes_the_profile(client, ada):
    client.force_login(ada)
    response = client.post(reverse("profiles:settings"), settings_data(), follow=True)
    assert "Your settings are saved." in html(response)
    profile = Profile.objects.get(user=ada)
    assert profile.display_name == "Ada Lovelace" and profile.bio == "Engines and looms."
    assert sorted(profile.interests.values_list("slug", flat=True)) == ["clay-soil", "compost"]
    assert profile.discoverable and profile.email_frequency == "immediately"
    assert profile.notify_invitations and profile.notify_replies
    assert not profile.notify_peers and not profile.notify_proposals  # unticked boxes
    client.post(reverse("profiles:settings"), settings_data(discoverable=None))
    assert not Profile.objects.get(user=ada).discoverable


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": "x" * 81}, "at most 80 characters"),
        ({"email_frequency": "hourly"}, "Select a valid choice"),
        ({"interests": ",".join(f"t{i}" for i in range(9))}, "at most 8 tags"),
        ({"bio": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_settings_say_what_is_wrong_and_save_nothing(client, ada, overrides, message):
    client.force_login(ada)
    response = client.post(reverse("profiles:settings"), settings_data(**overrides))
    assert response.status_code == 200
    page = html(response)
    assert message in page and 'role="alert"' in page and 'aria-invalid="true"' in page
    assert Profile.objects.get(user=ada).display_name == ada.profile.display_name


def test_a_profile_shows_interests_open_posts_and_communities(client, ada):
    Profile.objects.filter(user=ada).update(display_name="Ada Lovelace", bio="Looms")
    ada.profile.interests.set([TagFactory(name="looms")])
    PostFactory(author=ada, title="Punched cards keep jamming")
    PostFactory(author=ada, title="Solved already", status=Post.Status.SOLVED)
    MembershipFactory(user=ada, community=CommunityFactory(name="Loom builders"))
    MembershipFactory(
        user=ada, community=CommunityFactory(name="Private one", visibility="private")
    )
    page = html(client.get(reverse("profiles:detail", args=["ada"])))
    assert "Ada Lovelace" in page and "Looms" in page and "looms" in page
    assert "Punched cards keep jamming" in page and "Solved already" not in page
    assert "Loom builders" in page and "Private one" not in page
    assert client.get(reverse("profiles:detail", args=["nobody"])).status_code == 404


def test_the_header_counts_unread_notifications_with_one_query(
    client, ada, django_assert_num_queries
):
    client.force_login(ada)
    assert "count-badge" not in html(client.get(reverse("home")))
    for i in range(3):
        notify(user=ada, kind=Notification.Kind.NEW_PEER, title=f"Peer {i}")
    page = html(client.get(reverse("home")))
    assert '<span class="count-badge">3<span class="visually-hidden"> unread</span>' in page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    counts = [q["sql"] for q in queries if 'FROM "profiles_notification"' in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0]


def test_the_notification_list_marks_one_or_all_read(client, ada):
    other = UserFactory()
    notify(user=other, kind="reply", title="Not for Ada")
    first = notify(user=ada, kind="reply", title="Grace replied", url="/posts/1/")
    notify(user=ada, kind="invitation", title="You are invited")
    client.force_login(ada)
    page = html(client.get(reverse("profiles:notifications")))
    assert "Grace replied" in page and "You are invited" in page and "Not for Ada" not in page
    open_first = reverse("profiles:notification-open", args=[first.pk])
    assert f'href="{open_first}"' in page and page.count("notification--unread") == 2

    client.post(reverse("profiles:notifications-read"), {"id": first.pk})
    assert Notification.objects.get(pk=first.pk).read_at is not None
    page = html(client.get(reverse("profiles:notifications")))
    assert page.count("notification--unread") == 1
    response = client.post(reverse("profiles:notifications-read"), follow=True)
    assert "Marked 1 notification read." in html(response)
    assert not Notification.objects.filter(user=ada, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()
    assert client.get(reverse("profiles:notifications-read")).status_code == 405


def test_opening_a_notification_reads_it_and_shows_its_page(client, ada):
    reply = notify(user=ada, kind="reply", title="Grace replied", url="/posts/1/")
    bare = notify(user=ada, kind="reply", title="Something happened")
    elsewhere = notify(user=ada, kind="reply", title="Odd", url="https://evil.example/")
    others = notify(user=UserFactory(), kind="reply", title="Not Ada's", url="/posts/2/")
    client.force_login(ada)

    response = client.get(reverse("profiles:notification-open", args=[reply.pk]))
    assert response.status_code == 302 and response["Location"] == "/posts/1/"
    assert Notification.objects.get(pk=reply.pk).read_at is not None
    response = client.get(reverse("profiles:notification-open", args=[bare.pk]))
    assert response["Location"] == reverse("profiles:notifications")
    response = client.get(reverse("profiles:notification-open", args=[elsewhere.pk]))
    assert response["Location"] == reverse("profiles:notifications")
    assert client.get(reverse("profiles:notification-open", args=[others.pk])).status_code == 404
    assert Notification.objects.get(pk=others.pk).read_at is None


def test_the_notification_list_runs_a_fixed_number_of_queries(
    client, ada, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = UserFactory()
    client.force_login(ada)
    notify(user=ada, kind="reply", title="one", actor=actor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("profiles:notifications"))
    for i in range(25):
        notify(user=ada, kind="reply", title=f"n{i}", actor=UserFactory())
    with django_assert_max_num_queries(len(few)):
        page = html(client.get(reverse("profiles:notifications")))
    assert "n24" in page
