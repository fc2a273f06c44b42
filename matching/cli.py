"""Command line for the matcher engine. Imports no Django.

    python -m matching cluster INPUT.jsonl -o OUTPUT.jsonl [--communities N]
                               [--encoder lexical|semantic|hybrid] [--summary COMMUNITIES.jsonl]
    python -m matching similar INPUT.jsonl --text "..." [--tags a,b] [-k 10]

Exit status: 0 on success, 2 on unusable input (the message names the line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from matching.engine import Matcher
from matching.engine.io import InputError, read_posts

EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("cluster", help="find communities; one output line per input post")
    c.add_argument("input", type=Path)
    c.add_argument("-o", "--output", type=Path, required=True)
    c.add_argument("--communities", type=int, default=None, help="force this many communities")
    c.add_argument("--encoder", choices=["lexical", "semantic", "hybrid"], default="lexical")
    c.add_argument("--random-state", type=int, default=0)
    c.add_argument(
        "--summary",
        type=Path,
        default=None,
        help="also write the communities (name, key terms, tags, size) as JSON lines here",
    )

    s = sub.add_parser("similar", help="peers of a text among the input posts")
    s.add_argument("input", type=Path)
    s.add_argument("--text", required=True)
    s.add_argument("--tags", default="", help="comma-separated tags of the text")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--encoder", choices=["lexical", "semantic", "hybrid"], default="lexical")

    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_INPUT


def _read(path: Path) -> list:  # list[Post]
    size = path.stat().st_size
    return read_posts(path, progress=size > 5_000_000)


def _atomic_write(path: Path, lines: Sequence[str]) -> None:
    """Write to a temporary file beside ``path`` and rename, so nothing half-written is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_cluster(args: argparse.Namespace) -> int:
    posts = _read(args.input)
    if not posts:
        return _fail(f"{args.input}: no posts")
    if args.communities is not None and args.communities < 1:
        return _fail("--communities must be at least 1")
    print(f"clustering {len(posts)} posts ({args.encoder})...", file=sys.stderr)
    matcher = Matcher(
        encoder=args.encoder, n_communities=args.communities, random_state=args.random_state
    ).fit(posts)
    area_of = matcher.community_areas_
    rows = [
        json.dumps(
            {
                "id": pid,
                "community": int(label) if label >= 0 else None,
                "area": area_of.get(int(label)) if label >= 0 else None,
                "score": round(float(score), 4),
            }
        )
        for pid, label, score in zip(
            matcher.post_ids_, matcher.labels_, matcher.scores_, strict=True
        )
    ]
    _atomic_write(args.output, rows)
    if args.summary:
        _atomic_write(args.summary, _summary(matcher))
    assigned = int((matcher.labels_ >= 0).sum())
    print(
        f"{len(matcher.communities_)} communities in {len(matcher.areas_)} areas, "
        f"{assigned}/{len(posts)} posts assigned ({matcher.config_id_})",
        file=sys.stderr,
    )
    by_id = {c.id: c for c in matcher.communities_}
    groups = [(f"{a.name} ({a.size} posts)", a.community_ids) for a in matcher.areas_]
    groups.append(("No area", [c.id for c in matcher.communities_ if c.id not in area_of]))
    for title, ids in groups:
        if ids:
            print(f"{title}:", file=sys.stderr)
        for c in (by_id[i] for i in ids):
            print(f"  [{c.id}] {c.name} ({c.size}): {', '.join(c.key_terms[:6])}", file=sys.stderr)
    return 0


def _summary(matcher: Matcher) -> list[str]:
    """One line per area, then one per community (``kind`` says which)."""
    areas = [
        json.dumps(
            {
                "kind": "area",
                "area": a.id,
                "name": a.name,
                "size": a.size,
                "communities": a.community_ids,
                "key_terms": a.key_terms,
                "tags": a.tags,
                "config_id": matcher.config_id_,
            }
        )
        for a in matcher.areas_
    ]
    return areas + [
        json.dumps(
            {
                "kind": "community",
                "community": c.id,
                "area": matcher.community_areas_.get(c.id),
                "name": c.name,
                "size": c.size,
                "key_terms": c.key_terms,
                "tags": c.tags,
                "representative_ids": c.representative_ids,
                "config_id": matcher.config_id_,
            }
        )
        for c in matcher.communities_
    ]


def cmd_similar(args: argparse.Namespace) -> int:
    posts = _read(args.input)
    if not posts:
        return _fail(f"{args.input}: no posts")
    titles = {p.id: p.title for p in posts}
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    matcher = Matcher(encoder=args.encoder, random_state=0).fit(posts)
    placed = matcher.place(args.text, tags=tags)
    names = {c.id: c.name for c in matcher.communities_}
    where = ", ".join(f"{names[c]} ({conf:.2f})" for c, conf in placed) or "no community"
    print(f"fits: {where}")
    for rank, peer in enumerate(matcher.similar(args.text, tags=tags, k=args.k), start=1):
        print(f"{rank:>3}. {peer.score:.3f}  [{peer.id}] {titles[peer.id][:80]}")
        print(f"       {peer.reason}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "cluster":
            return cmd_cluster(args)
        return cmd_similar(args)
    except InputError as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: no such file")
