"""The server-rendered pages, through Django's test client: they answer, the header tells a
visitor whether they are signed in, and what people write is shown as text, never as markup."""

import pytest
from django.urls import reverse

from tests.communities.factories import CommunityFactory, PostFactory, TagFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
TAG_XSS = "<script>alert(2)</script>"  # tag names hold 50 characters


@pytest.fixture
def community():
    return CommunityFactory(
        name="Quiet heat pumps",
        slug="quiet-heat-pumps",
        purpose="Making heat pumps quiet enough for terraced streets.",
        tags=[TagFactory(name="heat pumps")],
    )


@pytest.fixture
def member():
    user = UserFactory(username="ada")
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    return user


def page_urls(community, post, member):
    return [
        reverse("home"),
        reverse("communities:list"),
        reverse("communities:detail", kwargs={"slug": community.slug}),
        reverse("communities:post-detail", kwargs={"pk": post.pk}),
        reverse("profiles:detail", kwargs={"username": member.username}),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("api-docs"),
    ]


def test_every_page_answers_for_a_visitor(client, community, member):
    post = PostFactory(author=member)
    for url in page_urls(community, post, member):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:500])


def test_every_page_answers_for_a_member(client, community, member):
    post = PostFactory(author=member)
    client.force_login(member)
    for url in page_urls(community, post, member):
        if url in (reverse("account_login"), reverse("account_signup")):
            continue  # allauth sends signed-in people away from these
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:500])


def test_account_management_pages_use_our_layout(client, member):
    client.force_login(member)
    for name in ["account_email", "account_change_password", "account_logout"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.content[:500])
        html = response.content.decode()
        assert '<main id="main" tabindex="-1" class="page page--narrow page--manage">' in html
        assert "Ada Lovelace" in html  # our header, not allauth's bare menu
        assert "Menu:" not in html


def test_pages_share_the_base_layout_with_landmarks(client, community):
    for url in [reverse("home"), reverse("communities:list"), reverse("account_login")]:
        html = client.get(url).content.decode()
        assert html.index('class="skip-link" href="#main"') < html.index("<header")
        assert '<nav class="site-nav" aria-label="Main">' in html
        assert '<main id="main"' in html
        assert "<footer" in html
        assert "/static/css/kindred.css" in html
        assert "/static/js/htmx.min.js" in html


def test_header_offers_log_in_and_sign_up_to_a_visitor(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account_login")}"' in html
    assert f'href="{reverse("account_signup")}"' in html
    assert "Log out" not in html


def test_header_shows_the_members_name_and_log_out(client, member):
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert "Ada Lovelace" in html
    assert f'action="{reverse("account_logout")}"' in html
    assert "Log out" in html
    assert f'href="{reverse("account_login")}"' not in html
    assert "Admin" not in html


def test_header_links_staff_to_the_admin(client):
    client.force_login(UserFactory(is_staff=True))
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in html


def test_allauth_pages_use_our_layout_with_labelled_fields(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "<title>" in html and "Kindred</title>" in html
    assert '<main id="main"' in html
    for field in ("email", "username", "password1", "password2"):
        assert f'<label for="id_{field}">' in html, field


def test_failed_login_shows_the_error_next_to_the_form(client, member):
    response = client.post(
        reverse("account_login"), {"login": "ada", "password": "not-the-password"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "not correct" in html


def test_community_name_and_purpose_render_inert(client):
    community = CommunityFactory(name=XSS, slug="xss", purpose=XSS, tags=[TagFactory(name=TAG_XSS)])
    for url in [reverse("communities:list"), community.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html
        assert "<script>alert(2)" not in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_post_and_display_name_render_inert(client, member):
    member.profile.display_name = XSS
    member.profile.bio = XSS
    member.profile.save()
    post = PostFactory(author=member, title=XSS, body=XSS)
    client.force_login(member)
    for url in [post.get_absolute_url(), reverse("profiles:detail", args=[member.username])]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_a_community_with_a_unicode_slug_keeps_the_directory_working(client):
    community = CommunityFactory(name="Repair cafés", slug="repair-cafés")
    assert client.get(reverse("communities:list")).status_code == 200
    assert client.get(community.get_absolute_url()).status_code == 200


def test_a_missing_page_is_a_friendly_404_in_our_layout(client):
    response = client.get("/communities/no-such-community/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert '<main id="main"' in html


def test_sign_up_errors_are_tied_to_their_fields(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "grace@example.org",
            "username": "grace",
            "password1": "correct-horse-battery",
            "password2": "a-different-password",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_password2_error"' in html
    assert 'id="id_password2_error"' in html
    assert "You must type the same password each time." in html
