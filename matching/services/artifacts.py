"""Fitted matchers in the database (``MatchArtifact``) and in memory, shared by web processes and
workers.

An artifact is the directory ``Matcher.save`` writes, zipped. It records its configuration id;
``Matcher.load`` refuses one saved in another format or by another algorithm version
(``engine.IncompatibleArtifact``), and :func:`loaded_current` then says so with
:class:`UnloadableArtifact`, so that the caller requests a run instead of using it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from matching import engine
from matching.models import MatchArtifact, MatchRun
from matching.services.adapter import matchable_posts, new_matcher, to_engine_post
from matching.services.storage import vectors_stored

logger = logging.getLogger(__name__)

KEEP_ARTIFACTS = 3  # the current one and its predecessors


class UnloadableArtifact(Exception):
    """The current run's matcher cannot be used by this version of the engine."""


def pack(matcher: engine.Matcher) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        matcher.save(tmp)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()


def unpack(data: bytes) -> engine.Matcher:
    """The matcher in an artifact's bytes. Raises ``engine.IncompatibleArtifact`` when another
    format or algorithm version saved it, and ValueError, KeyError, OSError or BadZipFile when
    the bytes are not an artifact."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if "/" in name or name.startswith("."):
                    raise ValueError(f"unexpected file in a matcher artifact: {name!r}")
            archive.extractall(tmp)  # names checked above
        return engine.Matcher.load(tmp)


def artifact_store(*, run_id: int, config_id: str, data: bytes | None) -> None:
    """Replace the run's artifact by ``data`` (a packed matcher; none when None). Call it inside
    the transaction that records the run's fit. Safe to run twice."""
    if data is None:
        MatchArtifact.objects.filter(run_id=run_id).delete()
        return
    # update_or_create, not delete + create: a run fitted twice at once (a redelivered task
    # beside the first) must not fail on the run's unique artifact.
    MatchArtifact.objects.update_or_create(
        run_id=run_id,
        defaults={
            "config_id": config_id,
            "data": data,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )


def artifacts_prune() -> None:
    """Keep only the newest few artifacts."""
    keep = list(
        MatchArtifact.objects.order_by("-created_at").values_list("pk", flat=True)[:KEEP_ARTIFACTS]
    )
    MatchArtifact.objects.exclude(pk__in=keep).delete()


# -- a run's own matcher, in the workers that search its chunks ---------------------------------

_run_matchers: dict[int, engine.Matcher] = {}


def run_matcher(run_id: int) -> engine.Matcher:
    """This run's fitted matcher, loaded once per worker process (chunks of one run share it)."""
    if run_id not in _run_matchers:
        _run_matchers.clear()
        artifact = MatchArtifact.objects.get(run_id=run_id)
        _run_matchers[run_id] = unpack(bytes(artifact.data))
    return _run_matchers[run_id]


# -- the current fitted matcher ------------------------------------------------------------------


@dataclass
class LoadedMatcher:
    run_id: int
    matcher: engine.Matcher
    community_map: dict[int, int]  # engine community id -> Community pk
    high_water: int  # every post with pk <= high_water is in the matcher's peer index


_cache_lock = threading.Lock()
_cache: LoadedMatcher | None = None
_unloadable: set[int] = set()  # runs whose artifact this version of the engine cannot load


def current_run() -> MatchRun | None:
    """The last run that succeeded and left a matcher behind."""
    return (
        MatchRun.objects.filter(status=MatchRun.Status.SUCCEEDED, artifact__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )


def _load(run: MatchRun) -> LoadedMatcher:
    artifact = MatchArtifact.objects.get(run=run)
    try:
        matcher = unpack(bytes(artifact.data))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        # Saved by another version of the engine (after an upgrade, say): match nothing with it.
        logger.warning(
            "The matcher of run #%s (%s) cannot be loaded by %s: %s",
            run.pk,
            artifact.config_id,
            new_matcher().config_id(),
            exc,
        )
        _unloadable.add(run.pk)
        raise UnloadableArtifact(str(exc)) from exc
    return LoadedMatcher(
        run_id=run.pk,
        matcher=matcher,
        community_map={int(k): v for k, v in run.metrics.get("community_map", {}).items()},
        high_water=int(run.metrics.get("high_water", 0)),
    )


def loaded_current(run: MatchRun) -> LoadedMatcher | None:
    """``run``'s fitted matcher (the current run's), loaded once per process, with every post
    published since that run added to its peer index. None when it was found unloadable before;
    raises :class:`UnloadableArtifact` the first time it is found so."""
    global _cache
    if run.pk in _unloadable:
        return None
    with _cache_lock:
        if _cache is None or _cache.run_id != run.pk:
            _cache = _load(run)
        newer = list(matchable_posts().filter(pk__gt=_cache.high_water))
        if newer:
            index = _cache.matcher.peer_index_
            fresh = [to_engine_post(p) for p in newer if p.pk not in index]
            if fresh:
                # Their match tasks stored their sentence vectors: they are not encoded again.
                stored = vectors_stored(_cache.matcher, {int(p.id) for p in fresh})
                _cache.matcher.add_posts(fresh, vectors=stored or None)
            _cache.high_water = max(p.pk for p in newer)
        return _cache
