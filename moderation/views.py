"""The moderators' pages: a review queue per community and one for the whole site, the moderation
log (in full for moderators, a public version for everyone else), and a report form.

Each action is a plain form posted to its own address, so everything works without JavaScript;
htmx only polls the progress of a match run. The services check permissions, exactly as for the
API: a private community answers 404 to outsiders, 403 to members who do not moderate it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from communities.models import Area, Community, Reply, Thread
from matching.models import MatcherSuggestion, MatchRun
from matching.services import can_start_runs
from moderation import selectors, services
from moderation.forms import (
    AreaMoveForm,
    AreaRenameForm,
    BanForm,
    CharterForm,
    DecideForm,
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
    ReportForm,
    SplitForm,
    SuggestionForm,
    ThreadForm,
)
from moderation.models import REPORT_TARGETS, Report
from moderation.permissions import (
    check_moderate_community,
    check_moderate_site,
    check_own_community,
    check_rename_area,
    check_view_community,
)
from profiles.models import Message, User

# -- reading -------------------------------------------------------------------------------------


def _community(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def _queue_context(request, community: Community) -> dict:
    placements = selectors.queue_placements(community=community)
    return {
        "community": community,
        "is_owner": request.user.has_perm("moderation.own_community", community),
        "join_requests": selectors.join_request_list(community=community),
        "reports": selectors.reports_with_targets(selectors.report_queue(community=community)),
        "suggestions": selectors.suggestion_queue(community=community),
        "bans": selectors.banned_list(community=community),
        "moderators": selectors.moderator_list(community=community),
        "placements": placements,
        "threads": selectors.queue_threads(community=community),
        "log": selectors.moderation_log(community=community)[:10],
        "run": selectors.match_run_latest(),
        "ban_form": BanForm(auto_id="ban-%s"),
        "charter_form": CharterForm(
            auto_id="charter-%s",
            initial={
                "name": community.name,
                "purpose": community.purpose,
                "rules": community.rules,
                "tags": ", ".join(community.tags.values_list("name", flat=True)),
            },
        ),
        "split_form": SplitForm(post_choices=[(p.post_id, p.post.title) for p in placements]),
        "area_form": AreaMoveForm(auto_id="area-%s", initial={"area": community.area_id}),
    }


@require_GET
def community_queue(request, slug: str):
    """A community's review queue (its moderators and staff)."""
    community = _community(slug)
    check_moderate_community(request.user, community)
    if community.merged_into_id is not None:
        return redirect("moderation:queue", slug=community.merged_into.slug)
    return render(request, "moderation/queue.html", _queue_context(request, community))


@require_GET
def community_log(request, slug: str):
    """The moderation log: private details for moderators, the public version for the rest."""
    community = _community(slug)
    check_view_community(request.user, community)
    if community.merged_into_id is not None:
        return redirect("moderation:log", slug=community.merged_into.slug)
    private = request.user.has_perm("communities.moderate_community", community)
    page = Paginator(selectors.moderation_log(community=community), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "moderation/log.html",
        {"community": community, "page": page, "private": private},
    )


@require_GET
def site_queue(request):
    """The site-wide review queue (staff)."""
    check_moderate_site(request.user)
    return render(
        request,
        "moderation/site_queue.html",
        {
            "reports": selectors.reports_with_targets(selectors.report_queue(community=None)),
            "community_reports": selectors.community_report_count(),
            "proposed": selectors.proposed_community_list()[:50],
            "suggestions": selectors.suggestion_queue(community=None)[:50],
            "log": selectors.moderation_log_site()[:10],
            "run": selectors.match_run_latest(),
        },
    )


@require_GET
def site_log(request):
    check_moderate_site(request.user)
    page = Paginator(selectors.moderation_log_site(), 50).get_page(request.GET.get("page"))
    return render(
        request, "moderation/log.html", {"community": None, "page": page, "private": True}
    )


@require_GET
def run_progress(request, pk: int):
    """The progress of a match run; htmx polls this partial while the run is under way."""
    if not can_start_runs(request.user):
        raise PermissionDenied("Only staff and community moderators can follow match runs.")
    run = get_object_or_404(MatchRun, pk=pk)
    return render(request, "moderation/_run_progress.html", {"run": run})


# -- acting --------------------------------------------------------------------------------------


def _done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


def _invalid(request, form: forms.Form, url: str):
    problems = "; ".join(
        f"{'' if field == '__all__' else field + ': '}{' '.join(errors)}"
        for field, errors in form.errors.items()
    )
    messages.error(request, f"Nothing was changed. {problems}")
    return redirect(url)


def _until(days: str):
    return timezone.now() + timedelta(days=int(days)) if days else None


CommunityAction = Callable[..., str]


def _approve_join(request, community, data):
    services.membership_request_approve(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is now a member."


def _reject_join(request, community, data):
    services.membership_request_reject(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"You declined {data['username'].username}'s request."


def _remove_post(request, community, data):
    services.post_remove(
        actor=request.user, community=community, post=data["post"], reason=data["reason"]
    )
    return "The post was removed from this community; its author was told why."


def _restore_post(request, community, data):
    services.post_restore(
        actor=request.user, community=community, post=data["post"], reason=data["reason"]
    )
    return "The post is back in this community."


def _move_post(request, community, data):
    services.post_move(
        actor=request.user,
        post=data["post"],
        source=community,
        destination=data["destination"],
        reason=data["reason"],
    )
    return f"The post moved to {data['destination'].name}."


def _pin_post(request, community, data):
    services.placement_pin(
        actor=request.user, community=community, post=data["post"], pinned=data["pinned"]
    )
    return "Pinned." if data["pinned"] else "Unpinned."


def _thread_of(community: Community, pk: int) -> Thread:
    return get_object_or_404(Thread, pk=pk, community=community)


def _lock_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    services.thread_lock(
        actor=request.user, thread=thread, locked=data["value"], reason=data["reason"]
    )
    return "The discussion is locked." if data["value"] else "The discussion is open again."


def _pin_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    services.thread_pin(
        actor=request.user, thread=thread, pinned=data["value"], reason=data["reason"]
    )
    return "Pinned." if data["value"] else "Unpinned."


def _remove_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    if data["value"]:
        services.thread_remove(actor=request.user, thread=thread, reason=data["reason"])
        return "The discussion was removed."
    services.thread_restore(actor=request.user, thread=thread, reason=data["reason"])
    return "The discussion is back."


def _remove_reply(request, community, data):
    reply = get_object_or_404(Reply, pk=data["reply"], thread__community=community)
    services.reply_remove(actor=request.user, reply=reply, reason=data["reason"])
    return "The reply was removed."


def _restore_reply(request, community, data):
    reply = get_object_or_404(Reply, pk=data["reply"], thread__community=community)
    services.reply_restore(actor=request.user, reply=reply, reason=data["reason"])
    return "The reply is back."


def _edit_charter(request, community, data):
    tags = [t for t in (part.strip() for part in data["tags"].split(",")) if t]
    services.community_charter_edit(
        actor=request.user,
        community=community,
        name=data["name"],
        purpose=data["purpose"],
        rules=data["rules"],
        tags=tags,
        reason=data["reason"],
    )
    return "The charter was updated."


def _merge(request, community, data):
    services.community_merge(
        actor=request.user, source=community, target=data["into"], reason=data["reason"]
    )
    return f"{community.name} was merged into {data['into'].name}."


def _split(request, community, data):
    new = services.community_split(
        actor=request.user,
        community=community,
        post_ids=data["posts"],
        name=data["name"],
        reason=data["reason"],
    )
    return f"The new community {new.name} has {len(data['posts'])} posts."


def _move_area(request, community, data):
    moved = services.community_area_move(
        actor=request.user,
        community=community,
        area=data["area"],
        new_area_name=data["new_area"],
        reason=data["reason"],
    )
    if moved.area is None:
        return f"{community.name} is now in no area."
    return f"{community.name} is now in the area {moved.area.name}."


def _archive(request, community, data):
    services.community_archive(actor=request.user, community=community, reason=data["reason"])
    return f"{community.name} is archived."


def _ban(request, community, data):
    services.membership_ban(
        actor=request.user,
        community=community,
        user=data["username"],
        reason=data["reason"],
        until=_until(data["days"]),
    )
    return f"{data['username'].username} is banned."


def _unban(request, community, data):
    services.membership_unban(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username}'s ban is lifted."


def _appoint(request, community, data):
    services.moderator_appoint(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is now a moderator."


def _dismiss_moderator(request, community, data):
    services.moderator_remove(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is no longer a moderator."


def _proposed_community(request, community, data):
    if data["decision"] == "approve":
        services.proposed_community_approve(
            actor=request.user,
            community=community,
            name=data["name"] or None,
            reason=data["reason"],
        )
        return f"{community.name} is active."
    services.proposed_community_reject(
        actor=request.user, community=community, reason=data["reason"]
    )
    return f"{community.name} was turned down."


def _decide(request, community, data):
    report = get_object_or_404(Report, pk=data["report"], community=community)
    services.report_decide(
        actor=request.user,
        report=report,
        uphold=data["decision"] == "uphold",
        reason=data["reason"],
    )
    return "Report upheld." if data["decision"] == "uphold" else "Report dismissed."


def _suggestion(request, community, data):
    suggestion = get_object_or_404(MatcherSuggestion, pk=data["suggestion"], community=community)
    if data["decision"] == "accept":
        services.matcher_suggestion_accept(
            actor=request.user, suggestion=suggestion, name=data["name"], reason=data["reason"]
        )
        return "The suggestion was carried out."
    services.matcher_suggestion_dismiss(
        actor=request.user, suggestion=suggestion, reason=data["reason"]
    )
    return "The suggestion was dismissed."


def _match_run(request, community, data):
    run = services.match_run_start(actor=request.user, community=community)
    return f"Match run #{run.pk} is under way."


COMMUNITY_ACTIONS: dict[str, tuple[type[forms.Form], CommunityAction]] = {
    "approve-join": (PersonForm, _approve_join),
    "reject-join": (PersonWithReasonForm, _reject_join),
    "remove-post": (PostRemoveForm, _remove_post),
    "restore-post": (PostChoiceForm, _restore_post),
    "move-post": (PostMoveForm, _move_post),
    "pin-post": (PinForm, _pin_post),
    "lock-thread": (ThreadForm, _lock_thread),
    "pin-thread": (ThreadForm, _pin_thread),
    "remove-thread": (ThreadForm, _remove_thread),
    "remove-reply": (ReplyForm, _remove_reply),
    "restore-reply": (ReplyForm, _restore_reply),
    "charter": (CharterForm, _edit_charter),
    "merge": (MergeForm, _merge),
    "split": (SplitForm, _split),
    "move-area": (AreaMoveForm, _move_area),
    "archive": (ReasonForm, _archive),
    "ban": (BanForm, _ban),
    "unban": (PersonForm, _unban),
    "appoint": (PersonForm, _appoint),
    "dismiss-moderator": (PersonForm, _dismiss_moderator),
    "proposal": (ProposedCommunityForm, _proposed_community),
    "decide": (DecideForm, _decide),
    "suggestion": (SuggestionForm, _suggestion),
    "match-run": (OptionalReasonForm, _match_run),
}


@require_POST
def community_action(request, slug: str, action: str):
    """Carry out one moderator's action from the review queue, then come back to it."""
    if action not in COMMUNITY_ACTIONS:
        raise Http404("No such action.")
    community = _community(slug)
    # The permission check comes first: outsiders learn nothing from a form's errors.
    if action in ("appoint", "dismiss-moderator"):
        check_own_community(request.user, community)
    else:
        check_moderate_community(request.user, community)
    form_class, act = COMMUNITY_ACTIONS[action]
    if form_class is SplitForm:
        ids = selectors.placed_post_ids(community=community)
        form: forms.Form = SplitForm(request.POST, post_choices=[(pk, pk) for pk in ids])
    else:
        form = form_class(request.POST)
    back = reverse("moderation:queue", kwargs={"slug": community.slug})
    if not form.is_valid():
        return _invalid(request, form, back)
    try:
        message = act(request, community, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, "Nothing was changed. " + " ".join(error.messages))
        return redirect(back)
    if action == "merge":
        back = reverse("moderation:queue", kwargs={"slug": form.cleaned_data["into"].slug})
    community.refresh_from_db()
    return _done(request, message, back)


@require_POST
def site_action(request, action: str):
    """Staff actions from the site-wide queue: decide a report, start a match run, remove or
    restore a post everywhere."""
    check_moderate_site(request.user)
    back = reverse("moderation:site")
    if action == "decide":
        form: forms.Form = DecideForm(request.POST)
        if not form.is_valid():
            return _invalid(request, form, back)
        report = get_object_or_404(Report, pk=form.cleaned_data["report"])
        uphold = form.cleaned_data["decision"] == "uphold"
        try:
            services.report_decide(
                actor=request.user, report=report, uphold=uphold, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, "Nothing was changed. " + " ".join(error.messages))
            return redirect(back)
        return _done(request, "Report upheld." if uphold else "Report dismissed.", back)
    if action == "match-run":
        run = services.match_run_start(actor=request.user)
        return _done(request, f"Match run #{run.pk} is under way.", back)
    if action in ("remove-post", "restore-post"):
        form = (PostRemoveForm if action == "remove-post" else PostChoiceForm)(request.POST)
        if not form.is_valid():
            return _invalid(request, form, back)
        if action == "remove-post":
            services.post_remove(
                actor=request.user,
                post=form.cleaned_data["post"],
                reason=form.cleaned_data["reason"],
            )
            return _done(request, "The post is removed everywhere.", back)
        services.post_restore(
            actor=request.user, post=form.cleaned_data["post"], reason=form.cleaned_data["reason"]
        )
        return _done(request, "The post shows again.", back)
    raise Http404("No such action.")


@require_POST
def area_rename(request, slug: str):
    """Rename an area (staff, and moderators of a community in it), then back to its page."""
    area = get_object_or_404(Area, slug=slug)
    check_rename_area(request.user, area)
    form = AreaRenameForm(request.POST)
    back = area.get_absolute_url()
    if not form.is_valid():
        return _invalid(request, form, back)
    try:
        area = services.area_rename(actor=request.user, area=area, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, "Nothing was changed. " + " ".join(error.messages))
        return redirect(back)
    return _done(request, f"The area is now called {area.name}.", back)


# -- reporting -----------------------------------------------------------------------------------


def report(request, target_type: str, pk: int):
    """Report a post, reply, discussion, community, person or direct message, with a reason
    (anyone signed in)."""
    model = REPORT_TARGETS.get(target_type)
    if model is None:
        raise Http404("Nothing to report there.")
    target = get_object_or_404(model, pk=pk)
    if not request.user.is_authenticated and model in (User, Message):
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    if not services.report_target_visible(request.user, target):
        raise Http404("Nothing to report there.")
    community = None
    if slug := request.GET.get("community") or request.POST.get("community"):
        community = Community.objects.filter(slug=slug).first()
    scope = target if isinstance(target, Community) else services.report_scope(target, community)
    if scope is not None:
        check_view_community(request.user, scope)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_create(
            reporter=request.user,
            target=target,
            community=community,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "Thank you. The moderators will look at it.")
        return redirect(_target_url(target))
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "target_type": target_type, "community": community},
    )


def _target_url(target) -> str:
    if isinstance(target, User):
        return reverse("profiles:detail", kwargs={"username": target.username})
    if isinstance(target, Reply):
        parent = target.thread or target.post
        return parent.get_absolute_url() if parent is not None else reverse("home")
    return target.get_absolute_url()
