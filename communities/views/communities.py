"""The community side of the site: the directory, a community's page, joining and leaving,
discussions, proposals and the charter history.

Views are thin: they parse a form, call one service or selector, and render. Every page works
without JavaScript; htmx swaps parts of a page in place when it is there (the directory's results,
a Join button, a thread's messages).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.forms import (
    PAGE_SIZE,
    DirectoryForm,
    ProposalForm,
    ThreadForm,
    ThreadReplyForm,
    VoteForm,
    add_service_error,
)
from communities.models import Community, Membership, Proposal, Thread
from communities.permissions import thread_reply_refusal
from core.htmx import HtmxHttpRequest, render_page_or_fragment


def _community(request: HtmxHttpRequest, slug: str) -> Community:
    """The community, if the viewer may see it (a private one is a 404 to outsiders)."""
    return get_object_or_404(selectors.community_list(viewer=request.user), slug=slug)


def _viewer_state(request: HtmxHttpRequest, community: Community) -> str:
    """The viewer's membership state in the community ("" for none), for the Join control."""
    membership = selectors.community_membership(viewer=request.user, community=community)
    return membership.state if membership else ""


def _message_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do that."


# The directory -----------------------------------------------------------------------------


def community_list(request: HtmxHttpRequest) -> HttpResponse:
    """The directory: search, filter by area, tag and status, sort, one page of cards at a time,
    grouped by area."""
    form = DirectoryForm(request.GET or None)
    criteria = form.criteria()
    communities = selectors.community_directory(
        viewer=request.user,
        query=criteria["q"],
        tag=criteria["tag"],
        status=criteria["status"],
        sort=criteria["sort"],
        area=criteria["area"],
    )
    page = Paginator(communities, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.communities_counted(page.object_list)
    tags = list(selectors.directory_tag_choices())
    if criteria["tag"] and criteria["tag"] not in {tag.slug for tag in tags}:
        chosen = selectors.tag_list(viewer=request.user).filter(slug=criteria["tag"]).first()
        if chosen is not None:
            tags.append(chosen)
    query_string = urlencode({k: v for k, v in criteria.items() if v})
    context = {
        "form": form,
        "criteria": criteria,
        "page": page,
        "tags": tags,
        "areas": selectors.area_list(viewer=request.user),
        "searching": any(criteria.values()),
        "query_string": query_string,
        "next_url": request.get_full_path(),
    }
    return render_page_or_fragment(
        request,
        page="communities/list.html",
        fragment="communities/_directory_results.html",
        target="directory-results",
        context=context,
        query_string=query_string,
    )


# Joining and leaving -----------------------------------------------------------------------


def _membership_response(
    request: HtmxHttpRequest, community: Community, message: str, level: int
) -> HttpResponse:
    """htmx: the Join/Leave control again, with the message (on the community's own page also
    its member count and forms, out of band); otherwise back where they were."""
    if request.htmx:
        state = _viewer_state(request, community)
        context = {
            "community": community,
            "state": state,
            "message": message,
            "message_is_error": level == messages.ERROR,
            "next_url": request.POST.get("next", ""),
            "compact": request.POST.get("compact") == "1",
        }
        if request.POST.get("in_page") != "1":
            return render(request, "communities/_join_button.html", context)
        # Counted again after the change; a private community just left may be out of sight.
        fresh = (
            selectors.community_list(viewer=request.user).filter(pk=community.pk).first()
            or community
        )
        threads = selectors.thread_list(viewer=request.user, community=fresh)
        context.update(
            community=fresh,
            in_page=True,
            is_member=state == Membership.State.ACTIVE,
            threads=threads.exists(),
            thread_form=ThreadForm(),
        )
        return render(request, "communities/_join_in_page.html", context)
    messages.add_message(request, level, message)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(community)


@require_POST
def community_join(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Join, ask to join, or accept an invitation, by the community's policy."""
    community = _community(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(community.get_absolute_url())
    was_proposed = community.status == Community.Status.PROPOSED
    try:
        membership = services.community_join(
            user=request.user, community=community, message=request.POST.get("message", "")
        )
    except (PermissionDenied, ValidationError) as error:
        return _membership_response(request, community, _message_of(error), messages.ERROR)
    if membership.state == Membership.State.REQUESTED:
        message = f"You asked to join {community.name}. Its moderators will decide."
    elif was_proposed and community.status == Community.Status.ACTIVE:
        message = f"You joined {community.name}. With you it has enough members: it is active!"
    else:
        message = f"You joined {community.name}."
    return _membership_response(request, community, message, messages.SUCCESS)


@require_POST
def community_leave(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Leave, or withdraw a request to join."""
    community = _community(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(community.get_absolute_url())
    try:
        services.community_leave(user=request.user, community=community)
    except (PermissionDenied, ValidationError) as error:
        return _membership_response(request, community, _message_of(error), messages.ERROR)
    return _membership_response(
        request, community, f"You are no longer in {community.name}.", messages.SUCCESS
    )


# A community's page ------------------------------------------------------------------------

MEMBERS_SHOWN = 30
POSTS_SHOWN = 20
THREADS_SHOWN = 20


def community_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Purpose, tags, people, posts, discussions, open proposals, and how to join."""
    community = get_object_or_404(
        selectors.community_list(viewer=request.user).select_related("merged_into"), slug=slug
    )
    if community.merged_into is not None:
        return redirect(community.merged_into, permanent=True)
    membership = selectors.community_membership(viewer=request.user, community=community)
    state = membership.state if membership else ""
    context = {
        "community": community,
        "membership": membership,
        "state": state,
        "is_member": state == Membership.State.ACTIVE,
        "staff": selectors.community_people(community=community, role="staff"),
        "members": selectors.community_people(community=community, role="member")[:MEMBERS_SHOWN],
        "placements": selectors.community_placements(viewer=request.user, community=community)[
            :POSTS_SHOWN
        ],
        "threads": selectors.thread_list(viewer=request.user, community=community)[:THREADS_SHOWN],
        "proposals": selectors.proposal_list(viewer=request.user, community=community).filter(
            state=Proposal.State.OPEN
        ),
        "needed": settings.KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS,
        "join_policies": Community.JoinPolicy.choices,
        "thread_form": ThreadForm(),
        "next_url": community.get_absolute_url(),
    }
    return render(request, "communities/detail.html", context)


# Discussions -------------------------------------------------------------------------------


def _can_take_part(request: HtmxHttpRequest, community: Community) -> bool:
    return request.user.has_perm("communities.take_part", community)


def thread_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Start a thread (members only; others are told how to join)."""
    community = _community(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ThreadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                thread = services.thread_start(
                    author=request.user, community=community, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, _message_of(error))
                status = 403
            else:
                messages.success(request, "Your thread is started.")
                return redirect(thread)
        status = status if status != 200 else 400
    return render(
        request,
        "communities/thread_form.html",
        {
            "community": community,
            "form": form,
            "can_take_part": _can_take_part(request, community),
            "next_url": request.path,
            "state": _viewer_state(request, community),
        },
        status=status,
    )


def _thread(request: HtmxHttpRequest, community: Community, pk: int) -> Thread:
    return get_object_or_404(selectors.thread_list(viewer=request.user, community=community), pk=pk)


def _thread_context(
    request: HtmxHttpRequest, community: Community, thread: Thread, form: ThreadReplyForm
) -> dict:
    return {
        "community": community,
        "thread": thread,
        "messages_in_thread": selectors.thread_reply_list(viewer=request.user, thread=thread),
        "form": form,
        "can_take_part": _can_take_part(request, community),
        "reply_refusal": thread_reply_refusal(request.user, thread),
    }


def thread_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    thread = _thread(request, community, pk)
    context = _thread_context(request, community, thread, ThreadReplyForm())
    return render(request, "communities/thread_detail.html", context)


@require_POST
def thread_reply(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Reply in a thread. With htmx, the messages and form come back in place."""
    community = _community(request, slug)
    thread = _thread(request, community, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(thread.get_absolute_url())
    form = ThreadReplyForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            reply = services.thread_reply(
                author=request.user, thread=thread, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, _message_of(error))
            status = 403
        else:
            if not request.htmx:
                messages.success(request, "Reply posted.")
                return redirect(f"{thread.get_absolute_url()}#reply-{reply.pk}")
            context = _thread_context(request, community, thread, ThreadReplyForm())
            context["posted"] = reply
            return render(request, "communities/_thread_messages.html", context)
    context = _thread_context(request, community, thread, form)
    if request.htmx:  # htmx swaps 2xx answers only; the form shows what is wrong
        return render(request, "communities/_thread_messages.html", context)
    return render(request, "communities/thread_detail.html", context, status=status)


# Proposals ---------------------------------------------------------------------------------


def proposal_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Propose a change; ?kind=purpose (etc.) starts from the current text."""
    community = _community(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    others = selectors.community_list(viewer=request.user).exclude(pk=community.pk)
    form = ProposalForm(
        request.POST or None,
        initial=ProposalForm.initial_for(community, request.GET.get("kind", "")),
        merge_candidates=others,
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_open(
                author=request.user, community=community, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, _message_of(error))
            status = 403
        else:
            messages.success(request, "Your proposal is open. Members can vote on it now.")
            return redirect(services.proposal_url(proposal))
    return render(
        request,
        "communities/proposal_form.html",
        {
            "community": community,
            "form": form,
            "can_take_part": _can_take_part(request, community),
            "next_url": request.path,
            "state": _viewer_state(request, community),
            "days": settings.KINDRED_PROPOSAL_OPEN_DAYS,
            "merge_options": selectors.community_picker_labels(others),
        },
        status=status,
    )


def _proposal(request: HtmxHttpRequest, community: Community, pk: int) -> Proposal:
    return get_object_or_404(
        selectors.proposal_list(viewer=request.user, community=community), pk=pk
    )


def proposal_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    proposal = _proposal(request, community, pk)
    changes = []
    if proposal.kind != Proposal.Kind.MERGE and proposal.state == Proposal.State.OPEN:
        now = {
            "name": community.name,
            "purpose": community.purpose,
            "rules": community.rules,
            "tags": [tag.name for tag in community.tags.all()],
        }
        changes = selectors.charter_changes(now, {**now, proposal.kind: proposal.value})
    context = {**_votes_context(request, community, proposal), "changes": changes}
    return render(request, "communities/proposal_detail.html", context)


def _votes_context(request: HtmxHttpRequest, community: Community, proposal: Proposal) -> dict:
    is_author = request.user.is_authenticated and proposal.author_id == request.user.pk
    return {
        "community": community,
        "proposal": proposal,
        "can_vote": proposal.state == Proposal.State.OPEN and _can_take_part(request, community),
        "can_withdraw": proposal.state == Proposal.State.OPEN
        and (is_author or request.user.has_perm("communities.moderate_community", community)),
        "quorum": community.proposal_quorum or settings.KINDRED_PROPOSAL_QUORUM,
        "majority_percent": round(
            100 * (community.proposal_majority or settings.KINDRED_PROPOSAL_MAJORITY)
        ),
    }


@require_POST
def proposal_vote(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    proposal = _proposal(request, community, pk)
    url = services.proposal_url(proposal)
    if not request.user.is_authenticated:
        return redirect_to_login(url)
    form = VoteForm(request.POST)
    level, message = messages.ERROR, "Choose For or Against."
    if form.is_valid():
        approve = form.cleaned_data["approve"]
        try:
            services.proposal_vote(voter=request.user, proposal=proposal, approve=approve)
        except (PermissionDenied, ValidationError) as error:
            message = _message_of(error)
        else:
            # The votes panel says which way they voted; the message does not say it again.
            level = messages.SUCCESS
            message = "Your vote is counted. You can change it until voting closes."
    if request.htmx:  # the tally and buttons, current, in place
        context = _votes_context(request, community, _proposal(request, community, pk))
        context.update(vote_message=message, vote_message_is_error=level == messages.ERROR)
        return render(request, "communities/_proposal_votes.html", context)
    messages.add_message(request, level, message)
    return redirect(url)


@require_POST
def proposal_withdraw(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    proposal = _proposal(request, community, pk)
    url = services.proposal_url(proposal)
    if not request.user.is_authenticated:
        return redirect_to_login(url)
    try:
        services.proposal_withdraw(actor=request.user, proposal=proposal)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _message_of(error))
    else:
        messages.success(request, "The proposal is withdrawn.")
    return redirect(url)


# The charter's history ---------------------------------------------------------------------

REVISIONS_SHOWN = 50


def charter_history(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every revision of the charter, newest first, each with what changed from the one before."""
    community = _community(request, slug)
    revisions = list(selectors.charter_revision_list(community=community)[: REVISIONS_SHOWN + 1])
    entries = selectors.charter_history(revisions)[:REVISIONS_SHOWN]
    return render(
        request,
        "communities/charter_history.html",
        {"community": community, "entries": entries, "more": len(revisions) > REVISIONS_SHOWN},
    )
