"""The matcher's quality on the labelled datasets (beside the reference TF-IDF -> SVD -> k-means),
and its fitting time and latency at scale on resampled posts."""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bench.engine.datasets import load_labelled, resample, sentence_vectors
from bench.engine.process import run_child
from bench.engine.scores import area_scores, scores
from matching.engine import Matcher


def fit_child(task: dict[str, Any]) -> dict[str, Any]:
    """One fit (the matcher's or the reference's) of a dataset, resampled to ``size`` if given:
    its scores, seconds, peak memory and, with ``latency``, a new post's latency."""
    path = Path(task["path"])
    posts, labels = load_labelled(path)
    vectors = None
    if task["encoder"] != "lexical" and task["method"] != "reference":
        vectors = sentence_vectors(path, posts, Path(task["cache"]))
    if task.get("size"):
        # A resampled post is a copy of a real one: it takes that post's stored vector.
        originals = posts
        posts, labels = resample(posts, labels, task["size"], seed=0)
        pick = np.random.default_rng(0).integers(0, len(originals), task["size"])
        if vectors is not None:
            vectors = {i: vectors[originals[j].id] for i, j in enumerate(pick.tolist())}
    true_k = len(set(labels))
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if task["method"] == "reference":
        pred = reference_kmeans(posts, true_k)
    else:
        k = true_k if task["method"] == "matcher_k" else None
        matcher = Matcher(encoder=task["encoder"], n_communities=k, random_state=0)
        matcher.fit(posts, vectors=vectors)
        pred = matcher.labels_
        result["config_id"] = matcher.config_id_
        result["discovery"] = matcher.discovery_
        result.update(area_scores(labels, matcher))
    result["seconds"] = time.perf_counter() - start
    if task.get("latency"):
        result.update(latency(matcher, posts))
    result.update(scores(labels, pred))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["n"] = len(posts)
    return result


def reference_kmeans(posts: list[Any], k: int) -> np.ndarray:
    """The reference: TF-IDF of all text, SVD to 100 dimensions, k-means with the true K."""
    texts = [" ".join([p.title, p.body, *p.tags]) for p in posts]
    X = TfidfVectorizer(stop_words="english", min_df=2).fit_transform(texts)
    Z = normalize(TruncatedSVD(100, random_state=0).fit_transform(X))
    return KMeans(k, n_init=10, random_state=0).fit_predict(Z)


def latency(matcher: Any, posts: list[Any], queries: int = 300) -> dict[str, float]:
    """p50/p95 of placing one post and finding its 10 peers (the two calls a new post triggers),
    encoding included for the semantic and hybrid encoders."""
    rng = np.random.default_rng(1)
    times = []
    for j in rng.integers(0, len(posts), queries).tolist():
        post = posts[j]
        start = time.perf_counter()
        vector = matcher.sentence_vectors([post]).get(post.id)  # encoded once, as a post is
        matcher.place(post, vector=vector)
        matcher.similar(post, k=10, vector=vector)
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    return {
        "place_peers_p50_ms": float(np.percentile(ms, 50)),
        "place_peers_p95_ms": float(np.percentile(ms, 95)),
    }


# -- the tables ---------------------------------------------------------------------------------
HEADER = (
    "| dataset | encoder | method | NMI | ARI | ACC | NMI (all) | coverage | found / true "
    "| communities >= 95% one label | areas | areas NMI | seconds | peak MB |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)
METHOD_NAMES = {
    "matcher": "matcher, K from data",
    "matcher_k": "matcher, true K",
    "reference": "TF-IDF+SVD+k-means, true K",
}


def row(name: str, encoder: str, method: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {encoder if method != 'reference' else 'tfidf'} | {METHOD_NAMES[method]} | "
        f"{r['nmi']:.3f} | {r['ari']:.3f} | {r['acc']:.3f} | {r['nmi_all']:.3f} | "
        f"{r['coverage']:.3f} | "
        f"{r['found']} / {r['true']} | {r.get('pure_share', 0):.2f} | {r.get('areas', '-')} | "
        f"{r.get('areas_nmi', 0):.3f} | {r['seconds']:.1f} | {r['peak_mb']:.0f} |"
    )


def quality_rows(args: argparse.Namespace, names: list[str], cache: Path) -> list[str]:
    lines = []
    for name in names:
        path = (args.datasets / f"{name}.jsonl").resolve()
        for encoder in args.encoders:
            methods = ["matcher", "matcher_k"] + (
                ["reference"] if encoder == args.encoders[0] else []
            )
            for method in methods:
                task = {
                    "path": str(path),
                    "encoder": encoder,
                    "method": method,
                    "cache": str(cache),
                }
                line = row(name, encoder, method, run_child(task))
                lines.append(line)
                print(line, flush=True)
    return lines


def scale_rows(args: argparse.Namespace, cache: Path) -> list[str]:
    header = (
        "\n| posts (resampled) | encoder | communities found | seconds | peak MB "
        "| place + 10 peers p50 / p95 ms |\n"
        "|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    latency_sizes = set(args.latency_sizes) | ({100_000} if args.latency else set())
    for size in sorted(set(args.sizes) | latency_sizes):
        task = {
            "path": str((args.datasets / "stackexchange3.jsonl").resolve()),
            "encoder": args.encoders[0],
            "method": "matcher",
            "size": size,
            "latency": size in latency_sizes,
            "cache": str(cache),
        }
        r = run_child(task)
        lat = (
            f"{r['place_peers_p50_ms']:.1f} / {r['place_peers_p95_ms']:.1f}"
            if "place_peers_p95_ms" in r
            else "-"
        )
        line = (
            f"| {size:,} | {args.encoders[0]} | {r['found']} | {r['seconds']:.1f} | "
            f"{r['peak_mb']:.0f} | {lat} |"
        )
        print(line, flush=True)
        lines.append(line)
    return lines
