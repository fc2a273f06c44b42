"""Owning one's words: editing and deleting one's posts, threads and replies, and the edit
history their authors and moderators see.

Every page works without JavaScript (an edit form page, a confirmation page before deleting);
with htmx a reply is edited in place and deleted after the browser's confirmation. The services
check who may do what; the pages ask first only to show a 403 instead of a form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from communities import selectors, services
from communities.forms import PostEditForm, ReplyEditForm, ThreadEditForm, add_service_error
from communities.models import Post, Reply, Thread
from communities.permissions import check_delete_content, check_edit_content, check_view_history
from core.htmx import HtmxHttpRequest

# Private content answers 404 to outsiders before anyone is asked to log in; the services check
# again who may act.


def _post(request: HtmxHttpRequest, pk: int) -> Post:
    return get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)


def _thread(request: HtmxHttpRequest, slug: str, pk: int) -> Thread:
    community = get_object_or_404(selectors.community_list(viewer=request.user), slug=slug)
    return get_object_or_404(selectors.thread_list(viewer=request.user, community=community), pk=pk)


def _reply(request: HtmxHttpRequest, pk: int) -> Reply:
    return get_object_or_404(selectors.reply_list_everywhere(viewer=request.user), pk=pk)


def _reply_url(reply: Reply) -> str:
    parent = reply.thread if reply.thread is not None else reply.post
    assert parent is not None  # a reply is in a thread or on a post (a database constraint)
    return f"{parent.get_absolute_url()}#reply-{reply.pk}"


def _confirm(request: HtmxHttpRequest, *, what: str, title: str, cancel_url: str) -> HttpResponse:
    return render(
        request,
        "communities/confirm_delete.html",
        {"what": what, "title": title, "cancel_url": cancel_url},
    )


def _history(
    request: HtmxHttpRequest, obj, *, what: str, title: str, back_url: str
) -> HttpResponse:
    check_view_history(request.user, obj)
    context = {
        "obj": obj,
        "what": what,
        "title": title,
        "back_url": back_url,
        "versions": selectors.content_history(obj=obj),
    }
    return render(request, "communities/content_history.html", context)


# Posts ----------------------------------------------------------------------------------------


def post_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Fix a post's words or tags; it is matched again with the new words."""
    post = _post(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_edit_content(request.user, post)
    initial = {
        "title": post.title,
        "body": post.body,
        "tags": ", ".join(tag.name for tag in post.tags.all()),
    }
    form = PostEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved. Kindred is finding your peers again.")
            return redirect(post)
    return render(request, "communities/post_edit.html", {"post": post, "form": form})


def post_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_delete_content(request.user, post)
    if request.method != "POST":
        return _confirm(request, what="post", title=post.title, cancel_url=post.get_absolute_url())
    services.post_delete(actor=request.user, post=post)
    messages.success(request, "Your post is deleted.")
    return redirect("profiles:detail", username=request.user.get_username())


def post_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    return _history(request, post, what="post", title=post.title, back_url=post.get_absolute_url())


# Threads --------------------------------------------------------------------------------------


def thread_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    thread = _thread(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_edit_content(request.user, thread)
    form = ThreadEditForm(request.POST or None, initial={"title": thread.title})
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_edit(actor=request.user, thread=thread, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(thread)
    context = {"thread": thread, "community": thread.community, "form": form}
    return render(request, "communities/thread_edit.html", context)


def thread_delete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    thread = _thread(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_delete_content(request.user, thread)
    if request.method != "POST":
        return _confirm(
            request, what="discussion", title=thread.title, cancel_url=thread.get_absolute_url()
        )
    services.thread_delete(actor=request.user, thread=thread)
    messages.success(request, "Your discussion is deleted.")
    return redirect(thread.community)


def thread_history(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    thread = _thread(request, slug, pk)
    return _history(
        request, thread, what="discussion", title=thread.title, back_url=thread.get_absolute_url()
    )


# Replies --------------------------------------------------------------------------------------


def reply_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Edit a reply: a page of its own, or (htmx) the form in place of the reply and the reply
    again once saved."""
    reply = _reply(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_edit_content(request.user, reply)
    form = ReplyEditForm(request.POST or None, initial={"body": reply.body})
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.reply_edit(actor=request.user, reply=reply, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if request.htmx:
                return render(request, "communities/_reply.html", {"reply": reply})
            messages.success(request, "Saved.")
            return redirect(_reply_url(reply))
    context = {"reply": reply, "form": form, "back_url": _reply_url(reply)}
    if request.htmx:  # htmx swaps 2xx answers only; the form shows what is wrong
        return render(request, "communities/_reply_edit_form.html", context)
    return render(request, "communities/reply_edit.html", context)


def reply_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    reply = _reply(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    check_delete_content(request.user, reply)
    back = _reply_url(reply).partition("#")[0]
    if request.method != "POST":
        return _confirm(request, what="reply", title=reply.body[:80], cancel_url=_reply_url(reply))
    services.reply_delete(actor=request.user, reply=reply)
    if request.htmx:
        return render(request, "communities/_reply_deleted.html", {"reply": reply})
    messages.success(request, "Your reply is deleted.")
    return redirect(back)


def reply_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    reply = _reply(request, pk)
    return _history(request, reply, what="reply", title=reply.body[:80], back_url=_reply_url(reply))
