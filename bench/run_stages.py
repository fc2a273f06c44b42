"""Time one match run with each stage in processes of its own, as workers run them.

    python -m bench.run_stages [--full] [--search-processes 2]

On the posts already in the database (import them with ``python -m bench.pipeline`` or
``import_posts``), it requests a run and carries out its three steps each in fresh processes, as
the Celery pipeline spreads them: the fit (``match_run_fit``, one process, the ``start_run``
worker), the neighbour search (``match_run_peers_chunk`` for every chunk, split between
``--search-processes`` processes that run at once, like worker processes taking chunks) and the
apply (``match_run_apply``, one process). For each process it reports wall and CPU seconds and
its peak resident memory (``os.wait4``), the figures a worker of that stage needs. ``--full``
fits afresh instead of updating the last run's matcher. It writes what a run writes: point it at
a benchmark database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.django_setup import fail, setup

setup()

from matching import services
from matching.models import MatchRun, run_writes

STAGES = ("fit", "search", "apply")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_stages",
        description="Time a match run with each stage in processes of its own "
        "(writes to the database).",
    )
    parser.add_argument("--full", action="store_true", help="fit afresh, not an update")
    parser.add_argument("--search-processes", type=int, default=1)
    # Internal: the child processes' own arguments.
    parser.add_argument("--stage", choices=STAGES, help="(internal) run one stage")
    parser.add_argument("--run", type=int, help="(internal) the run")
    parser.add_argument("--part", type=int, default=0, help="(internal) this process's share")
    parser.add_argument("--chunks", type=Path, help="(internal) the fit's chunks, as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.stage is not None:
        _child(args.stage, args.run, args.part, args.search_processes, args.chunks)
        return
    if args.search_processes < 1:
        fail("--search-processes must be at least 1")
    request = services.match_run_request(
        actor=None, trigger=MatchRun.Trigger.COMMAND, full=args.full
    )
    if services.match_run_claim(run_id=request.pk) is None:
        fail(f"run #{request.pk} could not be claimed: another run is running")
    print("| stage | processes | wall s | CPU s (sum) | peak MB (largest) |")
    print("|---|---|---|---|---|", flush=True)
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        chunks = Path(tmp) / "chunks.json"  # the fit's chunks, for the search processes
        for name in STAGES:
            count = args.search_processes if name == "search" else 1
            wall, cpu, peak = _stage(name, request.pk, count, chunks)
            total += wall
            print(f"| {name} | {count} | {wall:.1f} | {cpu:.1f} | {peak:,.0f} |", flush=True)
    result = MatchRun.objects.get(pk=request.pk)
    if result.status != MatchRun.Status.SUCCEEDED:
        fail(f"run #{result.pk} {result.status}: {result.error}")
    metrics = result.metrics
    print(
        f"\nrun #{result.pk} ({metrics.get('mode')}): {result.post_count:,} posts, "
        f"{metrics.get('searched', 0):,} searched for peers in {metrics.get('chunks', 0)} "
        f"chunks, {total:.1f} s wall in all\n{run_writes(result)}"
    )


def _stage(name: str, run_id: int, count: int, chunks: Path) -> tuple[float, float, float]:
    """Run a stage in ``count`` processes at once: wall seconds until the last ends, their
    CPU seconds, and the largest peak resident memory among them (MB)."""
    start = time.perf_counter()
    children = [
        # This benchmark again, started as this one was (same directory and environment).
        subprocess.Popen(  # noqa: S603 (our own interpreter and module, with its own arguments)
            [
                sys.executable,
                "-m",
                "bench.run_stages",
                "--stage",
                name,
                "--run",
                str(run_id),
                "--search-processes",
                str(count),
                "--part",
                str(i),
                "--chunks",
                str(chunks),
            ]
        )
        for i in range(count)
    ]
    cpu = peak = 0.0
    failed = []
    for child in children:
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss / 1024)
        if child.returncode:
            failed.append(child.returncode)
    if failed:
        services.match_run_fail(run_id=run_id, error=f"the {name} stage failed")
        fail(f"the {name} stage failed (exit {failed})")
    return time.perf_counter() - start, cpu, peak


def _child(stage: str, run_id: int | None, part: int, parts: int, chunks: Path | None) -> None:
    if run_id is None or chunks is None:
        fail("--stage needs --run and --chunks")
    if stage == "fit":
        chunks.write_text(json.dumps(services.match_run_fit(run_id=run_id) or []))
    elif stage == "search":
        for number, chunk in enumerate(json.loads(chunks.read_text())):
            if number % parts == part:
                services.match_run_peers_chunk(run_id=run_id, post_ids=chunk, number=number)
    else:
        services.match_run_apply(run_id=run_id)


if __name__ == "__main__":
    main()
