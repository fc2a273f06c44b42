"""The community pages through Django's test client: the directory, a community's page, joining,
discussions, proposals and the charter history; what a visitor or member sees and can do."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import CharterRevision, Community, Membership, Proposal, Reply, Thread
from tests.communities.factories import (
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
    TagFactory,
)
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
LIST = reverse("communities:list")


@pytest.fixture
def heat():
    return CommunityFactory(
        name="Quiet heat pumps",
        slug="quiet-heat-pumps",
        purpose="Neighbours comparing enclosures and installers.",
        tags=[TagFactory(name="heat pumps")],
    )


@pytest.fixture
def repair():
    return CommunityFactory(
        name="Repair cafés",
        slug="repair-cafés",
        purpose="Finding fixers and venues for monthly repair events.",
        tags=[TagFactory(name="repair")],
    )


def active_member(community, **kwargs):
    return MembershipFactory(community=community, state=Membership.State.ACTIVE, **kwargs).user


def names_in(response):
    return [c.name for c in response.context["page"].object_list]


# The directory -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("installers", ["Quiet heat pumps"]),  # purpose
        ("heat pump", ["Quiet heat pumps"]),  # name, stemmed
        ("repair", ["Repair cafés"]),  # name and tag
        ("venues fixers", ["Repair cafés"]),  # every word
        ("bicycles", []),
    ],
)
def test_directory_searches_name_purpose_and_tags(client, heat, repair, query, found):
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    assert names_in(response) == found


def test_directory_search_ranks_name_matches_first(client, heat):
    CommunityFactory(name="Garden sheds", purpose="Insulating sheds; heat loss; heat pumps later.")
    response = client.get(LIST, {"q": "heat pumps"})
    assert names_in(response)[0] == "Quiet heat pumps"


def test_directory_filters_by_tag_and_status_and_sorts(client, heat, repair):
    proposed = CommunityFactory(
        name="Bike trailers", status=Community.Status.PROPOSED, activated_at=None
    )
    CommunityFactory(name="Old archive", status=Community.Status.ARCHIVED)
    CommunityFactory(name="Merged away", merged_into=heat)
    for _ in range(3):
        active_member(repair)
    active_member(heat)
    assert sorted(names_in(client.get(LIST))) == sorted(
        ["Quiet heat pumps", "Repair cafés", "Bike trailers"]
    )
    assert names_in(client.get(LIST, {"tag": "repair"})) == ["Repair cafés"]
    assert names_in(client.get(LIST, {"status": "proposed"})) == ["Bike trailers"]
    assert names_in(client.get(LIST, {"sort": "members"}))[:2] == [
        "Repair cafés",
        "Quiet heat pumps",
    ]
    assert names_in(client.get(LIST, {"sort": "newest"}))[0] == proposed.name
    # Nonsense in the query string lists everything rather than failing.
    assert client.get(LIST, {"status": "nope", "sort": "nope", "page": "x"}).status_code == 200


def test_directory_pages_through_results(client):
    for i in range(30):
        CommunityFactory(name=f"Community {i:02}")
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 24
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 6


def test_directory_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)

    def fill(n):
        for i in range(n):
            area = AreaFactory() if i % 2 else None  # a new area for every other community
            community = CommunityFactory(tags=[TagFactory(), TagFactory()], area=area)
            active_member(community)
            PlacementFactory(community=community)
            MembershipFactory(community=community, user=UserFactory(), state="invited")

    fill(3)
    # The page, its count, the counts of members and posts on it, the tags, the areas to filter
    # by, the unread notifications and messages, and the session and user.
    with django_assert_max_num_queries(11) as few:
        assert client.get(LIST, {"q": "community"}).status_code == 200
    fill(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST, {"q": "community"}).status_code == 200


def test_directory_answers_htmx_with_just_the_results(client, heat):
    response = client.get(
        LIST, {"q": "heat"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="directory-results"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "Quiet heat pumps" in html
    assert "HX-Request" in response["Vary"]
    assert response["HX-Push-Url"] == f"{LIST}?q=heat"


def test_directory_card_offers_join_by_policy(client, heat):
    CommunityFactory(name="Approvals", join_policy="approval")
    CommunityFactory(name="Invites", join_policy="invite")
    html = client.get(LIST).content.decode()
    assert "Log in to join" in html  # a visitor
    client.force_login(UserFactory())
    html = client.get(LIST).content.decode()
    assert f'action="{reverse("communities:join", args=["quiet-heat-pumps"])}"' in html
    assert "Request to join" in html and "By invitation only" in html


# Joining -------------------------------------------------------------------------------------


def test_join_without_javascript_returns_to_the_directory(client, heat):
    user = UserFactory()
    client.force_login(user)
    url = reverse("communities:join", args=[heat.slug])
    response = client.post(url, {"next": f"{LIST}?q=heat"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?q=heat"
    assert Membership.objects.get(user=user, community=heat).state == "active"
    # An address elsewhere is not followed.
    assert (
        client.post(url, {"next": "https://evil.example/"})["Location"] == heat.get_absolute_url()
    )


def test_join_with_htmx_swaps_the_button(client, heat):
    client.force_login(UserFactory())
    response = client.post(
        reverse("communities:join", args=[heat.slug]),
        {"next": LIST, "compact": "1"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "You are a member" in html and "You joined Quiet heat pumps." in html


def test_a_visitor_is_sent_to_log_in_to_join(client, heat):
    response = client.post(reverse("communities:join", args=[heat.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Membership.objects.exists()


def test_leave_and_request_to_join(client, heat):
    approval = CommunityFactory(name="Approvals", slug="approvals", join_policy="approval")
    user = active_member(heat)
    client.force_login(user)
    client.post(reverse("communities:leave", args=[heat.slug]))
    assert Membership.objects.get(user=user, community=heat).state == "left"
    client.post(reverse("communities:join", args=[approval.slug]))
    assert Membership.objects.get(user=user, community=approval).state == "requested"
    html = client.get(approval.get_absolute_url()).content.decode()
    assert "You asked to join" in html and "Withdraw request" in html


# A community's page --------------------------------------------------------------------------


def test_community_page_shows_people_posts_threads_and_proposals(client, heat):
    owner = active_member(heat, role=Membership.Role.OWNER)
    member = active_member(heat)
    post = PostFactory(title="Enclosure noise")
    PlacementFactory(community=heat, post=post)
    services.thread_start(author=member, community=heat, title="Which installer?", body="Hi")
    services.proposal_open(author=member, community=heat, kind="name", value="Quieter heat pumps")
    client.force_login(member)
    html = client.get(heat.get_absolute_url()).content.decode()
    for text in (
        owner.public_name,
        member.public_name,
        "Enclosure noise",
        "Which installer?",
        "Quieter heat pumps",
        "Start a thread",
        "Propose a change",
        "Leave",
        "Charter history",
    ):
        assert text in html, text


def test_community_page_runs_a_constant_number_of_queries(
    client, heat, django_assert_max_num_queries
):
    member = active_member(heat)
    client.force_login(member)

    def fill(n):
        for i in range(n):
            active_member(heat)
            active_member(heat, role=Membership.Role.MODERATOR)
            PlacementFactory(community=heat, post=PostFactory(tags=[TagFactory()]))
            thread = services.thread_start(author=member, community=heat, title=f"t{i}", body="b")
            services.thread_reply(author=member, thread=thread, body="r")
            services.proposal_open(author=member, community=heat, kind="name", value=f"N{i}")

    fill(2)
    with django_assert_max_num_queries(16) as few:
        assert client.get(heat.get_absolute_url()).status_code == 200
    fill(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(heat.get_absolute_url()).status_code == 200


def test_matcher_made_community_says_why_it_formed(client):
    community = CommunityFactory(origin="matcher", formed_reason="Five people posted about soil.")
    html = client.get(community.get_absolute_url()).content.decode()
    assert "Why this community formed" in html and "Five people posted about soil." in html


def test_proposed_community_shows_commitment_and_invitation(client, settings):
    settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS = 3
    community = CommunityFactory(status=Community.Status.PROPOSED, activated_at=None)
    active_member(community)
    invited = MembershipFactory(community=community, state=Membership.State.INVITED).user
    client.force_login(invited)
    html = client.get(community.get_absolute_url()).content.decode()
    assert "1 of the 3 people it needs have joined" in html
    assert "You were invited" in html
    assert f'action="{reverse("communities:join", args=[community.slug])}"' in html
    client.post(reverse("communities:join", args=[community.slug]))
    active_member(community)
    community.refresh_from_db()
    assert Membership.objects.get(user=invited, community=community).state == "active"


def test_merged_community_redirects_permanently(client, heat):
    old = CommunityFactory(name="Heat pumps (old)", slug="old-heat", merged_into=heat)
    response = client.get(old.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == heat.get_absolute_url()


def test_private_community_is_a_404_to_outsiders(client):
    private = CommunityFactory(slug="inner", visibility=Community.Visibility.PRIVATE)
    member = active_member(private)
    pages = [
        private.get_absolute_url(),
        reverse("communities:charter-history", args=["inner"]),
        reverse("communities:thread-new", args=["inner"]),
    ]
    client.force_login(UserFactory())
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert "Inner" not in client.get(LIST).content.decode()
    client.force_login(member)
    assert client.get(private.get_absolute_url()).status_code == 200


# Discussions ---------------------------------------------------------------------------------


def test_start_a_thread_and_reply_without_javascript(client, heat):
    member = active_member(heat)
    client.force_login(member)
    response = client.post(
        reverse("communities:thread-new", args=[heat.slug]),
        {"title": "Which installer?", "body": "We had *three* quotes."},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    response = client.post(
        reverse("communities:thread-reply", args=[heat.slug, thread.pk]), {"body": "Go local."}
    )
    reply = Reply.objects.get(body="Go local.")
    assert response["Location"] == f"{thread.get_absolute_url()}#reply-{reply.pk}"
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "<em>three</em>" in html and "Go local." in html


def test_reply_with_htmx_returns_the_messages(client, heat):
    member = active_member(heat)
    thread = services.thread_start(author=member, community=heat, title="t", body="first")
    client.force_login(member)
    url = reverse("communities:thread-reply", args=[heat.slug, thread.pk])
    response = client.post(url, {"body": "second"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.index("first") < html.index("second") and "Reply posted." in html
    empty = client.post(url, {"body": "  "}, HTTP_HX_REQUEST="true").content.decode()
    assert "This field is required." in empty


def test_thread_form_errors_are_shown_next_to_the_fields(client, heat):
    client.force_login(active_member(heat))
    response = client.post(
        reverse("communities:thread-new", args=[heat.slug]), {"title": "", "body": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "This field is required." in html
    assert not Thread.objects.exists()


def test_outsiders_are_told_to_join_before_posting(client, heat):
    client.force_login(UserFactory())
    url = reverse("communities:thread-new", args=[heat.slug])
    assert "Join it first" in client.get(url).content.decode()
    response = client.post(url, {"title": "Hi", "body": "there"})
    assert response.status_code == 403 and "Join it first" in response.content.decode()
    assert not Thread.objects.exists()


def test_locked_thread_offers_no_reply_form(client, heat):
    member = active_member(heat)
    thread = services.thread_start(author=member, community=heat, title="t", body="b")
    Thread.objects.filter(pk=thread.pk).update(locked=True)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "This thread is locked" in html and "Post reply" not in html


# Proposals and the charter -----------------------------------------------------------------


def test_propose_vote_and_read_the_history(client, heat, settings):
    settings.KINDRED_PROPOSAL_QUORUM = 2
    author, other = active_member(heat), active_member(heat)
    client.force_login(author)
    form = client.get(reverse("communities:proposal-new", args=[heat.slug]), {"kind": "purpose"})
    assert heat.purpose in form.content.decode()  # starts from the current text
    response = client.post(
        reverse("communities:proposal-new", args=[heat.slug]),
        {
            "kind": "purpose",
            "value": "Neighbours comparing quiet enclosures.",
            "rationale": "Focus",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == services.proposal_url(proposal)
    page = client.get(response["Location"]).content.decode()
    assert "<ins" in page and "quiet enclosures" in page and "Vote for" in page
    for voter in (author, other):
        client.force_login(voter)
        client.post(
            reverse("communities:proposal-vote", args=[heat.slug, proposal.pk]), {"approve": "yes"}
        )
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert services.proposals_decide() == 1
    heat.refresh_from_db()
    assert heat.purpose == "Neighbours comparing quiet enclosures."
    history = client.get(reverse("communities:charter-history", args=[heat.slug])).content.decode()
    assert "<del" in history and "installers." in history
    assert "<ins" in history and "quiet enclosures." in history


def test_voting_with_htmx_returns_the_current_tally(client, heat):
    member = active_member(heat)
    proposal = services.proposal_open(author=member, community=heat, kind="name", value="Q")
    client.force_login(member)
    url = reverse("communities:proposal-vote", args=[heat.slug, proposal.pk])
    html = client.post(url, {"approve": "no"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and 'id="proposal-votes"' in html
    assert "<strong>0</strong> for · <strong>1</strong> against" in html
    assert "You voted against." in html
    html = client.post(url, {"approve": "maybe"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Choose For or Against." in html


def test_proposal_form_explains_errors(client, heat):
    client.force_login(active_member(heat))
    url = reverse("communities:proposal-new", args=[heat.slug])
    response = client.post(url, {"kind": "name", "value": heat.name})
    assert response.status_code == 400
    assert "That is already its name" in response.content.decode()
    response = client.post(url, {"kind": "merge", "target": "no-such-place"})
    assert "No community has that name or address." in response.content.decode()


# User content renders inert ----------------------------------------------------------------


def test_threads_replies_proposals_and_history_render_inert(client):
    community = CommunityFactory(slug="xss", purpose=f"**bold** {XSS}", rules=XSS)
    member = active_member(community)
    member.profile.display_name = XSS
    member.profile.save()
    thread = services.thread_start(author=member, community=community, title=XSS, body=XSS)
    services.thread_reply(author=member, thread=thread, body=f"[click](javascript:alert(1)) {XSS}")
    proposal = services.proposal_open(
        author=member, community=community, kind="purpose", value=XSS, rationale=XSS
    )
    tags = services.proposal_open(
        author=member, community=community, kind="tags", value=["<b>bold</b>", XSS[:40]]
    )
    CharterRevision.objects.create(community=community, name=XSS, purpose="before", tags=[XSS])
    CharterRevision.objects.create(community=community, name="after", purpose=XSS, tags=[])
    client.force_login(member)
    for url in [
        community.get_absolute_url(),
        thread.get_absolute_url(),
        services.proposal_url(proposal),
        services.proposal_url(tags),
        reverse("communities:charter-history", args=["xss"]),
        LIST,
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "onerror=alert" not in html or "&lt;img" in html, url
        assert "javascript:alert" not in html, url
        assert "<b>bold</b>" not in html, url
    assert "<strong>bold</strong>" in client.get(community.get_absolute_url()).content.decode()


# Who may do what: every action for every standing in a community ---------------------------

ACTIONS = ["start a thread", "reply", "propose", "vote"]
ROLES = ["visitor", "outsider", "invited", "requested", "left", "banned", "member", "moderator"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(heat, action, role):
    starter = active_member(heat)
    thread = services.thread_start(author=starter, community=heat, title="t", body="b")
    proposal = services.proposal_open(author=starter, community=heat, kind="name", value="X")
    if role == "visitor":
        person = AnonymousUser()
    elif role == "outsider":
        person = UserFactory()
    elif role == "moderator":
        person = active_member(heat, role=Membership.Role.MODERATOR)
    elif role == "member":
        person = active_member(heat)
    else:
        person = MembershipFactory(community=heat, state=role).user
    do = {
        "start a thread": lambda: services.thread_start(
            author=person, community=heat, title="t2", body="b"
        ),
        "reply": lambda: services.thread_reply(author=person, thread=thread, body="r"),
        "propose": lambda: services.proposal_open(
            author=person, community=heat, kind="name", value="Y"
        ),
        "vote": lambda: services.proposal_vote(voter=person, proposal=proposal, approve=True),
    }[action]
    if role in ("member", "moderator"):
        assert do() is not None
    else:
        with pytest.raises(PermissionDenied):
            do()
