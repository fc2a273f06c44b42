"""The matcher's benchmarks on labelled datasets: ``python -m bench.engine`` (see
:mod:`bench.engine.cli`). No Django: they use the engine alone, each measured fit in a process of
its own."""
