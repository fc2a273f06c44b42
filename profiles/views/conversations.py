"""Direct messages and blocks, in pages. Every form is a plain POST, so all of it works without
JavaScript; htmx sends a message in place on a conversation's page. The pages show people and
their messages only, never a community, so nothing of a private community can leak here."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from profiles import permissions, selectors, services
from profiles.forms import MessageForm
from profiles.models import Conversation, Message, User
from profiles.views import SignedInRequest

# What the pages promise about who can be written to (profiles.permissions applies it).
WHO_CAN_WRITE = (
    "You can write to people who let others find them by their posts, and to anyone who has "
    "written to you. Nobody can write to you once you block them."
)


def _person(username: str) -> User:
    return get_object_or_404(User, username=username, is_active=True)


def _form_error(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _send(
    request: SignedInRequest, form: MessageForm, recipient: User
) -> tuple[Message | None, int]:
    """Send the form's message; (the message, 200) or (None, the status for the form)."""
    if not form.is_valid():
        return None, 400
    try:
        sent = services.message_send(
            sender=request.user, recipient=recipient, body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        _form_error(form, error)
        return None, 400
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return None, 403
    return sent, 200


@login_required
def conversation_list(request: SignedInRequest) -> HttpResponse:
    """One's conversations, the latest first, with what is unread."""
    page = Paginator(selectors.conversation_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    for conversation in page.object_list:
        conversation.other_person = conversation.other(request.user)
    return render(
        request, "profiles/conversations.html", {"page": page, "who_can_write": WHO_CAN_WRITE}
    )


@login_required
def conversation_start(request: SignedInRequest, username: str) -> HttpResponse:
    """Write to someone: their conversation with you if there is one, else a first message."""
    person = _person(username)
    existing = selectors.conversation_between(one=request.user, other=person)
    if existing is not None and existing.last_message_at is not None:
        return redirect(existing)
    refusal = permissions.message_refusal(sender=request.user, recipient=person)
    form = MessageForm(request.POST or None)
    status = 403 if refusal else 200
    if request.method == "POST" and not refusal:
        sent, status = _send(request, form, person)
        if sent is not None:
            messages.success(request, f"Message sent to {person.public_name}.")
            return redirect(sent.conversation)
    context = {
        "person": person,
        "form": form,
        "refusal": refusal,
        "who_can_write": WHO_CAN_WRITE,
    }
    return render(request, "profiles/conversation_start.html", context, status=status)


def _conversation_context(request: SignedInRequest, conversation: Conversation, form) -> dict:
    other = conversation.other(request.user)
    all_messages = selectors.message_list(conversation=conversation)
    total = all_messages.count()
    shown = 100
    return {
        "conversation": conversation,
        "other": other,
        "conversation_messages": list(all_messages[max(0, total - shown) :]),
        "earlier": max(0, total - shown),
        "form": form,
        "refusal": permissions.message_refusal(sender=request.user, recipient=other),
        "blocked": selectors.block_exists(blocker=request.user, blocked=other),
    }


def _own_conversation(request: SignedInRequest, pk: int) -> Conversation:
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


@login_required
def conversation_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A conversation; opening it marks what the other person wrote read."""
    conversation = _own_conversation(request, pk)
    services.conversation_mark_read(user=request.user, conversation=conversation)
    context = _conversation_context(request, conversation, MessageForm())
    return render(request, "profiles/conversation.html", context)


@login_required
@require_POST
def conversation_send(request: SignedInRequest, pk: int) -> HttpResponse:
    """Send a message in a conversation. With htmx the messages and form come back in place."""
    conversation = _own_conversation(request, pk)
    form = MessageForm(request.POST)
    sent, status = _send(request, form, conversation.other(request.user))
    if sent is not None:
        services.conversation_mark_read(user=request.user, conversation=conversation)
        if not request.htmx:
            messages.success(request, "Message sent.")
            return redirect(sent.get_absolute_url())
        context = _conversation_context(request, conversation, MessageForm())
        context["sent"] = sent
        return render(request, "profiles/_conversation_messages.html", context)
    context = _conversation_context(request, conversation, form)
    if request.htmx:  # htmx swaps 2xx answers only; the form shows what is wrong
        return render(request, "profiles/_conversation_messages.html", context)
    return render(request, "profiles/conversation.html", context, status=status)


def _back(request: SignedInRequest, person: User) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("profiles:detail", username=person.username)


@login_required
@require_POST
def person_block(request: SignedInRequest, username: str) -> HttpResponse:
    person = _person(username)
    try:
        services.person_block(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, person)
    messages.success(
        request,
        f"You blocked {person.public_name}: they cannot send you messages, and you cannot write "
        "to them until you unblock them. They are not told.",
    )
    return _back(request, person)


@login_required
@require_POST
def person_unblock(request: SignedInRequest, username: str) -> HttpResponse:
    person = _person(username)
    services.person_unblock(actor=request.user, person=person)
    messages.success(request, f"You unblocked {person.public_name}: you can write to each other.")
    return _back(request, person)
