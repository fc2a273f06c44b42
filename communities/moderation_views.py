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

from communities import moderation, moderation_selectors
from communities.models import Community, Placement, Post, Reply, Report, Thread
from communities.permissions import (
    check_moderate_community,
    check_moderate_site,
    check_view_community,
)
from core.ratelimit import rate_limit
from matching.models import MatcherSuggestion, MatchRun
from profiles.models import User

# -- forms ---------------------------------------------------------------------------------------


def _reason(required: bool = True, label: str = "Reason") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=2000,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="" if required else "Optional.",
    )


class ReasonForm(forms.Form):
    reason = _reason()


class OptionalReasonForm(forms.Form):
    reason = _reason(required=False)


class PersonForm(forms.Form):
    username = forms.CharField(max_length=150)
    reason = _reason(required=False)

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"], is_active=True).first()
        if user is None:
            raise forms.ValidationError("No one has that username.")
        return user


class PersonWithReasonForm(PersonForm):
    reason = _reason()


BAN_LENGTHS = [("", "For good"), ("1", "For a day"), ("7", "For a week"), ("30", "For 30 days")]


class BanForm(PersonWithReasonForm):
    days = forms.ChoiceField(label="How long", choices=BAN_LENGTHS, required=False)


class PostChoiceForm(forms.Form):
    post = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = _reason(required=False)

    def clean_post(self) -> Post:
        post = Post.objects.filter(pk=self.cleaned_data["post"]).first()
        if post is None:
            raise forms.ValidationError("No such post.")
        return post


class PostRemoveForm(PostChoiceForm):
    reason = _reason(label="Reason, sent to the author")


class PostMoveForm(PostChoiceForm):
    destination = forms.CharField(label="Move to (community address)", max_length=140)
    reason = _reason()

    def clean_destination(self) -> Community:
        community = Community.objects.filter(slug=self.cleaned_data["destination"]).first()
        if community is None:
            raise forms.ValidationError("No community has that address.")
        return community


class PinForm(PostChoiceForm):
    pinned = forms.BooleanField(required=False)


class ThreadForm(forms.Form):
    thread = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    value = forms.BooleanField(required=False)
    reason = _reason(required=False)


class ReplyForm(forms.Form):
    reply = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = _reason(required=False)


class CharterForm(forms.Form):
    name = forms.CharField(max_length=120)
    purpose = forms.CharField(max_length=10000, required=False, widget=forms.Textarea)
    rules = forms.CharField(max_length=10000, required=False, widget=forms.Textarea)
    tags = forms.CharField(
        max_length=500, required=False, help_text="Separate tags with commas; at most 8."
    )
    reason = _reason(required=False)


class MergeForm(forms.Form):
    into = forms.CharField(label="Merge into (community address)", max_length=140)
    reason = _reason()

    def clean_into(self) -> Community:
        community = Community.objects.filter(slug=self.cleaned_data["into"]).first()
        if community is None:
            raise forms.ValidationError("No community has that address.")
        return community


class SplitForm(forms.Form):
    posts = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Posts that move")
    name = forms.CharField(label="Name of the new community", max_length=120)
    reason = _reason()

    def __init__(self, *args, post_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = list(post_choices)


class ProposalForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    name = forms.CharField(max_length=120, required=False, help_text="Rename it as you approve.")
    reason = _reason(required=False)


class DecideForm(forms.Form):
    report = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("uphold", "Uphold"), ("dismiss", "Dismiss")])
    reason = _reason(required=False)


class SuggestionForm(forms.Form):
    suggestion = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("dismiss", "Dismiss")])
    name = forms.CharField(max_length=120, required=False, help_text="For a split: its name.")
    reason = _reason(required=False)


class ReportForm(forms.Form):
    reason = _reason(label="What is wrong?")


# -- reading -------------------------------------------------------------------------------------


def _community(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def _queue_context(request, community: Community) -> dict:
    placements = (
        Placement.objects.filter(community=community)
        .select_related("post__author__profile")
        .order_by("-pinned", "-created_at", "-pk")[:30]
    )
    return {
        "community": community,
        "is_owner": request.user.has_perm("communities.own_community", community),
        "join_requests": moderation_selectors.join_request_list(community=community),
        "reports": _with_targets(moderation_selectors.report_queue(community=community)),
        "suggestions": moderation_selectors.suggestion_queue(community=community),
        "bans": moderation_selectors.banned_list(community=community),
        "moderators": moderation_selectors.moderator_list(community=community),
        "placements": placements,
        "threads": Thread.objects.filter(community=community).order_by("-last_reply_at")[:20],
        "log": moderation_selectors.moderation_log(community=community)[:10],
        "run": MatchRun.objects.order_by("-created_at", "-pk").first(),
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
    }


def _with_targets(reports) -> list[Report]:
    rows = list(reports)
    for report in rows:
        report.target = moderation.report_target(report)
    return rows


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
    page = Paginator(moderation_selectors.moderation_log(community=community), 50).get_page(
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
            "reports": _with_targets(moderation_selectors.report_queue(community=None)),
            "community_reports": Report.objects.filter(decision=Report.Decision.PENDING)
            .exclude(community=None)
            .count(),
            "proposed": moderation_selectors.proposed_community_list()[:50],
            "suggestions": moderation_selectors.suggestion_queue(community=None)[:50],
            "log": moderation_selectors.moderation_log_site()[:10],
            "run": MatchRun.objects.order_by("-created_at", "-pk").first(),
        },
    )


@require_GET
def site_log(request):
    check_moderate_site(request.user)
    page = Paginator(moderation_selectors.moderation_log_site(), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "moderation/log.html", {"community": None, "page": page, "private": True}
    )


@require_GET
def run_progress(request, pk: int):
    """The progress of a match run; htmx polls this partial while the run is under way."""
    from matching.services import can_start_runs

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
    moderation.membership_request_approve(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is now a member."


def _reject_join(request, community, data):
    moderation.membership_request_reject(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"You declined {data['username'].username}'s request."


def _remove_post(request, community, data):
    moderation.post_remove(
        actor=request.user, community=community, post=data["post"], reason=data["reason"]
    )
    return "The post was removed from this community; its author was told why."


def _restore_post(request, community, data):
    moderation.post_restore(
        actor=request.user, community=community, post=data["post"], reason=data["reason"]
    )
    return "The post is back in this community."


def _move_post(request, community, data):
    moderation.post_move(
        actor=request.user,
        post=data["post"],
        source=community,
        destination=data["destination"],
        reason=data["reason"],
    )
    return f"The post moved to {data['destination'].name}."


def _pin_post(request, community, data):
    moderation.placement_pin(
        actor=request.user, community=community, post=data["post"], pinned=data["pinned"]
    )
    return "Pinned." if data["pinned"] else "Unpinned."


def _thread_of(community: Community, pk: int) -> Thread:
    return get_object_or_404(Thread, pk=pk, community=community)


def _lock_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    moderation.thread_lock(
        actor=request.user, thread=thread, locked=data["value"], reason=data["reason"]
    )
    return "The discussion is locked." if data["value"] else "The discussion is open again."


def _pin_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    moderation.thread_pin(
        actor=request.user, thread=thread, pinned=data["value"], reason=data["reason"]
    )
    return "Pinned." if data["value"] else "Unpinned."


def _remove_thread(request, community, data):
    thread = _thread_of(community, data["thread"])
    if data["value"]:
        moderation.thread_remove(actor=request.user, thread=thread, reason=data["reason"])
        return "The discussion was removed."
    moderation.thread_restore(actor=request.user, thread=thread, reason=data["reason"])
    return "The discussion is back."


def _remove_reply(request, community, data):
    reply = get_object_or_404(Reply, pk=data["reply"], thread__community=community)
    moderation.reply_remove(actor=request.user, reply=reply, reason=data["reason"])
    return "The reply was removed."


def _restore_reply(request, community, data):
    reply = get_object_or_404(Reply, pk=data["reply"], thread__community=community)
    moderation.reply_restore(actor=request.user, reply=reply, reason=data["reason"])
    return "The reply is back."


def _edit_charter(request, community, data):
    tags = [t for t in (part.strip() for part in data["tags"].split(",")) if t]
    moderation.community_charter_edit(
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
    moderation.community_merge(
        actor=request.user, source=community, target=data["into"], reason=data["reason"]
    )
    return f"{community.name} was merged into {data['into'].name}."


def _split(request, community, data):
    new = moderation.community_split(
        actor=request.user,
        community=community,
        post_ids=data["posts"],
        name=data["name"],
        reason=data["reason"],
    )
    return f"The new community {new.name} has {len(data['posts'])} posts."


def _archive(request, community, data):
    moderation.community_archive(actor=request.user, community=community, reason=data["reason"])
    return f"{community.name} is archived."


def _ban(request, community, data):
    moderation.membership_ban(
        actor=request.user,
        community=community,
        user=data["username"],
        reason=data["reason"],
        until=_until(data["days"]),
    )
    return f"{data['username'].username} is banned."


def _unban(request, community, data):
    moderation.membership_unban(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username}'s ban is lifted."


def _appoint(request, community, data):
    moderation.moderator_appoint(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is now a moderator."


def _dismiss_moderator(request, community, data):
    moderation.moderator_remove(
        actor=request.user, community=community, user=data["username"], reason=data["reason"]
    )
    return f"{data['username'].username} is no longer a moderator."


def _proposal(request, community, data):
    if data["decision"] == "approve":
        moderation.community_proposal_approve(
            actor=request.user,
            community=community,
            name=data["name"] or None,
            reason=data["reason"],
        )
        return f"{community.name} is active."
    moderation.community_proposal_reject(
        actor=request.user, community=community, reason=data["reason"]
    )
    return f"{community.name} was turned down."


def _decide(request, community, data):
    report = get_object_or_404(Report, pk=data["report"], community=community)
    moderation.report_decide(
        actor=request.user,
        report=report,
        uphold=data["decision"] == "uphold",
        reason=data["reason"],
    )
    return "Report upheld." if data["decision"] == "uphold" else "Report dismissed."


def _suggestion(request, community, data):
    suggestion = get_object_or_404(MatcherSuggestion, pk=data["suggestion"], community=community)
    if data["decision"] == "accept":
        moderation.matcher_suggestion_accept(
            actor=request.user, suggestion=suggestion, name=data["name"], reason=data["reason"]
        )
        return "The suggestion was carried out."
    moderation.matcher_suggestion_dismiss(
        actor=request.user, suggestion=suggestion, reason=data["reason"]
    )
    return "The suggestion was dismissed."


def _match_run(request, community, data):
    run = moderation.match_run_start(actor=request.user, community=community)
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
    "archive": (ReasonForm, _archive),
    "ban": (BanForm, _ban),
    "unban": (PersonForm, _unban),
    "appoint": (PersonForm, _appoint),
    "dismiss-moderator": (PersonForm, _dismiss_moderator),
    "proposal": (ProposalForm, _proposal),
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
        moderation.check_own_community(request.user, community)
    else:
        check_moderate_community(request.user, community)
    form_class, act = COMMUNITY_ACTIONS[action]
    if form_class is SplitForm:
        ids = Placement.objects.filter(community=community).values_list("post_id", flat=True)
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
            moderation.report_decide(
                actor=request.user, report=report, uphold=uphold, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, "Nothing was changed. " + " ".join(error.messages))
            return redirect(back)
        return _done(request, "Report upheld." if uphold else "Report dismissed.", back)
    if action == "match-run":
        run = moderation.match_run_start(actor=request.user)
        return _done(request, f"Match run #{run.pk} is under way.", back)
    if action in ("remove-post", "restore-post"):
        form = (PostRemoveForm if action == "remove-post" else PostChoiceForm)(request.POST)
        if not form.is_valid():
            return _invalid(request, form, back)
        if action == "remove-post":
            moderation.post_remove(
                actor=request.user,
                post=form.cleaned_data["post"],
                reason=form.cleaned_data["reason"],
            )
            return _done(request, "The post is removed everywhere.", back)
        moderation.post_restore(
            actor=request.user, post=form.cleaned_data["post"], reason=form.cleaned_data["reason"]
        )
        return _done(request, "The post shows again.", back)
    raise Http404("No such action.")


# -- reporting -----------------------------------------------------------------------------------


def report(request, target_type: str, pk: int):
    """Report a post, reply, discussion or community, with a reason (anyone signed in)."""
    model = moderation.REPORT_TARGETS.get(target_type)
    if model is None:
        raise Http404("Nothing to report there.")
    target = get_object_or_404(model, pk=pk)
    community = None
    if slug := request.GET.get("community") or request.POST.get("community"):
        community = Community.objects.filter(slug=slug).first()
    scope = target if isinstance(target, Community) else moderation.report_scope(target, community)
    if scope is not None:
        check_view_community(request.user, scope)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rate_limit(action="report", user=request.user)
        moderation.report_create(
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
    if isinstance(target, Reply):
        parent = target.thread or target.post
        return parent.get_absolute_url() if parent is not None else reverse("home")
    return target.get_absolute_url()
