"""What identifies the engine's results: the algorithm version and the configuration id.

A configuration id (``matcher-v<version>-<encoder>-<hash of every parameter>``) is stored on every
run and in every saved artifact, so that a run can be explained and reproduced, and so that an
artifact saved by another algorithm is never used silently (:func:`check_artifact`).

Bump ``ALGORITHM_VERSION`` on every change that can change a result for the same posts and
parameters; ``tests/engine/test_golden.py`` fails when results change while it does not.
Bump ``ARTIFACT_FORMAT`` when the files ``Matcher.save`` writes change shape.

Versions:
  1  the first engine, kept after placement calibration, the warm start and the choice of the
     number of communities had changed its results (so it identified nothing).
  2  the same results as the last release of version 1, now with a golden fingerprint; the
     artifact records its format and version and ``Matcher.load`` refuses any other.
  3  fits compare a post with members measured leave-one-out and require a margin over every
     other community; misfits use a pooled spread floor; peers above the noise floor only; text
     cleaned of links, Markdown and contractions, filler words dropped; the tag block keeps its
     share after the reduction; names are phrases (c-TF-IDF over phrases). Runs with previous
     communities keep them: members stay, only new posts are placed or found new communities;
     merges and splits become ``suggestions_`` (issue 10, items 3-6).
  4  communities at the finest stable level (the modularity peak) grouped into areas cut from the
     same merge path (``areas``); the artifact keeps the areas (issue 10, item 2).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

ALGORITHM_VERSION = 4
ARTIFACT_FORMAT = 3

_CONFIG_ID = re.compile(r"^matcher-v(\d+)-")


class IncompatibleArtifact(ValueError):
    """A saved matcher this engine must not use: another artifact format or algorithm version.

    The caller should fit a new matcher (request a new run) instead of loading this one."""

    def __init__(self, message: str, *, found: str, expected: str) -> None:
        super().__init__(message)
        self.found = found
        self.expected = expected


def make_config_id(params: Mapping[str, Any]) -> str:
    """``matcher-v<algorithm version>-<encoder>-<hash of every parameter>``."""
    digest = hashlib.sha256(json.dumps(dict(params), sort_keys=True).encode()).hexdigest()[:10]
    return f"matcher-v{ALGORITHM_VERSION}-{params['encoder']}-{digest}"


def version_of(config_id: str) -> int | None:
    """The algorithm version a configuration id names, or None when it names none."""
    found = _CONFIG_ID.match(config_id)
    return int(found.group(1)) if found else None


def check_artifact(meta: Mapping[str, Any]) -> None:
    """Raise :class:`IncompatibleArtifact` unless ``meta`` (a saved ``matcher.json``) was written
    in this engine's artifact format by this algorithm version."""
    config_id = str(meta.get("config_id", "?"))
    expected = f"format {ARTIFACT_FORMAT}, version {ALGORITHM_VERSION}"
    fmt, version = meta.get("format"), meta.get("algorithm_version", version_of(config_id))
    found = f"format {fmt}, version {version}"
    if fmt != ARTIFACT_FORMAT or version != ALGORITHM_VERSION:
        raise IncompatibleArtifact(
            f"this matcher ({config_id}) was saved in artifact {found}; this engine reads "
            f"{expected} only: fit a new matcher",
            found=found,
            expected=expected,
        )
