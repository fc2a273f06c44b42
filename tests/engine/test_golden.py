"""The configuration id identifies the engine's results: a fixed corpus gives the fingerprint
recorded in ``tests/engine/golden/matcher.json`` for as long as the algorithm version stays.

When this fails because results changed on purpose, bump ``ALGORITHM_VERSION`` in
``matching/engine/version.py`` and regenerate the golden file (``python -m tests.engine.golden
--write``)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from matching.engine import ALGORITHM_VERSION, IncompatibleArtifact, Matcher
from tests.engine.corpus import make_corpus
from tests.engine.golden import GOLDEN_PATH, REGENERATE, fingerprint

V1_ARTIFACT = Path(__file__).parents[1] / "matching" / "fixtures" / "artifact-v1.zip"


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            out += _differences(expected.get(key), actual.get(key), f"{path}/{key}")
        return out
    return [] if expected == actual else [f"{path}: {expected!r} -> {actual!r}"]


def test_results_match_the_golden_file_of_this_version() -> None:
    golden = json.loads(GOLDEN_PATH.read_text())
    current = fingerprint()
    if golden["algorithm_version"] != ALGORITHM_VERSION:
        pytest.fail(
            f"the golden file records version {golden['algorithm_version']}, the engine is at "
            f"version {ALGORITHM_VERSION}: regenerate the golden file with `{REGENERATE}`"
        )
    changed = _differences(golden["fingerprint"], current)
    assert not changed, (
        f"results changed while the configuration id did not (version {ALGORITHM_VERSION}): "
        f"bump the configuration id (ALGORITHM_VERSION in matching/engine/version.py) and "
        f"regenerate the golden file with `{REGENERATE}`. First differences:\n"
        + "\n".join(changed[:15])
    )


def test_the_golden_file_names_the_configuration_id() -> None:
    golden = json.loads(GOLDEN_PATH.read_text())
    assert golden["config_id"] == Matcher(random_state=0).config_id()
    assert golden["config_id"].startswith(f"matcher-v{ALGORITHM_VERSION}-lexical-")


def test_a_saved_matcher_records_its_format_and_version(tmp_path: Path) -> None:
    posts, _ = make_corpus(["baking", "robots"], per_topic=8)
    Matcher(random_state=0).fit(posts).save(tmp_path)
    meta = json.loads((tmp_path / "matcher.json").read_text())
    assert meta["algorithm_version"] == ALGORITHM_VERSION
    assert meta["config_id"] == Matcher(random_state=0).config_id()
    assert Matcher.load(tmp_path).config_id_ == meta["config_id"]


def test_load_refuses_an_artifact_of_version_1(tmp_path: Path) -> None:
    with zipfile.ZipFile(V1_ARTIFACT) as archive:
        archive.extractall(tmp_path)
    with pytest.raises(IncompatibleArtifact, match="matcher-v1-lexical") as refused:
        Matcher.load(tmp_path)
    assert refused.value.found == "format 1, version 1"
    assert "fit a new matcher" in str(refused.value)


@pytest.mark.parametrize("change", [{"format": 99}, {"algorithm_version": 1}])
def test_load_refuses_another_format_or_version(tmp_path: Path, change: dict[str, int]) -> None:
    posts, _ = make_corpus(["baking", "robots"], per_topic=8)
    Matcher(random_state=0).fit(posts).save(tmp_path / "saved")
    shutil.copytree(tmp_path / "saved", tmp_path / "changed")
    meta_path = tmp_path / "changed" / "matcher.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), **change}))
    with pytest.raises(IncompatibleArtifact):
        Matcher.load(tmp_path / "changed")
