from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.forms import PostForm, ReplyForm, split_tags
from communities.models import Post, Tag
from matching import selectors as matching_selectors


def home(request):
    """Signed out: what Kindred is and some active communities. Signed in: my communities, my
    invitations and why, peers for my open posts, and what is new in my communities."""
    user = request.user
    context: dict = {
        "communities": selectors.community_list(viewer=user).filter(status="active")[:6]
    }
    if user.is_authenticated:
        context.update(
            my_communities=selectors.community_list_of_member(viewer=user, member=user)[:12],
            invitations=selectors.community_invitations(user=user)[:12],
            my_posts=selectors.post_list_open_with_peers(viewer=user, author=user)[:10],
            recent_posts=selectors.placement_list_recent(viewer=user),
            recent_threads=selectors.thread_list_recent(viewer=user),
        )
    return render(request, "home.html", context)


def _post_matches_context(request, pk: int) -> dict:
    post = get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)
    placements = list(selectors.placement_list_for_post(viewer=request.user, post=post))
    placed = {placement.community_id for placement in placements}
    fits = matching_selectors.post_community_fits(viewer=request.user, post=post)
    return {
        "post": post,
        "is_author": request.user.is_authenticated and post.author_id == request.user.pk,
        "peers": matching_selectors.post_peers(viewer=request.user, post=post),
        "placements": placements,
        "fits": [fit for fit in fits if fit.community_id not in placed],
    }


def _post_page(request, pk: int, reply_form: ReplyForm | None = None, status: int = 200):
    context = _post_matches_context(request, pk)
    post = context["post"]
    context.update(
        replies=selectors.post_reply_list(viewer=request.user, post=post),
        can_reply=request.user.has_perm("communities.reply_to_post", post),
        reply_form=reply_form or ReplyForm(),
    )
    return render(request, "communities/post_detail.html", context, status=status)


def post_detail(request, pk: int):
    return _post_page(request, pk)


def post_matches(request, pk: int):
    """The peers and communities panel of a post page; htmx polls it while matching runs."""
    return render(request, "communities/_post_matches.html", _post_matches_context(request, pk))


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
def post_new(request):
    """Write a post; a live panel shows similar posts and fitting communities while typing."""
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


def post_similar(request):
    """The live panel of the post form: what the draft resembles. Cheap enough to run on every
    pause in typing (debounced by htmx)."""
    from matching.services import similar_to_text

    found = similar_to_text(
        viewer=request.user,
        title=request.GET.get("title", "")[:200],
        body=request.GET.get("body", "")[:20000],
        tags=split_tags(request.GET.get("tags", "")[:600])[:8],
        k=5,
    )
    typed = any(request.GET.get(name, "").strip() for name in ("title", "body", "tags"))
    return render(request, "communities/_similar_panel.html", {"found": found, "typed": typed})


def tag_options(request):
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
        for tag in (
            selectors.tag_list().filter(slug__startswith=slug).order_by("-usage_count", "slug")[:8]
        ):
            if tag.slug not in chosen:
                options.append((f"{prefix}{tag.name}", tag.name))
    return render(request, "communities/_tag_options.html", {"options": options})


def _own_post(request, pk: int) -> Post:
    return get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)


@login_required
@require_POST
def post_set_status(request, pk: int):
    """The author marks their post solved, or open again."""
    post = _own_post(request, pk)
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
def post_fit_dismiss(request, pk: int, fit_pk: int):
    """ "Not my problem": the author turns down a suggested community."""
    from matching.models import CommunityFit
    from matching.services import community_fit_dismiss

    post = _own_post(request, pk)
    fit = get_object_or_404(
        CommunityFit.objects.select_related("post", "community"), pk=fit_pk, post=post
    )
    community_fit_dismiss(actor=request.user, fit=fit)
    messages.success(request, f"We will not suggest “{fit.community.name}” for this post again.")
    return redirect(post)


@login_required
@require_POST
def post_peer_dismiss(request, pk: int, suggestion_pk: int):
    """The author hides a suggested peer."""
    from matching.models import PeerSuggestion
    from matching.services import peer_dismiss

    post = _own_post(request, pk)
    suggestion = get_object_or_404(
        PeerSuggestion.objects.select_related("post"), pk=suggestion_pk, post=post
    )
    peer_dismiss(actor=request.user, suggestion=suggestion)
    messages.success(request, "We will not suggest that post again.")
    return redirect(post)


@login_required
@require_POST
def post_reply_create(request, pk: int):
    """Reply to a post (the author is notified), if the author takes replies."""
    post = _own_post(request, pk)
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
