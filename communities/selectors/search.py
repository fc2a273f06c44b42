"""Site search over posts, threads and replies: reads only, with the visibility of
selectors/visibility.py applied (one place), so nothing the viewer may not see is ever found.

On PostgreSQL a ranked full-text search reads the stored, indexed ``search_document`` columns
(migration 0012: a post's title weighs more than its body, and its tags count too), and snippets
come from ts_headline. On SQLite (the embedded default) every word must appear in the title, the
body or, for posts, a tag, newest first, with a snippet cut around the first word found.

Snippets are user text: they are escaped here and carry no markup but ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connection
from django.db.models import BooleanField, Case, FloatField, Model, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from communities.models import Community, Placement, Post, Reply, Tag, Thread
from communities.selectors.communities import DIRECTORY_STATUSES
from communities.selectors.posts import post_list, tag_list
from communities.selectors.visibility import (
    Viewer,
    community_visibility_filter,
    reply_visibility_filter,
    thread_visibility_filter,
)
from core.text import clean_name

SEARCH_KINDS = ("post", "thread", "reply")
SEARCH_KIND_NAMES = {"post": "Posts", "thread": "Threads", "reply": "Replies"}
SEARCH_QUERY_MAX_LENGTH = 200
MAX_WORDS = 8  # SQLite: every word is one more LIKE over every row
CONFIG = "english"
# ts_headline marks hits with these (private-use characters); search_hits() turns them into <mark>
# after escaping everything else, so no markup of the author's survives.
START, STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"([{START}{STOP}])")
SNIPPET_CHARS = 220


def clean_search_query(raw: str) -> str:
    """What to search for: one line, control characters gone (empty when nothing is left)."""
    return clean_name(raw or "")


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _words(query: str) -> list[str]:
    return [word for word in query.split() if word.strip("\"'-")][:MAX_WORDS]


def _rank(table: str, query: str) -> RawSQL:
    return RawSQL(  # noqa: S611 - our table's name; the words are a parameter
        f'ts_rank("{table}"."search_document", websearch_to_tsquery(%s::regconfig, %s))',
        (CONFIG, query),
        output_field=FloatField(),
    )


def matching_ids(model: type[Model], query: str) -> QuerySet:
    """Ids of the rows whose stored document matches: one subquery the GIN index serves. The
    column is named without its table so that it is the subquery's own row, not the outer
    query's (which would make it a correlated subquery, run once per row)."""
    hit = RawSQL(
        "search_document @@ websearch_to_tsquery(%s::regconfig, %s)",
        (CONFIG, query),
        output_field=BooleanField(),
    )
    return model._default_manager.alias(hit=hit).filter(hit=True).values("pk")


def _headline(expression: str, query: str, *, whole: bool = False) -> SearchHeadline:
    search = SearchQuery(query, search_type="websearch", config=CONFIG)
    if whole:
        return SearchHeadline(
            expression, search, config=CONFIG, start_sel=START, stop_sel=STOP, highlight_all=True
        )
    return SearchHeadline(
        expression,
        search,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _community_posts(community: Community) -> QuerySet[Placement, Any]:
    return Placement.objects.filter(community=community).values("post_id")


def search_posts(
    *, viewer: Viewer, query: str, community: Community | None = None, tag: str = ""
) -> QuerySet[Post]:
    """Posts the viewer may see that match ``query`` (in the title, body or a tag), best first;
    within ``community`` (one the viewer may see: the caller resolves it) and with ``tag``."""
    posts = post_list(viewer=viewer)
    if community is not None:
        posts = posts.filter(pk__in=_community_posts(community))
    if tag:
        posts = posts.filter(
            pk__in=Post.tags.through.objects.filter(tag__slug=tag).values("post_id")
        )
    if _is_postgresql():
        # A tag named like the query counts as a match and ranks the post higher. Looked up
        # first (one small query): without one, the search is a single index scan.
        tag_ids = list(
            Tag.objects.filter(Q(name__iexact=query) | Q(slug=Tag.normalize(query))).values_list(
                "pk", flat=True
            )
        )
        found = Q(pk__in=matching_ids(Post, query))
        bonus: Any = Value(0.0)
        if tag_ids:
            by_tag = Post.tags.through.objects.filter(tag__in=tag_ids).values("post_id")
            found |= Q(pk__in=by_tag)
            bonus = Case(When(pk__in=by_tag, then=Value(0.3)), default=Value(0.0))
        return (
            posts.filter(found)
            .annotate(
                rank=_rank("communities_post", query) + bonus,
                title_marked=_headline("title", query, whole=True),
                body_marked=_headline("body", query),
            )
            .order_by("-rank", "-created_at", "-id")
        )
    for word in _words(query):
        tagged = Post.tags.through.objects.filter(tag__name__icontains=word).values("post_id")
        posts = posts.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(pk__in=tagged))
    return posts.order_by("-created_at", "-id")


def search_threads(
    *, viewer: Viewer, query: str, community: Community | None = None, tag: str = ""
) -> QuerySet[Thread]:
    """Threads the viewer may see whose title matches ``query``, best first."""
    threads = Thread.objects.filter(thread_visibility_filter(viewer)).select_related(
        "community", "author__profile"
    )
    if community is not None:
        threads = threads.filter(community=community)
    if tag:
        tagged = Community.tags.through.objects.filter(tag__slug=tag).values("community_id")
        threads = threads.filter(community__in=tagged)
    if _is_postgresql():
        return (
            threads.filter(pk__in=matching_ids(Thread, query))
            .annotate(
                rank=_rank("communities_thread", query),
                title_marked=_headline("title", query, whole=True),
            )
            .order_by("-rank", "-last_reply_at", "-id")
        )
    for word in _words(query):
        threads = threads.filter(title__icontains=word)
    return threads.order_by("-last_reply_at", "-id")


def search_replies(
    *, viewer: Viewer, query: str, community: Community | None = None, tag: str = ""
) -> QuerySet[Reply]:
    """Replies the viewer may see (messages in threads and replies to posts) that match
    ``query``, best first."""
    replies = Reply.objects.filter(reply_visibility_filter(viewer)).select_related(
        "author__profile", "thread__community", "post"
    )
    if community is not None:
        replies = replies.filter(
            Q(thread__community=community) | Q(post__in=_community_posts(community))
        )
    if tag:
        communities = Community.tags.through.objects.filter(tag__slug=tag).values("community_id")
        posts = Post.tags.through.objects.filter(tag__slug=tag).values("post_id")
        replies = replies.filter(Q(thread__community__in=communities) | Q(post__in=posts))
    if _is_postgresql():
        return (
            replies.filter(pk__in=matching_ids(Reply, query))
            .annotate(rank=_rank("communities_reply", query), body_marked=_headline("body", query))
            .order_by("-rank", "-created_at", "-id")
        )
    for word in _words(query):
        replies = replies.filter(body__icontains=word)
    return replies.order_by("-created_at", "-id")


SEARCHES = {"post": search_posts, "thread": search_threads, "reply": search_replies}


def search_results(
    *, viewer: Viewer, kind: str, query: str, community: Community | None = None, tag: str = ""
) -> QuerySet:
    """One kind's results (``kind`` in SEARCH_KINDS), best first; the query must already be
    cleaned and not empty."""
    return SEARCHES[kind](viewer=viewer, query=query, community=community, tag=tag)


# Presenting results: titles and snippets as escaped HTML with <mark> only ---------------------


def render_marked(text: str) -> SafeString:
    """Text with START/STOP markers as HTML: everything escaped, the marked parts in <mark>.
    Unbalanced markers (from text that held the marker characters itself) are dropped."""
    out: list[str] = []
    inside = False
    for part in _MARKERS.split(text):
        if part == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif part == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(str(escape(part)))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text was escaped above


def _mark_words(text: str, words: list[str]) -> str:
    text = _MARKERS.sub("", text)
    if not words:
        return text
    pattern = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.sub(f"({pattern})", f"{START}\\1{STOP}", text, flags=re.IGNORECASE)


def _plain_snippet(text: str, words: list[str]) -> str:
    """About SNIPPET_CHARS characters of ``text`` around the first word found, marked."""
    text = " ".join(text.split())
    folded = text.casefold()
    hits = [i for i in (folded.find(w.casefold()) for w in words) if i >= 0]
    start = max(0, min(hits) - 60) if hits else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + SNIPPET_CHARS
    piece = text[start:end]
    if end < len(text):
        piece = piece.rsplit(" ", 1)[0] + "…"
    return _mark_words(("…" if start else "") + piece, words)


@dataclass
class SearchHit:
    """One result, ready for a page or the API."""

    kind: str
    pk: int
    url: str
    title: SafeString
    snippet: SafeString
    created_at: datetime
    author: str | None
    community: Community | None = None
    context: str = ""  # a reply's thread or post title
    plain_title: str = ""
    tags: list[Tag] = field(default_factory=list)


def _marked(row: Model, attribute: str, plain: str, words: list[str], whole: bool) -> SafeString:
    marked = getattr(row, attribute, None)
    if marked is None:
        marked = (
            _mark_words(" ".join(plain.split()), words) if whole else _plain_snippet(plain, words)
        )
    return render_marked(marked)


def _author(row: Post | Thread | Reply) -> str | None:
    return row.author.public_name if row.author_id and row.author else None


def search_hits(rows: list[Any], kind: str, query: str) -> list[SearchHit]:
    """The rows of one page of ``search_results(kind=...)`` as SearchHits."""
    words = _words(query.replace('"', " "))
    hits = []
    for row in rows:
        if kind == "post":
            hits.append(
                SearchHit(
                    kind=kind,
                    pk=row.pk,
                    url=row.get_absolute_url(),
                    title=_marked(row, "title_marked", row.title, words, True),
                    plain_title=row.title,
                    snippet=_marked(row, "body_marked", row.body, words, False),
                    created_at=row.created_at,
                    author=_author(row),
                    tags=list(row.tags.all()),
                )
            )
        elif kind == "thread":
            hits.append(
                SearchHit(
                    kind=kind,
                    pk=row.pk,
                    url=row.get_absolute_url(),
                    title=_marked(row, "title_marked", row.title, words, True),
                    plain_title=row.title,
                    snippet=mark_safe(""),
                    created_at=row.created_at,
                    author=_author(row),
                    community=row.community,
                )
            )
        else:
            hits.append(_reply_hit(row, words))
    return hits


def _reply_hit(reply: Reply, words: list[str]) -> SearchHit:
    thread, post = reply.thread, reply.post
    community: Community | None
    if thread is not None:
        url = reverse(
            "communities:thread-detail", kwargs={"slug": thread.community.slug, "pk": thread.pk}
        )
        context, community = thread.title, thread.community
    else:
        assert post is not None  # a reply is in a thread or on a post (a database constraint)
        url, context, community = post.get_absolute_url(), post.title, None
    return SearchHit(
        kind="reply",
        pk=reply.pk,
        url=f"{url}#reply-{reply.pk}",
        title=render_marked(""),
        snippet=_marked(reply, "body_marked", reply.body, words, False),
        created_at=reply.created_at,
        author=_author(reply),
        community=community,
        context=context,
    )


# The filters' choices -----------------------------------------------------------------------


def _visible_communities(viewer: Viewer) -> QuerySet[Community]:
    visible = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    return Community.objects.filter(pk__in=visible)


def community_for_filter(*, viewer: Viewer, slug: str) -> Community | None:
    """The community to search within, if the viewer may see it (otherwise None, as if there
    were no such community: a private one's address tells outsiders nothing)."""
    if not slug:
        return None
    return _visible_communities(viewer).filter(slug=slug).first()


def community_filter_choices(*, viewer: Viewer, limit: int = 60) -> QuerySet[Community]:
    """Live communities the viewer may see, by name, for a filter's list."""
    return (
        _visible_communities(viewer)
        .filter(status__in=DIRECTORY_STATUSES, merged_into__isnull=True)
        .order_by("name", "id")[:limit]
    )


def tag_filter_choices(*, viewer: Viewer, limit: int = 40) -> QuerySet[Tag]:
    """The most used tags the viewer may know of, for a filter's list."""
    return tag_list(viewer=viewer).order_by("-usage_count", "slug")[:limit]
