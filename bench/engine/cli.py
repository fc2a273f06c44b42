"""Benchmark: the matcher against labelled datasets, and its speed at scale.

    python -m bench.engine [--datasets DIR] [--names ...] [--encoders lexical hybrid semantic]
                           [--sizes 10000 100000] [--latency] [--latency-sizes 100000 1000000]
                           [--identity] [--fits-only] [--neighbours 20000 100000] [--markdown FILE]

``python -m bench.engine --datasets ../shared/datasets`` prints, for each dataset and encoder,
the matcher without the true number of communities (its real setting), the matcher given the true
number, and the reference TF-IDF -> SVD(100) -> k-means given the true number. Columns: NMI and ARI
over the assigned posts, NMI over all posts (unassigned posts count as one extra group), clustering
accuracy (Hungarian), coverage, communities found / true labels, seconds of fitting, and the peak
resident memory of the child process that ran it (``resource.getrusage``: every run gets a fresh
process, so the figure includes the interpreter and the loaded data, and nothing from other runs).
Then the fits of held-out posts and their peers (:mod:`bench.engine.fits`).

The harness lives outside ``matching/engine/`` (it starts processes and reads datasets); it only
uses the engine's interface.

``--sizes 10000 100000`` measures fitting time at those sizes on posts synthesised by resampling the
real datasets (with replacement, fresh ids); ``--latency`` measures placing one post and finding its
10 peers among 100,000, and ``--latency-sizes 100000 1000000`` among each of those numbers of
posts (the fit at that size first); ``--identity`` fits 95% of each dataset, refits all of it with
the first run as ``previous``, and reports which communities kept their id.

``--neighbours 20000 100000`` measures the neighbour stage of a run (every post's 15 peers, in
chunks of 2,000 as the run's tasks search them) on stackexchange3 resampled to those sizes, with
the exact search and with the HNSW graph in one run, and the graph's recall@10 against the exact
search on a sample of 1,000 posts.

Exit status: 0 on success, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.engine.datasets import DATASETS
from bench.engine.fits import fits_rows
from bench.engine.identity import identity_rows
from bench.engine.neighbours import neighbour_rows
from bench.engine.quality import HEADER, quality_rows, scale_rows
from matching.engine.io import InputError

EXIT_INPUT = 2


def parser() -> argparse.ArgumentParser:
    b = argparse.ArgumentParser(
        prog="python -m bench.engine",
        description="benchmark on labelled datasets and print a table",
    )
    b.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    b.add_argument("--names", nargs="*", default=None, help="dataset names (default: all)")
    b.add_argument("--encoders", nargs="*", default=["lexical"])
    b.add_argument(
        "--sizes", nargs="*", type=int, default=[], help="scaling sizes, e.g. 10000 100000"
    )
    b.add_argument("--latency", action="store_true", help="measure place + 10 peers among 100k")
    b.add_argument(
        "--latency-sizes",
        nargs="*",
        type=int,
        default=[],
        help="also measure place + 10 peers among these numbers of posts (e.g. 100000 1000000)",
    )
    b.add_argument(
        "--identity", action="store_true", help="refit with 5%% new posts and report transitions"
    )
    b.add_argument(
        "--fits-only",
        action="store_true",
        help="only new posts' fits, peers precision@10 and names (hold out 10%%)",
    )
    b.add_argument(
        "--neighbours",
        nargs="*",
        type=int,
        default=[],
        help="only the neighbour stage, exact vs HNSW, at these sizes (e.g. 20000 100000)",
    )
    b.add_argument("--markdown", type=Path, default=None, help="append the tables to this file")
    return b


def run_bench(args: argparse.Namespace) -> int:
    """``python -m bench.engine``: print the tables (and append them to ``--markdown``)."""
    datasets: Path = args.datasets
    names = (
        args.names
        if args.names is not None
        else [n for n in DATASETS if (datasets / f"{n}.jsonl").exists()]
    )
    if args.neighbours:
        lines = neighbour_rows(args)
        if args.markdown:
            with open(args.markdown, "a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
        return 0
    if not names and not (args.sizes or args.latency or args.latency_sizes):
        print(f"error: no datasets under {datasets}", file=sys.stderr)
        return EXIT_INPUT
    cache = Path("var/bench-cache").resolve()
    if args.fits_only:
        lines = fits_rows(args, names, cache)
    else:
        lines = [HEADER]
        print(HEADER, flush=True)
        lines += quality_rows(args, names, cache)
        lines += fits_rows(args, names, cache)
    if args.identity:
        lines += identity_rows(args, names)
    if args.sizes or args.latency or args.latency_sizes:
        lines += scale_rows(args, cache)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run_bench(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file", file=sys.stderr)
        return EXIT_INPUT
