"""New posts' fits and peers: hold out 10% of a dataset, place each held-out post and find its
peers, beside a plain TF-IDF cosine top-10; and the communities' names."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.engine.datasets import load_labelled, sentence_vectors
from bench.engine.process import run_child
from matching.engine import Matcher
from matching.engine.text import FILLER, STOP_WORDS


def _majority_labels(matcher: Any, labels: list[str]) -> dict[int, str]:
    """Each community's most common true label among its members."""
    votes: dict[int, Counter[str]] = {}
    for lab, c in zip(labels, matcher.labels_.tolist(), strict=True):
        if c >= 0:
            votes.setdefault(int(c), Counter())[lab] += 1
    return {c: v.most_common(1)[0][0] for c, v in votes.items()}


def _tfidf_precision(
    train: list[Any],
    train_labels: list[str],
    queries: list[Any],
    query_labels: list[str],
    k: int = 10,
) -> float:
    """Precision@k of a plain TF-IDF cosine top-k over the same posts (the peers' reference)."""
    texts = [" ".join([p.title, p.body, *p.tags]) for p in train]
    vectorizer = TfidfVectorizer(stop_words="english", min_df=2)
    X = vectorizer.fit_transform(texts)
    Q = vectorizer.transform([" ".join([p.title, p.body, *p.tags]) for p in queries])
    truth = np.asarray(train_labels)
    hits = []
    for i in range(Q.shape[0]):
        sims = (X @ Q[i].T).toarray().ravel()
        top = np.argsort(-sims, kind="stable")[:k]
        hits.append(float(np.mean(truth[top] == query_labels[i])))
    return float(np.mean(hits))


def fits_child(task: dict[str, Any]) -> dict[str, Any]:
    """Hold out 10% of a dataset, fit the rest, then place each held-out post (first fit right:
    its community mostly holds the post's own label; offered: any fit at all) and find its 10
    peers (precision@10: share of peers with the post's label), beside a plain TF-IDF cosine
    top-10 over the same posts. Also counts community names holding a stop or filler word."""
    posts, labels = load_labelled(Path(task["path"]))
    rng = np.random.default_rng(0)
    held = np.zeros(len(posts), bool)
    held[rng.choice(len(posts), len(posts) // 10, replace=False)] = True
    train = [p for p, h in zip(posts, held, strict=True) if not h]
    train_labels = [lab for lab, h in zip(labels, held, strict=True) if not h]
    queries = [p for p, h in zip(posts, held, strict=True) if h]
    query_labels = [lab for lab, h in zip(labels, held, strict=True) if h]
    encoder = task.get("encoder", "lexical")
    vectors = (
        sentence_vectors(Path(task["path"]), posts, Path(task["cache"]))
        if encoder != "lexical"
        else {}
    )
    matcher = Matcher(encoder=encoder, random_state=0).fit(train, vectors=vectors or None)
    majority = _majority_labels(matcher, train_labels)
    label_of = dict(zip(matcher.post_ids_, train_labels, strict=True))
    offered = right = 0
    precision, returned = [], []
    for post, lab in zip(queries, query_labels, strict=True):
        vector = vectors.get(post.id)
        placed = matcher.place(post, limit=1, vector=vector)
        if placed:
            offered += 1
            right += majority.get(placed[0][0]) == lab
        peers = matcher.similar(post, k=10, vector=vector)
        returned.append(len(peers))
        if peers:
            precision.append(float(np.mean([label_of[p.id] == lab for p in peers])))
    banned = [
        c.name
        for c in matcher.communities_
        if any(
            w in STOP_WORDS or w in FILLER or not w.isalpha()
            for w in c.name.lower().replace(" and ", " ").split()
        )
        and c.name != "Unnamed group"
    ]
    return {
        "n_queries": len(queries),
        "offered": offered / len(queries),
        "first_fit_right": right / max(offered, 1),
        "peers_p10": float(np.mean(precision)) if precision else 0.0,
        "peers_returned": float(np.mean(returned)),
        "tfidf_p10": _tfidf_precision(train, train_labels, queries, query_labels),
        "communities": len(matcher.communities_),
        "names": [c.name for c in matcher.communities_],
        "banned_names": banned,
    }


def fits_rows(args: argparse.Namespace, names: list[str], cache: Path) -> list[str]:
    header = (
        "\n| dataset (10% held out) | encoder | first fit right | fits offered | peers P@10 "
        "| peers shown (of 10) | TF-IDF cosine P@10 | communities | names with a banned word |"
        "\n|---|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    for name, encoder in ((n, e) for n in names for e in args.encoders):
        path = (args.datasets / f"{name}.jsonl").resolve()
        r = run_child({"path": str(path), "fits": True, "encoder": encoder, "cache": str(cache)})
        line = (
            f"| {name} | {encoder} | {r['first_fit_right']:.3f} | {r['offered']:.3f} "
            f"| {r['peers_p10']:.3f} "
            f"| {r['peers_returned']:.1f} | {r['tfidf_p10']:.3f} | {r['communities']} "
            f"| {len(r['banned_names'])} |"
        )
        print(line, flush=True)
        print("  names: " + "; ".join(r["names"][:25]), file=sys.stderr, flush=True)
        lines.append(line)
    return lines
