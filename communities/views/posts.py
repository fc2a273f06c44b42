"""The home page and the post pages: writing a post, its page with its replies, marking it solved.
Its peers and communities come from matching (its template tags and matching/views.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.forms import PostForm, ReplyForm, split_tags
from communities.models import Post, Tag
from communities.permissions import reply_refusal
from profiles import selectors as profile_selectors
from profiles.models import Notification


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Kindred is and some active communities. Signed in: my communities, my
    invitations and why, and what is new in my communities; the peers for my open posts come from
    matching's template tags (home.html: ``{% open_posts_with_peers %}``)."""
    user = request.user
    context: dict = {
        "communities": selectors.community_list(viewer=user).filter(status="active")[:6]
    }
    if user.is_authenticated:
        context.update(
            my_communities=selectors.community_list_of_member(viewer=user, member=user)[:12],
            invitations=selectors.community_invitations(user=user)[:12],
            hears_peers=profile_selectors.notification_wanted(
                user=user, kind=Notification.Kind.NEW_PEER
            ),
            recent_posts=selectors.placement_list_recent(viewer=user),
            recent_threads=selectors.thread_list_recent(viewer=user),
        )
    return render(request, "home.html", context)


def _visible_post(request, pk: int) -> Post:
    """The post, if the viewer may see it (otherwise a 404); services check what they may do."""
    return get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)


def _post_page(
    request: HttpRequest, pk: int, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    """The post, its replies and the reply form. Its peers and communities panel comes from
    matching's template tags (post_detail.html: ``{% post_matches post %}``)."""
    post = _visible_post(request, pk)
    context = {
        "post": post,
        "is_author": request.user.is_authenticated and post.author_id == request.user.pk,
        "replies": selectors.post_reply_list(viewer=request.user, post=post),
        "reply_refusal": reply_refusal(request.user, post),
        "reply_form": reply_form or ReplyForm(),
        # What the page promises about who hears of a reply, true to the author's settings.
        "author_hears_replies": profile_selectors.notification_wanted(
            user=post.author, kind=Notification.Kind.REPLY
        ),
        "author_findable": profile_selectors.findable(user=post.author),
    }
    return render(request, "communities/post_detail.html", context, status=status)


def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_page(request, pk)


def _tags_widget_attrs() -> dict[str, str]:
    """The tags input asks for suggestions as the person types (htmx fills a <datalist>)."""
    return {
        "list": "tag-options",
        "autocomplete": "off",
        "hx-get": reverse("communities:tag-options"),
        "hx-trigger": "input changed delay:250ms",
        "hx-target": "#tag-options",
        "hx-sync": "this:queue last",
    }


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    """Write a post; a live panel shows similar posts and fitting communities while typing."""
    assert request.user.is_authenticated  # login_required
    form = PostForm(request.POST or None)
    form.fields["tags"].widget.attrs.update(_tags_widget_attrs())
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Posted. Kindred is finding your peers.")
            return redirect(post)
    return render(request, "communities/post_form.html", {"form": form})


def tag_options(request: HttpRequest) -> HttpResponse:
    """<option>s for the tags input's <datalist>: existing tags that complete the last tag being
    typed, most used first; each option's value is the whole line with that tag completed."""
    raw = request.GET.get("tags", "")[:600]
    done, _, last = raw.rpartition(",")
    slug = Tag.normalize(last)
    options: list[tuple[str, str]] = []
    if slug:
        # Keep what was typed before the last tag as it is, so the browser's datalist matches.
        prefix = raw[: len(raw) - len(last.lstrip())]
        chosen = {Tag.normalize(name) for name in split_tags(done)}
        known = selectors.tag_list(viewer=request.user).filter(slug__startswith=slug)
        for tag in known.order_by("-usage_count", "slug")[:8]:
            if tag.slug not in chosen:
                options.append((f"{prefix}{tag.name}", tag.name))
    return render(request, "communities/_tag_options.html", {"options": options})


@login_required
@require_POST
def post_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The author marks their post solved, or open again."""
    assert request.user.is_authenticated  # login_required
    post = _visible_post(request, pk)
    status = request.POST.get("status", "")
    if status not in (Post.Status.OPEN, Post.Status.SOLVED):
        messages.error(request, "Choose open or solved.")
        return redirect(post)
    services.post_update(actor=request.user, post=post, status=status)
    if status == Post.Status.SOLVED:
        messages.success(request, "Marked as solved. Well done!")
    else:
        messages.success(request, "Open again.")
    return redirect(post)


@login_required
@require_POST
def post_reply_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply to a post (the author is notified), if the author takes replies."""
    assert request.user.is_authenticated  # login_required
    post = _visible_post(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = services.post_reply(
                author=request.user, post=post, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Reply posted.")
            return redirect(f"{post.get_absolute_url()}#reply-{reply.pk}")
    return _post_page(request, pk, reply_form=form)
