"""Kindred's benchmarks and load scenario, outside the apps: nothing here is imported by the app or
shipped in the image (.dockerignore). Each runs alone from the repository's root, all of them from
`make bench` (docs/benchmarks.md has the figures):

    python -m bench.engine      the matcher on labelled datasets: quality, fits, scale, neighbours
    python -m bench.pipeline    a full match run in a database of its own (it empties it)
    python -m bench.run_stages  one match run with each stage in processes of its own
    python -m bench.stability   what full runs change when nothing, or a little, changes
    python -m bench.pages       the pages and API lists, server side, at scale
    bench/load.sh               the Locust load test (`make bench-load`)

The engine's benchmarks need no Django; the others set it up through :mod:`bench.django_setup`.
"""
