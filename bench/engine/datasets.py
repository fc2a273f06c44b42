"""The labelled datasets: posts and labels read apart, sentence vectors cached, resampling.

The label field is read here, for scoring, and nowhere else: the matcher receives :class:`Post`
objects built by :func:`matching.engine.io.parse_post`, which drops it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from matching.engine import Post
from matching.engine.io import parse_post
from matching.engine.semantic import SemanticEncoder

DATASETS = ("stackexchange3", "biomedical", "searchsnippets")


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
