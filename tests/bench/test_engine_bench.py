"""``python -m bench.engine``: it imports no Django, and each kind of task names a child function
that exists (children are started by name, in a fresh interpreter)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from bench.engine import process


def test_engine_benchmarks_import_no_django() -> None:
    code = "import sys, bench.engine.cli; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=process.ROOT
    )
    assert result.stdout.strip() == "False"


def test_every_kind_of_task_names_a_child_function() -> None:
    for module, entry in [*((m, e) for _, m, e in process.ENTRIES), process.FIT]:
        assert callable(getattr(importlib.import_module(module), entry))
