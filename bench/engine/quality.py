"""Benchmark: the matcher against labelled datasets, and its speed at scale.

``python -m matching bench --datasets ../shared/datasets`` prints, for each dataset and encoder,
the matcher without the true number of communities (its real setting), the matcher given the true
number, and the reference TF-IDF -> SVD(100) -> k-means given the true number. Columns: NMI and ARI
over the assigned posts, NMI over all posts (unassigned posts count as one extra group), clustering
accuracy (Hungarian), coverage, communities found / true labels, seconds of fitting, and the peak
resident memory of the child process that ran it (``resource.getrusage``: every run gets a fresh
process, so the figure includes the interpreter and the loaded data, and nothing from other runs).

The label field is read here, for scoring, and nowhere else: the matcher receives :class:`Post`
objects built by :func:`matching.engine.io.parse_post`, which drops it.

The harness lives outside ``matching/engine/`` (it starts processes and reads datasets); it only
uses the engine's public interface.

``--sizes 10000 100000`` measures fitting time at those sizes on posts synthesised by resampling the
real datasets (with replacement, fresh ids); ``--latency`` measures placing one post and finding its
10 peers among 100,000, and ``--latency-sizes 100000 1000000`` among each of those numbers of
posts (the fit at that size first); ``--identity`` fits 95% of each dataset, refits all of it with
the first run as ``previous``, and reports which communities kept their id.

``--neighbours 20000 100000`` measures the neighbour stage of a run (every post's 15 peers, in
chunks of 2,000 as the run's tasks search them) on stackexchange3 resampled to those sizes, with
the exact search and with the HNSW graph in one run, and the graph's recall@10 against the exact
search on a sample of 1,000 posts.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

from matching.engine import Matcher, Post
from matching.engine.io import parse_post
from matching.engine.peers import AnnParams, PeerIndex, noise_floor
from matching.engine.text import FILLER, STOP_WORDS, LexicalEncoder, SemanticEncoder

DATASETS = ("stackexchange3", "biomedical", "searchsnippets")


# -- loading (labels kept apart from posts) -----------------------------------------------------
def load_labelled(path: Path) -> tuple[list[Any], list[str]]:
    posts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                obj = json.loads(line)
                labels.append(str(obj["label"]))
                posts.append(parse_post(obj))
    return posts, labels


def sentence_vectors(path: Path, posts: list[Any], cache_dir: Path) -> dict[Any, np.ndarray]:
    """Sentence vectors of a dataset, computed once and kept in ``cache_dir`` (outside git)."""
    cache = cache_dir / f"{path.stem}.minilm.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            ids = data["ids"].tolist()
            vectors = data["vectors"]
        return dict(zip(ids, vectors, strict=True))
    cache_dir.mkdir(parents=True, exist_ok=True)
    vectors = SemanticEncoder().encode(posts, show_progress=True)
    ids = [p.id for p in posts]
    np.savez(cache, ids=np.array(ids), vectors=vectors)
    return dict(zip(ids, vectors, strict=True))


# -- scores -------------------------------------------------------------------------------------
def cluster_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    t_values, t = np.unique(truth, return_inverse=True)
    p_values, p = np.unique(pred, return_inverse=True)
    table = np.zeros((len(p_values), len(t_values)))
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / len(truth))


def scores(labels: list[str], pred: np.ndarray) -> dict[str, float]:
    truth = np.asarray(labels)
    assigned = pred >= 0
    t, p = truth[assigned], pred[assigned]
    everything = np.where(assigned, pred, pred.max() + 1)
    return {
        "nmi": float(normalized_mutual_info_score(t, p)),
        "nmi_all": float(normalized_mutual_info_score(truth, everything)),
        "ari": float(adjusted_rand_score(t, p)),
        "acc": cluster_accuracy(t, p),
        "coverage": float(assigned.mean()),
        "found": len(set(p.tolist())),
        "true": len(set(labels)),
    }


def area_scores(labels: list[str], matcher: Any) -> dict[str, Any]:
    """Areas found and their NMI over the posts in one; the share of communities whose posts are
    at least 95% of one label."""
    truth = np.asarray(labels)
    area = np.array([matcher.community_areas_.get(int(c), -1) for c in matcher.labels_])
    inside = area >= 0
    pure = [
        Counter(truth[matcher.labels_ == c].tolist()).most_common(1)[0][1]
        / max(1, int(np.sum(matcher.labels_ == c)))
        >= 0.95
        for c in matcher.community_ids_
    ]
    return {
        "areas": len(matcher.areas_),
        "areas_nmi": float(normalized_mutual_info_score(truth[inside], area[inside]))
        if inside.any()
        else 0.0,
        "pure_share": float(np.mean(pure)) if pure else 0.0,
    }


# -- one measured run, in its own process ---------------------------------------------------------
def resample(
    posts: list[Any], labels: list[str], size: int, seed: int
) -> tuple[list[Any], list[str]]:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(posts), size)
    out = [
        Post(id=i, title=posts[j].title, body=posts[j].body, tags=posts[j].tags)
        for i, j in enumerate(pick.tolist())
    ]
    return out, [labels[j] for j in pick.tolist()]


def child(task: dict[str, Any]) -> dict[str, Any]:
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


def identity_child(task: dict[str, Any]) -> dict[str, Any]:
    """Fit on a random 95% of a dataset, then refit on all of it with the first run as
    ``previous`` (a different random_state, so only the warm start and the matching keep ids)."""
    posts, _ = load_labelled(Path(task["path"]))
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(posts), int(0.95 * len(posts)), replace=False))
    first = Matcher(random_state=0).fit([posts[i] for i in keep])
    previous = {
        c.id: [p for p, lab in zip(first.post_ids_, first.labels_, strict=True) if lab == c.id]
        for c in first.communities_
    }
    second = Matcher(random_state=1).fit(posts, previous=previous)
    kinds = Counter(t.kind for t in second.transitions_)
    kept = [c for c in previous if c in set(second.community_ids_)]
    jaccard = []
    for c in kept:
        a = set(previous[c])
        b = {p for p, lab in zip(second.post_ids_, second.labels_, strict=True) if lab == c}
        jaccard.append(len(a & b) / len(a | b))
    return {
        "before": len(previous),
        "after": len(second.communities_),
        "kept": len(kept),
        "kinds": dict(kinds),
        "mean_jaccard": float(np.mean(jaccard)) if jaccard else 0.0,
    }


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


def _fits_rows(args: argparse.Namespace, names: list[str], cache: Path) -> list[str]:
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


def _timed(work: Any) -> tuple[Any, float, float]:
    """``work()``'s result, wall seconds and CPU seconds (every thread of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _recall_at_10(exact: PeerIndex, ann: PeerIndex, sample: list[Any]) -> dict[str, float]:
    """Recall@10 of the graph's peers against the exact ones, over posts with any exact peer.
    ``recall``: a peer counts when it is as close as the exact 10th (resampled posts have exact
    duplicates, so which of several equally close posts is returned is arbitrary); ``recall_ids``:
    the same post ids."""
    truth = exact.search_indexed(sample, k=10)
    found = ann.search_indexed(sample, k=10)
    hits = same = total = 0
    for pid in sample:
        if not truth[pid]:
            continue
        bound = truth[pid][-1].score - 1e-4  # scores are rounded to 4 decimals
        hits += min(len(truth[pid]), sum(p.score >= bound for p in found[pid]))
        same += len({p.id for p in truth[pid]} & {p.id for p in found[pid]})
        total += len(truth[pid])
    return {"recall": hits / max(total, 1), "recall_ids": same / max(total, 1)}


def neighbours_child(task: dict[str, Any]) -> dict[str, Any]:
    """The neighbour stage on ``size`` resampled posts, exact then with the graph (see the
    module docstring). Vectors are the lexical matcher's (its encoder fitted on these posts; no
    communities are found, which the stage does not need)."""
    posts, labels = load_labelled(Path(task["path"]))
    posts, _ = resample(posts, labels, task["size"], seed=0)
    encoder = LexicalEncoder(random_state=0)
    Z, counts = encoder.fit_transform_with_terms(posts)
    floor = noise_floor(Z, 0)
    ids = [p.id for p in posts]
    result: dict[str, Any] = {"n": len(posts), "dimension": int(Z.shape[1])}
    indexes = {}
    # The graph's parameters are the defaults but for its size threshold: never, and always.
    never, always = AnnParams(min_posts=len(posts) + 1), AnnParams(min_posts=0)
    for name, params in (("exact", never), ("hnsw", always)):
        index = PeerIndex(
            terms=encoder.terms_,
            idf=encoder.idf_,
            dimension=Z.shape[1],
            min_similarity=floor,
            ann=params,
        )
        _, wall, cpu = _timed(lambda index=index: index.append(posts, Z, counts))
        result[f"{name}_build_wall"], result[f"{name}_build_cpu"] = wall, cpu
        chunks = [ids[i : i + task["chunk"]] for i in range(0, len(ids), task["chunk"])]
        _, wall, cpu = _timed(
            lambda index=index, chunks=chunks: [index.search_indexed(c, k=15) for c in chunks]
        )
        result[f"{name}_search_wall"], result[f"{name}_search_cpu"] = wall, cpu
        indexes[name] = index
    rng = np.random.default_rng(0)
    sample = [ids[i] for i in rng.choice(len(ids), min(1000, len(ids)), replace=False)]
    result.update(_recall_at_10(indexes["exact"], indexes["hnsw"], sample))
    graph = indexes["hnsw"].graph
    result["graph_mb"] = len(graph.as_bytes()) / 1e6 if graph is not None else 0.0
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _neighbour_rows(args: argparse.Namespace) -> list[str]:
    header = (
        "\n| posts (resampled) | search | index build s (CPU) | all posts' 15 peers s (CPU) "
        "| stage s | recall@10 (ids) |\n|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    path = str((args.datasets / "stackexchange3.jsonl").resolve())
    for size in args.neighbours:
        r = run_child({"path": path, "size": size, "chunk": 2000, "neighbours": True})
        for name in ("exact", "hnsw"):
            build, search = r[f"{name}_build_wall"], r[f"{name}_search_wall"]
            recall = f"{r['recall']:.4f} ({r['recall_ids']:.4f})" if name == "hnsw" else "1"
            line = (
                f"| {size:,} | {name} | {build:.1f} ({r[f'{name}_build_cpu']:.1f}) "
                f"| {search:.1f} ({r[f'{name}_search_cpu']:.1f}) | {build + search:.1f} "
                f"| {recall} |"
            )
            print(line, flush=True)
            lines.append(line)
        print(
            f"  peak {r['peak_mb']:.0f} MB, dimension {r['dimension']}, "
            f"graph {r['graph_mb']:.1f} MB",
            file=sys.stderr,
        )
    return lines


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    entry = (
        "identity_child"
        if task.get("identity")
        else "fits_child"
        if task.get("fits")
        else "neighbours_child"
        if task.get("neighbours")
        else "child"
    )
    code = (
        f"import json, sys; from matching.benchmarks import {entry}; "
        f"print(json.dumps({entry}(json.loads(sys.argv[1]))))"
    )
    proc = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code, json.dumps(task)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed for {task}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the table ------------------------------------------------------------------------------------
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


def _quality_rows(args: argparse.Namespace, names: list[str], cache: Path) -> list[str]:
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


def _identity_rows(args: argparse.Namespace, names: list[str]) -> list[str]:
    header = (
        "\n| dataset (lexical) | communities before | after | ids kept | transitions "
        "| mean Jaccard of kept |\n|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    for name in names:
        path = (args.datasets / f"{name}.jsonl").resolve()
        r = run_child({"path": str(path), "identity": True})
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items()))
        line = (
            f"| {name} | {r['before']} | {r['after']} | {r['kept']} | {kinds} | "
            f"{r['mean_jaccard']:.3f} |"
        )
        print(line, flush=True)
        lines.append(line)
    return lines


def _scale_rows(args: argparse.Namespace, cache: Path) -> list[str]:
    header = (
        "\n| posts (resampled) | encoder | communities found | seconds | peak MB "
        "| place + 10 peers p50 / p95 ms |\n"
        "|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    latency_sizes = set(getattr(args, "latency_sizes", None) or []) | (
        {100_000} if args.latency else set()
    )
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


def run_bench(args: argparse.Namespace) -> int:
    """``python -m matching bench``: print the tables (and append them to ``--markdown``)."""
    datasets: Path = args.datasets
    names = (
        args.names
        if args.names is not None
        else [n for n in DATASETS if (datasets / f"{n}.jsonl").exists()]
    )
    if getattr(args, "neighbours", None):
        lines = _neighbour_rows(args)
        if args.markdown:
            with open(args.markdown, "a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
        return 0
    if not names and not (args.sizes or args.latency or getattr(args, "latency_sizes", None)):
        print(f"error: no datasets under {datasets}", file=sys.stderr)
        return 2
    cache = Path(getattr(args, "cache", None) or "var/bench-cache").resolve()
    if getattr(args, "fits_only", False):
        lines = _fits_rows(args, names, cache)
    else:
        lines = [HEADER]
        print(HEADER, flush=True)
        lines += _quality_rows(args, names, cache)
        lines += _fits_rows(args, names, cache)
    if getattr(args, "identity", False):
        lines += _identity_rows(args, names)
    if args.sizes or args.latency or getattr(args, "latency_sizes", None):
        lines += _scale_rows(args, cache)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0
