"""The lock files in requirements/ cover pyproject.toml (a dependency added without `make lock`
fails here), pin every package with its hashes, keep torch on the CPU build, and are what
`make install`, CI and the Dockerfile install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {
    "requirements/lock.txt": ("dev", "semantic"),
    "requirements/lock-lexical.txt": ("dev",),
    "requirements/lock-production.txt": (),
}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(path: str) -> dict[str, str]:
    """{package: the whole requirement with its hash lines} of one lock file."""
    text = (ROOT / path).read_text()
    entries = re.findall(
        r"^([A-Za-z0-9][^\s]*==[^\s]+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M
    )
    pins = {_name(spec): spec + hashes for spec, hashes in entries}
    unpinned = [
        line
        for line in text.splitlines()
        if line and not line.startswith((" ", "#")) and _name(line) not in pins
    ]
    assert not unpinned, f"{path}: lines without == and hashes: {unpinned}"
    return pins


@pytest.mark.parametrize(("path", "extras"), LOCKS.items())
def test_each_lock_pins_every_dependency_of_pyproject_with_hashes(path, extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    pins = _pins(path)
    missing = sorted({_name(r) for r in wanted} - set(pins))
    assert not missing, f"{path} lacks {missing}: run `make lock`"


def test_torch_is_locked_to_the_cpu_build_and_left_out_of_the_image():
    assert _pins("requirements/lock.txt")["torch"].startswith("torch==2.13.0+cpu")
    assert "torch" not in _pins("requirements/lock-lexical.txt")
    assert "torch" not in _pins("requirements/lock-production.txt")


def test_installs_take_the_locks_with_their_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK := requirements/lock$(if $(LEXICAL),-lexical).txt" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()  # CI installs through make
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/lock-production.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile
