"""Naming and explaining communities.

Key terms are class-based TF-IDF (c-TF-IDF, as in BERTopic): a community's posts are treated as one
document, term frequency is normalised per community and weighted by ``log(1 + A / f_t)`` where
``A`` is the average number of words per community and ``f_t`` the term's frequency over all
communities, so words every community uses sink. Tags are ranked by lift, P(tag | community) /
P(tag), among tags used by at least ``min_support`` members.

The name is a phrase, chosen by c-TF-IDF over the words *and* two- and three-word phrases of the
posts and their tags (phrases never cross a stop word, filler or punctuation, see
``text.word_runs``; a post counts a phrase once). A single word gives way to a phrase that holds
it when the phrase is used by at least half as many members; a single word is joined by the next
best candidate that shares no word with it (maximal marginal relevance with word overlap as the
similarity). Nothing from the stop and filler list, no link fragment, no contraction stub can be
in a name, because none of them is ever a candidate. A moderator can overwrite it later.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from matching.engine.peers import PeerIndex
from matching.engine.text import normalize_tag, normalize_word, plain_text, word_runs
from matching.engine.types import Area, AreaId, Community, CommunityId, Post, PostId

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
NAME_BODY_CHARS = 600  # enough of a body for its phrases; names come mostly from titles and tags


def ctfidf(term_counts: sp.csr_matrix, labels: np.ndarray, n_communities: int) -> np.ndarray:
    """Dense (communities x terms) c-TF-IDF weights; ``labels`` < 0 are ignored."""
    assigned = labels >= 0
    rows = labels[assigned]
    onehot = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.flatnonzero(assigned))),
        shape=(n_communities, term_counts.shape[0]),
    )
    per_class = np.asarray((onehot @ term_counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.maximum(totals, 1)
    avg_words = max(float(totals.mean()), 1.0)
    freq = per_class.sum(axis=0)
    idf = np.log(1 + avg_words / np.maximum(freq, 1))
    return tf * idf


def top_terms(weights: np.ndarray, terms: list[str], n_terms: int) -> list[list[str]]:
    out = []
    for row in weights:
        order = np.argsort(-row, kind="stable")[:n_terms]
        out.append([terms[i] for i in order if row[i] > 0])
    return out


def tag_lift(
    tag_matrix: sp.csr_matrix,
    labels: np.ndarray,
    n_communities: int,
    tags: list[str],
    n_tags: int,
    min_support: int = 2,
) -> list[list[str]]:
    """Tags of each community ranked by lift, then by support."""
    n = tag_matrix.shape[0]
    if tag_matrix.shape[1] == 0:
        return [[] for _ in range(n_communities)]
    assigned = labels >= 0
    rows = labels[assigned]
    onehot = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.flatnonzero(assigned))), shape=(n_communities, n)
    )
    present = (tag_matrix > 0).astype(np.float64)
    support = np.asarray((onehot @ present).todense())
    sizes = np.maximum(np.bincount(rows, minlength=n_communities), 1)[:, None]
    base = np.asarray(present.sum(axis=0)).ravel() / max(n, 1)
    lift = (support / sizes) / np.maximum(base, 1e-12)
    out = []
    for c in range(n_communities):
        ok = np.flatnonzero(support[c] >= min_support)
        ranked = sorted(ok, key=lambda j: (-lift[c, j] * np.log1p(support[c, j]), tags[j]))
        out.append([tags[j] for j in ranked[:n_tags]])
    return out


def _phrases(post: Post) -> list[str]:
    """Words, two- and three-word phrases and tags of a post, each once."""
    found: set[str] = set()
    for run in word_runs(f"{post.title}.\n{(post.body or '')[:NAME_BODY_CHARS]}"):
        for size in (1, 2, 3):
            found.update(" ".join(run[i : i + size]) for i in range(len(run) - size + 1))
    for tag in post.tags:
        words = [normalize_word(w) for w in normalize_tag(tag).replace("-", " ").split()]
        if words and len(words) <= 3:
            found.add(" ".join(words))
    return sorted(found)


def phrase_table(posts: Sequence[Post]) -> tuple[list[str], sp.csr_matrix]:
    """Candidate name phrases (used by at least two of ``posts``) and which post, in order, uses
    each: computed once, weighed per level."""
    if not posts:
        return [], sp.csr_matrix((0, 0))
    vectorizer = CountVectorizer(analyzer=_phrases, min_df=min(2, len(posts)), binary=True)
    try:
        counts = vectorizer.fit_transform(list(posts))
    except ValueError:  # no phrase at all
        return [], sp.csr_matrix((len(posts), 0))
    return vectorizer.get_feature_names_out().tolist(), counts.tocsr()


def phrase_weights(
    table: tuple[list[str], sp.csr_matrix], groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """The c-TF-IDF weight of each phrase of ``table`` per group and the share of each group's
    members using it; ``groups`` gives the group of each assigned post (-1: none)."""
    vocab, counts = table
    if n_groups == 0 or not vocab:
        return np.zeros((n_groups, 0)), np.zeros((n_groups, 0))
    weights = ctfidf(counts, groups, n_groups)
    inside = np.flatnonzero(groups >= 0)
    sizes = np.maximum(np.bincount(groups[inside], minlength=n_groups), 1)
    onehot = sp.csr_matrix(
        (np.ones(len(inside)), (groups[inside], inside)), shape=(n_groups, len(groups))
    )
    support = np.asarray((onehot @ counts).todense()) / sizes[:, None]
    return weights, support


def key_phrases(
    vocab: list[str], weights: np.ndarray, support: np.ndarray, limit: int = 8
) -> list[str]:
    """The most distinctive phrases of one community, best first; a word gives way to a phrase
    holding it that at least half as many members use, and near-duplicates are left out."""
    order = [i for i in np.argsort(-weights, kind="stable")[: limit * 6] if weights[i] > 0]
    out: list[str] = []
    for i in order:
        phrase = vocab[i]
        if " " not in phrase:
            longer = [
                j
                for j in order
                if phrase in vocab[j].split() and support[j] * 2 >= support[i] and j != i
            ]
            if longer:
                phrase = vocab[longer[0]]
        words = set(phrase.split())
        if any(words <= set(p.split()) or set(p.split()) <= words for p in out):
            continue
        out.append(phrase)
        if len(out) == limit:
            break
    return out


def _related(a: str, b: str) -> bool:
    """Two words that are forms of one ("cook", "cooking"; "theory", "theoretical")."""
    common = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return common >= 4 and common >= 0.6 * min(len(a), len(b))


def surface_forms(posts: Sequence[Post]) -> dict[str, str]:
    """How people write words that are not plain lower case ("UK", "Schengen", "iRobot"): the
    form most of a word's uses inside titles take (a title's first word does not count)."""
    forms: dict[str, Counter[str]] = {}
    for post in posts:
        for token in _WORD_RE.findall(post.title)[1:]:
            if token.lower() == normalize_word(token.lower()):
                forms.setdefault(token.lower(), Counter())[token] += 1
    out = {}
    for word, counts in forms.items():
        form, n = counts.most_common(1)[0]
        if form != word and n >= 2 and n >= 0.6 * sum(counts.values()):
            out[word] = form
    return out


def community_name(phrases: list[str], forms: Mapping[str, str] | None = None) -> str:
    """A short phrase: the best key phrase, and when it is a single word the next one that shares
    no word (nor a form of one) with it ("Espresso and grinder"), written as people write its
    words ("Schengen visa", "UK visa")."""
    if not phrases:
        return "Unnamed group"
    first = phrases[0]
    name = first
    if " " not in first:
        other = next(
            (p for p in phrases[1:] if not any(_related(first, w) for w in p.split())), None
        )
        if other is not None:
            name = f"{first} and {other}"
    name = " ".join((forms or {}).get(w, w) for w in name.split())
    return name[:1].upper() + name[1:]


def purpose_draft(community: Community, titles: Mapping[int, str] | Mapping[str, str]) -> str:
    """A readable first purpose: one sentence of what members work on, then the titles of its
    representative problems as a list (Markdown stripped)."""
    about = [p for p in community.key_terms if p.lower() not in community.name.lower()][:3]
    sentence = f"People here are working on {community.name[:1].lower()}{community.name[1:]}"
    if about:
        listed = ", ".join(about[:-1]) + (" and " if len(about) > 1 else "") + about[-1]
        sentence += f", often {listed}"
    lines = [sentence + ".", "", "Some of the problems that brought them together:"]
    known: Mapping[Any, str] = titles
    lines += [f"- {plain_text(known[p])}" for p in community.representative_ids if p in known]
    return "\n".join(lines)


def member_reason(
    post_terms: set[str],
    post_tags: set[str],
    community_terms: list[str],
    community_tags: list[str],
    score: float,
    limit: int = 3,
) -> str:
    """Why a post belongs: the community's tags and words it shares, and how close it is."""
    tags = [t for t in community_tags if t in post_tags][:limit]
    terms = [t for t in community_terms if t in post_terms][:limit]
    shared = []
    if tags:
        shared.append(("the tag " if len(tags) == 1 else "the tags ") + ", ".join(tags))
    if terms:
        shared.append(("the word " if len(terms) == 1 else "the words ") + ", ".join(terms))
    what = " and ".join(shared) if shared else "its subject, in other words"
    return f"Shares {what} with this community (similarity {score:.2f} to its centre)"


def describe_communities(
    *,
    post_ids: Sequence[PostId],
    rows: np.ndarray,
    community_ids: Sequence[CommunityId],
    labels: np.ndarray,
    scores: np.ndarray,
    index: PeerIndex,
    n_key_terms: int,
    n_representatives: int,
    table: tuple[list[str], sp.csr_matrix],
    named: np.ndarray,
    forms: Mapping[str, str],
) -> list[Community]:
    """Name, key terms, tags, representatives and a reason per member for each community.

    ``labels`` and ``scores`` follow ``post_ids``, whose rows in ``index`` are ``rows``;
    ``table`` is :func:`phrase_table` of the posts at positions ``named`` (members who name
    their community) and ``forms`` their :func:`surface_forms`, made once for communities and
    areas."""
    k = len(community_ids)
    col = {c: j for j, c in enumerate(community_ids)}
    compact = np.array([col[c] if c >= 0 else -1 for c in labels], np.int64)
    terms = index.terms
    present = index.term_rows[rows]
    weights = ctfidf(present, compact, k) if k else np.zeros((0, len(terms)))
    key_terms = top_terms(weights, terms, 20)
    tag_lists = tag_lift(index.tag_rows[rows], compact, k, index.tag_vocab, n_key_terms)
    vocab = table[0]
    phrase_w, support = phrase_weights(table, compact[named], k)
    communities = []
    for j, c in enumerate(community_ids):
        members = np.flatnonzero(compact == j)
        order = members[np.argsort(-scores[members], kind="stable")]
        top = key_terms[j]
        phrases = key_phrases(vocab, phrase_w[j], support[j], n_key_terms) if vocab else []
        reasons: dict[PostId, str] = {
            post_ids[r]: member_reason(
                {terms[t] for t in index.terms_of(int(rows[r]))},
                index.tags_of(int(rows[r])),
                top,
                tag_lists[j],
                float(scores[r]),
            )
            for r in members.tolist()
        }
        communities.append(
            Community(
                id=c,
                name=community_name(phrases, forms),
                key_terms=phrases,
                tags=tag_lists[j],
                size=len(members),
                representative_ids=[post_ids[r] for r in order[:n_representatives]],
                member_reasons=reasons,
            )
        )
    return communities


def describe_areas(
    *,
    labels: np.ndarray,
    rows: np.ndarray,
    community_areas: Mapping[CommunityId, AreaId],
    index: PeerIndex,
    n_key_terms: int,
    table: tuple[list[str], sp.csr_matrix],
    named: np.ndarray,
    forms: Mapping[str, str],
) -> list[Area]:
    """Name, key phrases and tags of each area, from the posts of its communities, weighed
    against the other areas; ``labels`` are the posts' community ids, ``rows`` their rows in
    ``index``, and ``table`` the phrases of the posts at positions ``named``."""
    area_ids = sorted(set(community_areas.values()))
    col = {a: j for j, a in enumerate(area_ids)}
    groups = np.array(
        [col[community_areas[c]] if c in community_areas else -1 for c in labels], np.int64
    )
    k = len(area_ids)
    tag_lists = tag_lift(index.tag_rows[rows], groups, k, index.tag_vocab, n_key_terms)
    weights, support = phrase_weights(table, groups[named], k)
    areas = []
    for j, a in enumerate(area_ids):
        phrases = key_phrases(table[0], weights[j], support[j], n_key_terms) if table[0] else []
        areas.append(
            Area(
                id=a,
                name=community_name(phrases, forms),
                community_ids=sorted(c for c, x in community_areas.items() if x == a),
                key_terms=phrases,
                tags=tag_lists[j],
                size=int(np.sum(groups == j)),
            )
        )
    return areas
