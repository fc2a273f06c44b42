"""One measured run in a process of its own, so that its peak memory is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

# The repository's root: children import bench from there, wherever the parent was started.
ROOT = Path(__file__).resolve().parent.parent.parent
# The child function that runs a task, by the task's kind (the first flag set, in this order);
# a task with none of them is a fit.
ENTRIES = (
    ("identity", "bench.engine.identity", "identity_child"),
    ("fits", "bench.engine.fits", "fits_child"),
    ("neighbours", "bench.engine.neighbours", "neighbours_child"),
)
FIT = ("bench.engine.quality", "fit_child")


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    """Run ``task`` in a fresh interpreter and return the child's result."""
    module, entry = next(((m, e) for flag, m, e in ENTRIES if task.get(flag)), FIT)
    code = (
        f"import json, sys; from {module} import {entry}; "
        f"print(json.dumps({entry}(json.loads(sys.argv[1]))))"
    )
    proc = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code, json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed for {task}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
