"""``python -m matching``: the matcher's command line (no Django involved)."""

from matching.cli import main

raise SystemExit(main())
