"""Benchmark the matching pipeline on a labelled dataset, in a database of its own.

    python -m bench.pipeline ../shared/datasets/stackexchange3.jsonl [--posts 100000]

It empties the database it runs on, so it refuses one not made for benchmarks: its name must start
with "kindred_bench" (`make bench` gives it kindred_bench), or pass --yes-empty-database; and one
that holds accounts other than its own, unless --force. It imports the posts (resampled with
replacement when --posts exceeds the file, said in the output), runs a full match run and reports
its time per stage, the proposed communities against the dataset's labels (the benchmark reads
labels; the matcher never does), whether a second run changes or writes anything, then
(``--new-share``, 1% by default) imports that share of new posts and times a third run against the
first, with the share of placements it left unchanged and the rows it wrote, and how long a new
post takes from commit to stored peers with a warm Celery worker (``--latency-posts 0`` leaves
that out).

``--celery-workers 1 2`` then runs full runs through Celery, as production does
(``matching.start_run`` -> a chord of ``matching.peers_chunk`` -> ``matching.apply_run``): for
each N it starts a real worker with N prefork processes, requests a full run, reports the run's
stages from its recorded timestamps and stage changes, the worker processes' CPU seconds and peak
memory, and stops the worker. Every run refits all posts; after the first run a run over the same
posts writes nothing (the apply writes by difference), so the runs compare like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

from bench.django_setup import fail, setup

setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from communities import services as community_services
from communities.models import Community, Placement, Post
from core.health import check_worker
from matching import services
from matching.models import MatchRun, run_writes
from profiles.models import User

# A database whose name starts so was made for benchmarks: the benchmark may empty it.
BENCH_DATABASE_PREFIX = "kindred_bench"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description="Benchmark the matching pipeline (empties the database it runs on).",
    )
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--posts", type=int, default=None)
    parser.add_argument("--latency-posts", type=int, default=40)
    parser.add_argument("--force", action="store_true", help="run even beside real accounts")
    parser.add_argument(
        "--yes-empty-database",
        action="store_true",
        help=f"empty this database though its name does not start with {BENCH_DATABASE_PREFIX}",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--new-share",
        type=float,
        default=0.01,
        help="after the second run, import this share of new posts and run again (0: no)",
    )
    parser.add_argument(
        "--no-rerun",
        action="store_true",
        help="leave out the second run over the same posts (a long run at 100,000 posts)",
    )
    parser.add_argument(
        "--celery-workers",
        nargs="*",
        type=int,
        default=[],
        help="after the other runs, a full run through a real Celery worker with each of "
        "these numbers of prefork processes (e.g. 1 2)",
    )
    return parser


def check_database(*, force: bool, yes_empty_database: bool) -> None:
    """Stop unless the database may be emptied: PostgreSQL, made for benchmarks (or the flag
    says so), and no accounts but generated ones (or --force)."""
    if connection.vendor != "postgresql":
        fail("run the benchmark on PostgreSQL (set DATABASE_URL)")
    name = connection.settings_dict["NAME"]
    if not str(name).startswith(BENCH_DATABASE_PREFIX) and not yes_empty_database:
        fail(
            f"the benchmark empties its database, and {name!r} was not made for benchmarks "
            f"(its name does not start with {BENCH_DATABASE_PREFIX!r}). Point DATABASE_URL at a "
            f"database of its own, such as {BENCH_DATABASE_PREFIX} (`make bench` does), or pass "
            "--yes-empty-database to empty this one."
        )
    if User.objects.exclude(username__startswith="generated-").exists() and not force:
        fail(
            "this database holds real accounts; the benchmark empties its database. "
            "Point DATABASE_URL at a database of its own, or pass --force."
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    check_database(force=args.force, yes_empty_database=args.yes_empty_database)
    dataset: Path = args.dataset
    label_of, timings = _import(dataset, args.posts, args.seed)
    run, stage_times = _timed_run()
    timings.update(stage_times)
    _report_first_run(run, timings)
    first_wall = sum(w for name, (w, _) in timings.items() if name != "import")
    if not args.no_rerun:
        _again("second run (nothing new)", first_wall)
    if args.new_share > 0:
        lines = [json.loads(line) for line in dataset.read_text().splitlines() if line.strip()]
        extra = max(1, round(Post.objects.count() * args.new_share))
        rng = random.Random(args.seed + 1)
        _import_more([rng.choice(lines) for _ in range(extra)], authors=len(lines) // 10)
        _again(f"third run ({extra:,} new posts, {args.new_share:.0%})", first_wall)
    _composition(label_of)
    for processes in args.celery_workers:
        celery_run(processes)
    if args.latency_posts:
        _latency(args.latency_posts)


def _again(name: str, first_wall: float) -> MatchRun:
    """Run again and say how it compares with the first run: time, placements kept, writes."""
    before = dict(Placement.objects.values_list("post_id", "community_id"))
    run, times = _timed_run()
    after = dict(Placement.objects.values_list("post_id", "community_id"))
    kept = sum(1 for post, community in before.items() if after.get(post) == community)
    wall = sum(w for w, _ in times.values())
    print(f"\n{name}:")
    for stage, (wall_s, cpu_s) in times.items():
        print(f"| {stage} | {wall_s:.1f} | {cpu_s:.1f} |")
    print(
        f"{wall:.1f} s wall ({wall / first_wall:.0%} of the first run), "
        f"{sum(c for _, c in times.values()):.1f} s CPU; placements unchanged "
        f"{kept:,} of {len(before):,} ({kept / max(1, len(before)):.2%}), "
        f"transitions {run.metrics.get('transitions')}, "
        f"proposed {len(run.metrics.get('proposed', []))}\n{run_writes(run)}"
    )
    sys.stdout.flush()
    return run


def _import_more(rows: list[dict], authors: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for i, row in enumerate(rows):
            fields = {"title": row["title"], "body": row.get("body", "")}
            line = {"id": f"new-{i}", **fields, "tags": row.get("tags", [])}
            handle.write(json.dumps(line) + "\n")
    call_command("import_posts", handle.name, authors=max(1, authors), verbosity=0)
    os.unlink(handle.name)


def _import(
    dataset: Path, posts: int | None, seed: int
) -> tuple[dict[int, str | None], dict[str, tuple[float, float]]]:
    """Empty the database and import the dataset's posts (resampled when more are wanted).
    Returns each post's label and the import's wall and CPU seconds."""
    lines = [json.loads(line) for line in dataset.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    wanted = posts or len(lines)
    resampled = wanted > len(lines)
    chosen = lines if wanted == len(lines) else [rng.choice(lines) for _ in range(wanted)]
    labels = [row.get("label") for row in chosen]
    print(
        f"dataset {dataset.name}: {len(lines)} posts; benchmarking {wanted}"
        + (" (resampled with replacement)" if resampled else "")
    )
    call_command("flush", interactive=False, verbosity=0)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for i, row in enumerate(chosen):
            fields = {"title": row["title"], "body": row.get("body", "")}
            handle.write(json.dumps({"id": i, **fields, "tags": row.get("tags", [])}) + "\n")
    wall, cpu = time.perf_counter(), time.process_time()
    call_command("import_posts", handle.name, authors=max(1, wanted // 10), verbosity=0)
    os.unlink(handle.name)
    timings = {"import": (time.perf_counter() - wall, time.process_time() - cpu)}
    post_ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    return dict(zip(post_ids, labels, strict=True)), timings


def _report_first_run(run: MatchRun, timings: dict[str, tuple[float, float]]) -> None:
    # CPU seconds are this process's own: on a shared machine they vary less than wall time
    # (the database's work is in PostgreSQL's processes and counts only in wall time).
    print("\n| stage | wall s | CPU s |\n|---|---|---|")
    for name, (wall_s, cpu_s) in timings.items():
        print(f"| {name} | {wall_s:.1f} | {cpu_s:.1f} |")
    print(
        f"\nfirst run: {run.post_count} posts, {run.assigned_count} placed "
        f"({run.metrics.get('coverage', 0):.1%}), {run.community_count} communities, "
        f"{len(run.metrics.get('proposed', []))} proposed"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process so far: {peak_mb:.0f} MB")
    sys.stdout.flush()


def _timed_run() -> tuple[MatchRun, dict[str, tuple[float, float]]]:
    request = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    services.match_run_claim(run_id=request.pk)
    times: dict[str, tuple[float, float]] = {}

    def timed(name, step):
        wall, cpu = time.perf_counter(), time.process_time()
        result = step()
        times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return result

    chunks = timed(
        "fit (load, encode, cluster, store artifact)",
        lambda: services.match_run_fit(run_id=request.pk) or [],
    )
    timed(
        f"neighbour search ({len(chunks)} chunks, one process)",
        lambda: [
            services.match_run_peers_chunk(run_id=request.pk, post_ids=c, number=i)
            for i, c in enumerate(chunks)
        ],
    )
    run = timed("apply (one transaction)", lambda: services.match_run_apply(run_id=request.pk))
    if run is None:
        fail("the run did not complete")
    return run, times


def _composition(label_of: dict[int, str | None]) -> None:
    print("\n| community | status | posts | label shares |\n|---|---|---|---|")
    for community in Community.objects.order_by("-pk")[:20]:
        counts = Counter(
            label_of.get(pid) for pid in community.placements.values_list("post_id", flat=True)
        )
        total = sum(counts.values()) or 1
        shares = ", ".join(f"{label} {n / total:.0%}" for label, n in counts.most_common(3))
        print(f"| {community.name} | {community.status} | {total} | {shares} |")


@contextmanager
def _worker(name: str, *pool: str) -> Iterator[subprocess.Popen]:
    """A real Celery worker (``pool``: its pool options) on this database and broker, up and
    reporting in when the body starts; stopped after it."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter, arguments and name)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "--quiet",
            "worker",
            *pool,
            "--loglevel=WARNING",
            f"--hostname={name}@%h",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while f"{name}@" not in check_worker().detail:
            if time.monotonic() > deadline:
                fail("the benchmark's worker did not start")
            time.sleep(0.2)
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def celery_run(processes: int) -> None:
    """A full run through Celery with one worker of ``processes`` prefork processes: the
    run's stages (from its timestamps and the stage changes seen every 0.1 s), the worker
    processes' CPU seconds and peak memory, what it wrote."""
    if not settings.REDIS_URL:
        print("celery run: skipped (needs REDIS_URL for a real worker)")
        return
    pool = ("--pool=prefork", f"--concurrency={processes}")
    with _worker(f"bench-celery{processes}-{os.getpid()}", *pool) as worker:
        time.sleep(2)  # the prefork children start after the worker reports in
        cpu_before = {pid: _cpu_seconds(pid) for pid in _process_tree(worker.pid)}
        load_before = os.getloadavg()
        run = services.match_run_request(actor=None, full=True)  # a fit afresh
        seen: dict[str, float] = {}
        started = time.perf_counter()
        while True:
            row = MatchRun.objects.filter(pk=run.pk).values("status", "stage").get()
            seen.setdefault(row["stage"] or "queued", time.perf_counter())
            if row["status"] not in (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING):
                break
            if time.perf_counter() - started > 3 * 60 * 60:
                fail("the Celery run did not end within 3 hours")
            time.sleep(0.1)
        ended = time.perf_counter()
        tree = _process_tree(worker.pid)
        # Each process's CPU seconds during the run and peak memory, the busiest first.
        usage = sorted(
            ((_cpu_seconds(pid) - cpu_before.get(pid, 0.0), _peak_mb(pid)) for pid in tree),
            reverse=True,
        )
        load_after = os.getloadavg()
    run.refresh_from_db()
    if run.status != MatchRun.Status.SUCCEEDED or not (run.started_at and run.finished_at):
        fail(f"the Celery run ended {run.status}: {run.error}")
    order = ["queued", "loading posts", "fitting", "finding peers", "applying"]
    marks = [(stage, seen[stage]) for stage in order if stage in seen] + [("done", ended)]
    print(
        f"\nfull run through Celery, one worker of {processes} prefork process(es) "
        f"(load average {load_before[0]:.2f} before, {load_after[0]:.2f} after):"
        "\n| stage (seen every 0.1 s) | wall s |\n|---|---|"
    )
    for (stage, at), (_, until) in pairwise(marks):
        print(f"| {stage} | {until - at:.1f} |")
    total = (run.finished_at - run.started_at).total_seconds()
    print(
        f"started -> finished (the run's timestamps): {total:.1f} s wall; requested -> "
        f"finished {(run.finished_at - run.created_at).total_seconds():.1f} s; worker "
        f"processes' CPU {sum(cpu for cpu, _ in usage):.1f} s; per process CPU s / peak MB: "
        f"{', '.join(f'{cpu:.1f} / {mb:.0f}' for cpu, mb in usage)}; peer graph "
        f"{run.metrics.get('peer_graph')}"
        f" posts; transitions {run.metrics.get('transitions')}\n{run_writes(run)}"
    )
    sys.stdout.flush()


def _latency(count: int) -> None:
    if not settings.REDIS_URL:
        print("latency: skipped (needs REDIS_URL for a real worker)")
        return
    with _worker("bench", "--pool=solo"):
        author = User.objects.filter(username__startswith="generated-").first()
        if author is None:
            fail("no generated account to post as (the import makes them)")
        samples = list(Post.objects.order_by("?").values_list("title", "body")[: count + 1])
        latencies = []
        for i, (title, body) in enumerate(samples):
            # One generated person posts them all: rate limits would stop them.
            with override_settings(KINDRED_RATE_LIMITS_ENABLED=False):
                post = community_services.post_create(author=author, title=title, body=body)
            started = time.perf_counter()
            while Post.objects.filter(pk=post.pk, match_state="pending").exists():
                if time.perf_counter() - started > 60:
                    fail("a post was not matched within 60 s")
                time.sleep(0.005)
            if i:  # the first post warms the worker (loads the fitted matcher)
                latencies.append(time.perf_counter() - started)
        latencies.sort()
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        print(
            f"\npost committed -> peers stored, warm worker, {len(latencies)} posts: "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms"
        )


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for thread in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (thread / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    """Peak resident memory of a live process (VmHWM), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    main()
