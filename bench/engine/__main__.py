"""``python -m bench.engine``: the matcher's benchmarks (no Django involved)."""

from bench.engine.cli import main

raise SystemExit(main())
