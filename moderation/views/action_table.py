"""The one table of moderation actions the review queues carry out: for each, by the name in its
address, who may do it (checked first), the form that parses its input, and what it does (one
service call, then what was done in words for the moderator).

Every action is offered on a community's queue (``/communities/<slug>/moderation/<name>/``);
those marked ``on_site`` also on the site's queue (``/moderation/<name>/``, staff), where they act
in no community (``community`` is None). Adding an action is adding one entry to ACTIONS and
its form to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse

from communities.models import Community, Reply, Thread
from matching.models import MatcherSuggestion
from moderation import services
from moderation.forms import (
    ActionForm,
    AreaMoveForm,
    BanForm,
    CharterForm,
    DecideForm,
    JoinPolicyForm,
    MergeForm,
    OptionalReasonForm,
    PersonForm,
    PersonWithReasonForm,
    PinForm,
    PostChoiceForm,
    PostMoveForm,
    PostRemoveForm,
    ProposedCommunityForm,
    ReasonForm,
    ReplyForm,
    SplitForm,
    SuggestionForm,
    ThreadForm,
)
from moderation.models import Report
from moderation.permissions import (
    check_moderate_content,
    check_move_community_area,
    check_own_community,
    check_set_join_policy,
)
from profiles.models import User

Data = dict[str, Any]


def _queue_url(community: Community) -> str:
    return reverse("moderation:queue", kwargs={"slug": community.slug})


@dataclass(frozen=True)
class QueueAction:
    """One action of the review queues.

    ``carry_out(actor, community, data)`` calls one service with the form's cleaned data and
    returns what was done, in words; a ValidationError from the service is shown to the
    moderator and nothing is changed. ``check(user, community)`` runs before the form is read,
    so outsiders learn nothing from its errors. ``back`` is where the form came from (the
    community's queue unless said), ``done`` where to go once it is done (``back`` unless said).
    """

    form: type[ActionForm]
    carry_out: Callable[..., str]
    check: Callable[..., None] = check_moderate_content
    on_site: bool = False
    back: Callable[[Community], str] = _queue_url
    done: Callable[[Community, Data], str] | None = None


# -- people --------------------------------------------------------------------------------------


def _on_person(service: Callable[..., object], done: str, *fields: str) -> Callable[..., str]:
    """An action on the person the form names: ``service`` is called with them, the reason and
    these other ``fields`` of the form; ``done`` says what became of them ({name})."""

    def carry_out(actor: User, community: Community, data: Data) -> str:
        person = data["username"]
        extra = {field: data[field] for field in fields}
        service(actor=actor, community=community, user=person, reason=data["reason"], **extra)
        return done.format(name=person.username)

    return carry_out


# -- content -------------------------------------------------------------------------------------


def _remove_post(actor: User, community: Community | None, data: Data) -> str:
    services.post_remove(actor=actor, community=community, post=data["post"], reason=data["reason"])
    if community is None:
        return "The post is removed everywhere."
    return "The post was removed from this community; its author was told why."


def _restore_post(actor: User, community: Community | None, data: Data) -> str:
    services.post_restore(
        actor=actor, community=community, post=data["post"], reason=data["reason"]
    )
    return "The post shows again." if community is None else "The post is back in this community."


def _move_post(actor: User, community: Community, data: Data) -> str:
    services.post_move(
        actor=actor,
        post=data["post"],
        source=community,
        destination=data["destination"],
        reason=data["reason"],
    )
    return f"The post moved to {data['destination'].name}."


def _pin_post(actor: User, community: Community, data: Data) -> str:
    services.placement_pin(
        actor=actor, community=community, post=data["post"], pinned=data["pinned"]
    )
    return "Pinned." if data["pinned"] else "Unpinned."


def _thread_of(community: Community, data: Data) -> Thread:
    return get_object_or_404(Thread, pk=data["thread"], community=community)


def _lock_thread(actor: User, community: Community, data: Data) -> str:
    thread = _thread_of(community, data)
    services.thread_lock(actor=actor, thread=thread, locked=data["value"], reason=data["reason"])
    return "The discussion is locked." if data["value"] else "The discussion is open again."


def _pin_thread(actor: User, community: Community, data: Data) -> str:
    thread = _thread_of(community, data)
    services.thread_pin(actor=actor, thread=thread, pinned=data["value"], reason=data["reason"])
    return "Pinned." if data["value"] else "Unpinned."


def _remove_thread(actor: User, community: Community, data: Data) -> str:
    thread = _thread_of(community, data)
    if data["value"]:
        services.thread_remove(actor=actor, thread=thread, reason=data["reason"])
        return "The discussion was removed."
    services.thread_restore(actor=actor, thread=thread, reason=data["reason"])
    return "The discussion is back."


def _reply_of(community: Community, data: Data) -> Reply:
    return get_object_or_404(Reply, pk=data["reply"], thread__community=community)


def _remove_reply(actor: User, community: Community, data: Data) -> str:
    services.reply_remove(actor=actor, reply=_reply_of(community, data), reason=data["reason"])
    return "The reply was removed."


def _restore_reply(actor: User, community: Community, data: Data) -> str:
    services.reply_restore(actor=actor, reply=_reply_of(community, data), reason=data["reason"])
    return "The reply is back."


# -- the community itself ------------------------------------------------------------------------


def _edit_charter(actor: User, community: Community, data: Data) -> str:
    services.community_charter_edit(
        actor=actor,
        community=community,
        name=data["name"],
        purpose=data["purpose"],
        rules=data["rules"],
        tags=data["tags"],
        reason=data["reason"],
    )
    return "The charter was updated."


def _set_join_policy(actor: User, community: Community, data: Data) -> str:
    services.community_join_policy_set(
        actor=actor, community=community, join_policy=data["join_policy"], reason=data["reason"]
    )
    return "How people join is changed."


def _merge(actor: User, community: Community, data: Data) -> str:
    services.community_merge(
        actor=actor, source=community, target=data["into"], reason=data["reason"]
    )
    return f"{community.name} was merged into {data['into'].name}."


def _merged_queue_url(community: Community, data: Data) -> str:
    return _queue_url(data["into"])


def _split(actor: User, community: Community, data: Data) -> str:
    new = services.community_split(
        actor=actor,
        community=community,
        post_ids=data["posts"],
        name=data["name"],
        reason=data["reason"],
    )
    return f"The new community {new.name} has {len(data['posts'])} posts."


def _move_area(actor: User, community: Community, data: Data) -> str:
    moved = services.community_area_move(
        actor=actor,
        community=community,
        area=data["area"],
        new_area_name=data["new_area"],
        reason=data["reason"],
    )
    if moved.area is None:
        return f"{community.name} is now in no area."
    return f"{community.name} is now in the area {moved.area.name}."


def _archive(actor: User, community: Community, data: Data) -> str:
    services.community_archive(actor=actor, community=community, reason=data["reason"])
    return f"{community.name} is archived."


def _decide_proposed_community(actor: User, community: Community, data: Data) -> str:
    if data["decision"] == "approve":
        services.proposed_community_approve(
            actor=actor, community=community, name=data["name"] or None, reason=data["reason"]
        )
        return f"{community.name} is active."
    services.proposed_community_reject(actor=actor, community=community, reason=data["reason"])
    return f"{community.name} was turned down."


# -- reports and the matcher ---------------------------------------------------------------------


def _decide_report(actor: User, community: Community | None, data: Data) -> str:
    # Staff decide any report from the site's queue; a community's queue, only its own.
    reports = Report.objects.all() if community is None else community.reports.all()
    report = get_object_or_404(reports, pk=data["report"])
    uphold = data["decision"] == "uphold"
    services.report_decide(actor=actor, report=report, uphold=uphold, reason=data["reason"])
    return "Report upheld." if uphold else "Report dismissed."


def _decide_suggestion(actor: User, community: Community, data: Data) -> str:
    suggestion = get_object_or_404(MatcherSuggestion, pk=data["suggestion"], community=community)
    if data["decision"] == "accept":
        services.matcher_suggestion_accept(
            actor=actor, suggestion=suggestion, name=data["name"], reason=data["reason"]
        )
        return "The suggestion was carried out."
    services.matcher_suggestion_decline(actor=actor, suggestion=suggestion, reason=data["reason"])
    return "The suggestion was declined."


def _start_match_run(actor: User, community: Community | None, data: Data) -> str:
    run = services.match_run_start(actor=actor, community=community)
    return f"Match run #{run.pk} is under way."


ACTIONS: dict[str, QueueAction] = {
    "approve-join": QueueAction(
        PersonForm, _on_person(services.membership_request_approve, "{name} is now a member.")
    ),
    "reject-join": QueueAction(
        PersonWithReasonForm,
        _on_person(services.membership_request_reject, "You declined {name}'s request."),
    ),
    "ban": QueueAction(BanForm, _on_person(services.membership_ban, "{name} is banned.", "until")),
    "unban": QueueAction(
        PersonForm, _on_person(services.membership_unban, "{name}'s ban is lifted.")
    ),
    "appoint": QueueAction(
        PersonForm,
        _on_person(services.moderator_appoint, "{name} is now a moderator."),
        check=check_own_community,
    ),
    "remove-moderator": QueueAction(
        PersonForm,
        _on_person(services.moderator_remove, "{name} is no longer a moderator."),
        check=check_own_community,
    ),
    "remove-post": QueueAction(PostRemoveForm, _remove_post, on_site=True),
    "restore-post": QueueAction(PostChoiceForm, _restore_post, on_site=True),
    "move-post": QueueAction(PostMoveForm, _move_post),
    "pin-post": QueueAction(PinForm, _pin_post),
    "lock-thread": QueueAction(ThreadForm, _lock_thread),
    "pin-thread": QueueAction(ThreadForm, _pin_thread),
    "remove-thread": QueueAction(ThreadForm, _remove_thread),
    "remove-reply": QueueAction(ReplyForm, _remove_reply),
    "restore-reply": QueueAction(ReplyForm, _restore_reply),
    "charter": QueueAction(CharterForm, _edit_charter),
    "join-policy": QueueAction(
        # Changed on the community's own page, and back there.
        JoinPolicyForm,
        _set_join_policy,
        check=check_set_join_policy,
        back=Community.get_absolute_url,
    ),
    "merge": QueueAction(MergeForm, _merge, done=_merged_queue_url),
    "split": QueueAction(SplitForm, _split),
    "move-area": QueueAction(AreaMoveForm, _move_area, check=check_move_community_area),
    "archive": QueueAction(ReasonForm, _archive),
    "proposed-community": QueueAction(ProposedCommunityForm, _decide_proposed_community),
    "decide": QueueAction(DecideForm, _decide_report, on_site=True),
    "suggestion": QueueAction(SuggestionForm, _decide_suggestion),
    "match-run": QueueAction(OptionalReasonForm, _start_match_run, on_site=True),
}
