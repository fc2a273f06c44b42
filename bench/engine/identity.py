"""Identity across runs: refit with 5% new posts and count which communities keep their id."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine.datasets import load_labelled
from bench.engine.process import run_child
from matching.engine import Matcher


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


def identity_rows(args: argparse.Namespace, names: list[str]) -> list[str]:
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
