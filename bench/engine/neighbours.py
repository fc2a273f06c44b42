"""The neighbour stage of a run (every post's 15 peers, in chunks of 2,000 as the run's tasks
search them) on resampled posts, with the exact search and with the HNSW graph, and the graph's
recall@10 against the exact search on a sample of 1,000 posts."""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine.datasets import load_labelled, resample
from bench.engine.process import run_child
from matching.engine import PeerIndex
from matching.engine.lexical import LexicalEncoder
from matching.engine.peers import AnnParams, noise_floor


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


def neighbour_rows(args: argparse.Namespace) -> list[str]:
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
