"""The permission matrix: every moderation action x every role x public and private communities,
through the services, the pages and the API.

Expected answers: the action is allowed; or 403 (the person can see the community but may not
do this); or 404 (the community is private and the person is not in it: a hidden object answers
404, not 403). Pages and the API use the same `rules` predicates, checked inside the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import Client
from rest_framework.test import APIClient

from communities import services as community_services
from communities.models import Area, Community, Membership, Reply, Thread
from communities.permissions import check_moderate_community, check_view_community
from matching.models import MatchConstraint, MatcherSuggestion, MatchRun
from moderation import services as moderation
from moderation.models import Report
from moderation.permissions import check_moderate_site
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.profiles.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "banned", "moderator", "owner", "staff"]
VISIBILITIES = ["public", "private"]
ALLOWED, FORBIDDEN, HIDDEN = "allowed", 403, 404


@dataclass
class World:
    community: Community
    other: Community
    people: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def actor(self, role: str):
        return self.people[role]


def build_world(visibility: str) -> World:
    area = Area.objects.create(name=f"Gardens {visibility}", slug=f"gardens-{visibility}")
    community = CommunityFactory(
        slug=f"garden-{visibility}",
        visibility=visibility,
        join_policy=Community.JoinPolicy.APPROVAL,
        area=area,
    )
    # The area a community moves to holds a live public community, so that every role can see
    # it (an area with none the actor may see is refused as an unknown one).
    elsewhere = Area.objects.create(name=f"Orchards {visibility}", slug=f"orch-{visibility}")
    other = CommunityFactory(slug=f"orchard-{visibility}", area=elsewhere)
    people: dict[str, Any] = {"anonymous": None}
    people["outsider"] = UserFactory(username="outsider")
    people["member"] = MembershipFactory(community=community, user__username="member").user
    people["banned"] = MembershipFactory(
        community=community, user__username="banned", state=Membership.State.BANNED
    ).user
    people["moderator"] = MembershipFactory(
        community=community, user__username="moderator", role=Membership.Role.MODERATOR
    ).user
    people["owner"] = MembershipFactory(
        community=community, user__username="owner", role=Membership.Role.OWNER
    ).user
    people["staff"] = UserFactory(username="staff", is_staff=True)
    # Everyone who may act moderates the other community too, so that moves and merges turn
    # only on the first community's permissions.
    for role in ("outsider", "member", "banned", "moderator", "owner"):
        MembershipFactory(community=other, user=people[role], role=Membership.Role.MODERATOR)
    post = PlacementFactory(community=community, post=PostFactory(title="Clay drains")).post
    removed = PostFactory(title="Off topic")
    MatchConstraint.objects.create(
        kind=MatchConstraint.Kind.KEEP_OUT, post=removed, community=community
    )
    thread = Thread.objects.create(community=community, author=people["member"], title="Mulch?")
    reply = Reply.objects.create(thread=thread, author=people["member"], body="Bark works.")
    objects = {
        "area": area,
        "elsewhere": elsewhere,
        "post": post,
        "removed": removed,
        "thread": thread,
        "reply": reply,
        "requester": MembershipFactory(
            community=community, user__username="requester", state=Membership.State.REQUESTED
        ).user,
        "victim": MembershipFactory(community=community, user__username="victim").user,
        "ex": MembershipFactory(
            community=community, user__username="ex", state=Membership.State.BANNED
        ).user,
        "candidate": MembershipFactory(community=community, user__username="candidate").user,
        "deputy": MembershipFactory(
            community=community, user__username="deputy", role=Membership.Role.MODERATOR
        ).user,
        "report": Report.objects.create(
            reporter=people["member"],
            community=community,
            target_type=_content_type(Thread),
            target_id=thread.pk,
            reason="Rude",
        ),
        "suggestion": MatcherSuggestion.objects.create(
            run=MatchRun.objects.create(status=MatchRun.Status.SUCCEEDED),
            kind=MatcherSuggestion.Kind.SPLIT,
            community=community,
            post_ids=[post.pk],
            reason="Two groups",
        ),
    }
    return World(community=community, other=other, people=people, objects=objects)


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


@dataclass
class Action:
    """One action, as a service call, a page request and an API request."""

    name: str
    service: Callable[[World, Any], Any]
    page: Callable[[World], tuple[str, str, dict]]  # method, path, form data
    api: Callable[[World], tuple[str, str, dict]]
    who: str = "moderators"  # moderators | owners | viewers | reporters | staff | area | authors


def _form(action: str, make: Callable[[World], dict]):
    return lambda w: ("post", f"/communities/{w.community.slug}/moderation/{action}/", make(w))


def _api(path: str, make: Callable[[World], dict]):
    return lambda w: ("post", f"/api/moderation/communities/{w.community.slug}/{path}/", make(w))


def _get_api(path: str):
    return lambda w: ("get", f"/api/moderation/communities/{w.community.slug}/{path}/", {})


ACTIONS = [
    Action(
        "view queue",
        service=lambda w, a: check_moderate_community(a, w.community),
        page=lambda w: ("get", f"/communities/{w.community.slug}/moderation/", {}),
        api=_get_api("join-requests"),
    ),
    Action(
        "view public log",
        service=lambda w, a: check_view_community(a, w.community),
        page=lambda w: ("get", f"/communities/{w.community.slug}/moderation/log/", {}),
        api=_get_api("log"),
        who="viewers",
    ),
    Action(
        "approve join",
        service=lambda w, a: moderation.membership_request_approve(
            actor=a, community=w.community, user=w.objects["requester"]
        ),
        page=_form("approve-join", lambda w: {"username": "requester"}),
        api=_api("join-requests/approve", lambda w: {"user": "requester"}),
    ),
    Action(
        "reject join",
        service=lambda w, a: moderation.membership_request_reject(
            actor=a, community=w.community, user=w.objects["requester"], reason="Full"
        ),
        page=_form("reject-join", lambda w: {"username": "requester", "reason": "Full"}),
        api=_api("join-requests/reject", lambda w: {"user": "requester", "reason": "Full"}),
    ),
    Action(
        "remove post",
        service=lambda w, a: moderation.post_remove(
            actor=a, community=w.community, post=w.objects["post"], reason="Spam"
        ),
        page=_form("remove-post", lambda w: {"post": w.objects["post"].pk, "reason": "Spam"}),
        api=_api("posts/remove", lambda w: {"post": w.objects["post"].pk, "reason": "Spam"}),
    ),
    Action(
        "restore post",
        service=lambda w, a: moderation.post_restore(
            actor=a, community=w.community, post=w.objects["removed"]
        ),
        page=_form("restore-post", lambda w: {"post": w.objects["removed"].pk}),
        api=_api("posts/restore", lambda w: {"post": w.objects["removed"].pk}),
    ),
    Action(
        "move post",
        service=lambda w, a: moderation.post_move(
            actor=a, post=w.objects["post"], source=w.community, destination=w.other, reason="Fit"
        ),
        page=_form(
            "move-post",
            lambda w: {"post": w.objects["post"].pk, "destination": w.other.slug, "reason": "Fit"},
        ),
        api=_api(
            "posts/move",
            lambda w: {"post": w.objects["post"].pk, "destination": w.other.slug, "reason": "Fit"},
        ),
    ),
    Action(
        "pin post",
        service=lambda w, a: moderation.placement_pin(
            actor=a, community=w.community, post=w.objects["post"]
        ),
        page=_form("pin-post", lambda w: {"post": w.objects["post"].pk, "pinned": "on"}),
        api=_api("posts/pin", lambda w: {"post": w.objects["post"].pk, "pinned": True}),
    ),
    Action(
        "lock thread",
        service=lambda w, a: moderation.thread_lock(actor=a, thread=w.objects["thread"]),
        page=_form("lock-thread", lambda w: {"thread": w.objects["thread"].pk, "value": "on"}),
        api=_api("threads/lock", lambda w: {"thread": w.objects["thread"].pk}),
    ),
    Action(
        "pin thread",
        service=lambda w, a: moderation.thread_pin(actor=a, thread=w.objects["thread"]),
        page=_form("pin-thread", lambda w: {"thread": w.objects["thread"].pk, "value": "on"}),
        api=_api("threads/pin", lambda w: {"thread": w.objects["thread"].pk}),
    ),
    Action(
        "remove thread",
        service=lambda w, a: moderation.thread_remove(
            actor=a, thread=w.objects["thread"], reason="Off topic"
        ),
        page=_form(
            "remove-thread",
            lambda w: {"thread": w.objects["thread"].pk, "value": "on", "reason": "Off topic"},
        ),
        api=_api(
            "threads/remove", lambda w: {"thread": w.objects["thread"].pk, "reason": "Off topic"}
        ),
    ),
    Action(
        "remove reply",
        service=lambda w, a: moderation.reply_remove(
            actor=a, reply=w.objects["reply"], reason="Rude"
        ),
        page=_form("remove-reply", lambda w: {"reply": w.objects["reply"].pk, "reason": "Rude"}),
        api=_api("replies/remove", lambda w: {"reply": w.objects["reply"].pk, "reason": "Rude"}),
    ),
    Action(
        "edit charter",
        service=lambda w, a: moderation.community_charter_edit(
            actor=a, community=w.community, name="Clay gardeners"
        ),
        page=_form("charter", lambda w: {"name": "Clay gardeners", "tags": "clay"}),
        api=_api("charter", lambda w: {"name": "Clay gardeners"}),
    ),
    Action(
        "merge",
        service=lambda w, a: moderation.community_merge(
            actor=a, source=w.community, target=w.other, reason="Same people"
        ),
        page=_form("merge", lambda w: {"into": w.other.slug, "reason": "Same people"}),
        api=_api("merge", lambda w: {"into": w.other.slug, "reason": "Same people"}),
    ),
    Action(
        "move to another area",
        service=lambda w, a: moderation.community_area_move(
            actor=a, community=w.community, area=w.objects["elsewhere"], reason="Fits better"
        ),
        page=_form(
            "move-area", lambda w: {"area": w.objects["elsewhere"].pk, "reason": "Fits better"}
        ),
        api=_api("area", lambda w: {"area": w.objects["elsewhere"].slug, "reason": "Fits better"}),
    ),
    Action(
        "rename an area",
        service=lambda w, a: moderation.area_rename(
            actor=a, area=w.objects["area"], name="Kitchen gardens"
        ),
        page=lambda w: (
            "post",
            f"/moderation/areas/{w.objects['area'].slug}/rename/",
            {"name": "Kitchen gardens"},
        ),
        api=lambda w: (
            "post",
            f"/api/moderation/areas/{w.objects['area'].slug}/rename/",
            {"name": "Kitchen gardens"},
        ),
        who="area",
    ),
    Action(
        "split",
        service=lambda w, a: moderation.community_split(
            actor=a,
            community=w.community,
            post_ids=[w.objects["post"].pk],
            name="Drainage",
            reason="Own group",
        ),
        page=_form(
            "split",
            lambda w: {"posts": [w.objects["post"].pk], "name": "Drainage", "reason": "Own group"},
        ),
        api=_api(
            "split",
            lambda w: {"posts": [w.objects["post"].pk], "name": "Drainage", "reason": "Own group"},
        ),
    ),
    Action(
        "archive",
        service=lambda w, a: moderation.community_archive(
            actor=a, community=w.community, reason="Quiet"
        ),
        page=_form("archive", lambda w: {"reason": "Quiet"}),
        api=_api("archive", lambda w: {"reason": "Quiet"}),
    ),
    Action(
        "ban",
        service=lambda w, a: moderation.membership_ban(
            actor=a, community=w.community, user=w.objects["victim"], reason="Spam"
        ),
        page=_form("ban", lambda w: {"username": "victim", "reason": "Spam", "days": "7"}),
        api=_api("bans/add", lambda w: {"user": "victim", "reason": "Spam"}),
    ),
    Action(
        "unban",
        service=lambda w, a: moderation.membership_unban(
            actor=a, community=w.community, user=w.objects["ex"]
        ),
        page=_form("unban", lambda w: {"username": "ex"}),
        api=_api("bans/lift", lambda w: {"user": "ex"}),
    ),
    Action(
        "appoint moderator",
        service=lambda w, a: moderation.moderator_appoint(
            actor=a, community=w.community, user=w.objects["candidate"]
        ),
        page=_form("appoint", lambda w: {"username": "candidate"}),
        api=_api("moderators/appoint", lambda w: {"user": "candidate"}),
        who="owners",
    ),
    Action(
        "remove moderator",
        service=lambda w, a: moderation.moderator_remove(
            actor=a, community=w.community, user=w.objects["deputy"]
        ),
        page=_form("remove-moderator", lambda w: {"username": "deputy"}),
        api=_api("moderators/remove", lambda w: {"user": "deputy"}),
        who="owners",
    ),
    Action(
        "change who can join",
        service=lambda w, a: moderation.community_join_policy_set(
            actor=a, community=w.community, join_policy="invite"
        ),
        page=_form("join-policy", lambda w: {"join_policy": "invite"}),
        api=_api("join-policy", lambda w: {"join_policy": "invite"}),
        who="owners",
    ),
    Action(
        "approve proposal",
        service=lambda w, a: moderation.proposed_community_approve(actor=a, community=w.community),
        page=_form("proposed-community", lambda w: {"decision": "approve"}),
        api=_api("proposed/approve", lambda w: {}),
    ),
    Action(
        "decide report",
        service=lambda w, a: moderation.report_decide(
            actor=a, report=w.objects["report"], uphold=False, reason=""
        ),
        page=_form("decide", lambda w: {"report": w.objects["report"].pk, "decision": "dismiss"}),
        api=lambda w: (
            "post",
            f"/api/reports/{w.objects['report'].pk}/decide/",
            {"decision": "dismiss"},
        ),
    ),
    Action(
        "decline suggestion",
        service=lambda w, a: moderation.matcher_suggestion_decline(
            actor=a, suggestion=w.objects["suggestion"]
        ),
        page=_form(
            "suggestion",
            lambda w: {"suggestion": w.objects["suggestion"].pk, "decision": "decline"},
        ),
        api=lambda w: (
            "post",
            f"/api/matcher-suggestions/{w.objects['suggestion'].pk}/decline/",
            {},
        ),
    ),
    Action(
        "start match run",
        service=lambda w, a: moderation.match_run_start(actor=a, community=w.community),
        page=_form("match-run", lambda w: {}),
        api=_api("match-run", lambda w: {}),
    ),
    Action(
        "view the site queue",
        service=lambda w, a: check_moderate_site(a),
        page=lambda w: ("get", "/moderation/", {}),
        api=lambda w: ("get", "/api/moderation/site/log/", {}),
        who="staff",
    ),
    Action(
        "remove a post everywhere",
        service=lambda w, a: moderation.post_remove(actor=a, post=w.objects["post"], reason="Scam"),
        page=lambda w: (
            "post",
            "/moderation/remove-post/",
            {"post": w.objects["post"].pk, "reason": "Scam"},
        ),
        api=lambda w: (
            "post",
            "/api/moderation/site/posts/remove/",
            {"post": w.objects["post"].pk, "reason": "Scam"},
        ),
        who="staff",
    ),
    # One's own words: the author edits and deletes; moderators remove instead.
    Action(
        "edit own reply",
        service=lambda w, a: community_services.reply_edit(
            actor=a, reply=w.objects["reply"], body="Bark works well."
        ),
        page=lambda w: ("post", f"/replies/{w.objects['reply'].pk}/edit/", {"body": "Bark!"}),
        api=lambda w: (
            "patch",
            f"/api/thread-messages/{w.objects['reply'].pk}/",
            {"body": "Bark works well."},
        ),
        who="authors",
    ),
    Action(
        "delete own reply",
        service=lambda w, a: community_services.reply_delete(actor=a, reply=w.objects["reply"]),
        page=lambda w: ("post", f"/replies/{w.objects['reply'].pk}/delete/", {}),
        api=lambda w: ("delete", f"/api/thread-messages/{w.objects['reply'].pk}/", {}),
        who="authors",
    ),
    Action(
        "rename own thread",
        service=lambda w, a: community_services.thread_edit(
            actor=a, thread=w.objects["thread"], title="Mulch or bark?"
        ),
        page=lambda w: (
            "post",
            f"/communities/{w.community.slug}/threads/{w.objects['thread'].pk}/edit/",
            {"title": "Mulch or bark?"},
        ),
        api=lambda w: (
            "patch",
            f"/api/threads/{w.objects['thread'].pk}/",
            {"title": "Mulch or bark?"},
        ),
        who="authors",
    ),
    Action(
        "delete own thread",
        service=lambda w, a: community_services.thread_delete(actor=a, thread=w.objects["thread"]),
        page=lambda w: (
            "post",
            f"/communities/{w.community.slug}/threads/{w.objects['thread'].pk}/delete/",
            {},
        ),
        api=lambda w: ("delete", f"/api/threads/{w.objects['thread'].pk}/", {}),
        who="authors",
    ),
    Action(
        "report a discussion",
        service=lambda w, a: moderation.report_create(
            reporter=a, target=w.objects["thread"], reason="Rude"
        ),
        page=lambda w: ("post", f"/report/thread/{w.objects['thread'].pk}/", {"reason": "Rude"}),
        api=lambda w: (
            "post",
            "/api/reports/",
            {"target_type": "thread", "target_id": w.objects["thread"].pk, "reason": "Rude"},
        ),
        who="reporters",
    ),
]


def expected(action: Action, role: str, visibility: str):
    if action.who == "staff":  # site-wide: no community to hide, so never 404
        return ALLOWED if role == "staff" else FORBIDDEN
    private = visibility == "private"
    sees = role in ("member", "moderator", "owner", "staff") or not private
    if action.who == "area":  # an area spans communities: its communities' moderators, staff;
        # the area holds only the world's community, so a private one hides it (404)
        if role in ("moderator", "owner", "staff"):
            return ALLOWED
        return FORBIDDEN if sees else HIDDEN
    if not sees:
        return HIDDEN
    if action.who == "viewers":
        return ALLOWED
    if action.who == "authors":  # the thread and its reply are the member's
        return ALLOWED if role == "member" else FORBIDDEN
    if action.who == "reporters":
        return ALLOWED if role in ("outsider", "member", "moderator", "owner", "staff") else 403
    if action.who == "owners":
        return ALLOWED if role in ("owner", "staff") else FORBIDDEN
    return ALLOWED if role in ("moderator", "owner", "staff") else FORBIDDEN


def _through_service(world: World, action: Action, role: str):
    from django.contrib.auth.models import AnonymousUser

    actor = world.actor(role) or AnonymousUser()
    try:
        action.service(world, actor)
    except PermissionDenied:
        return FORBIDDEN
    except Http404:
        return HIDDEN
    return ALLOWED


def _through_page(world: World, action: Action, role: str):
    client = Client()
    if world.actor(role) is not None:
        client.force_login(world.actor(role))
    method, path, data = action.page(world)
    response = getattr(client, method)(path, data)
    if response.status_code in (403, 404):
        return response.status_code
    if role == "anonymous" and response.status_code == 302 and "login" in response["Location"]:
        return FORBIDDEN  # the report form sends visitors to log in first
    assert response.status_code in (200, 302), (response.status_code, response.content[:500])
    problems = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert not problems, [str(m) for m in problems]
    return ALLOWED


def _through_api(world: World, action: Action, role: str):
    client = APIClient()
    if world.actor(role) is not None:
        key = api_token_key(world.actor(role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    method, path, data = action.api(world)
    response = getattr(client, method)(path, data, format="json")
    if response.status_code in (401, 403):
        return FORBIDDEN
    if response.status_code == 404:
        return HIDDEN
    assert response.status_code in (200, 201, 204), (response.status_code, response.content)
    return ALLOWED


CHANNELS = {"service": _through_service, "page": _through_page, "api": _through_api}


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """Both worlds are built once for the module, in a transaction rolled back at its end; each
    test runs in a savepoint inside it (pytest-django's `db`), so every test starts from them."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = {visibility: build_world(visibility) for visibility in VISIBILITIES}
        yield built
        transaction.set_rollback(True)


def _fresh(world: World) -> World:
    """The same rows, read again: a test must not see what an earlier one did in memory."""

    def again(obj):
        return type(obj)._default_manager.get(pk=obj.pk) if obj is not None else None

    return World(
        community=again(world.community),
        other=again(world.other),
        people={role: again(person) for role, person in world.people.items()},
        objects={name: again(obj) for name, obj in world.objects.items()},
    )


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_permission_matrix(worlds, action, role, visibility, channel):
    world = _fresh(worlds[visibility])
    outcome = CHANNELS[channel](world, action, role)
    assert outcome == expected(action, role, visibility)
