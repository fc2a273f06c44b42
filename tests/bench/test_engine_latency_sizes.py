"""``python -m bench.engine --latency-sizes``: which fits measure the latency of one new post."""

from __future__ import annotations

from typing import Any

from bench.engine import cli, quality


def test_latency_sizes_measure_place_and_peers_at_each_size(monkeypatch, tmp_path, capsys):
    tasks: list[dict[str, Any]] = []

    def fake_child(task: dict[str, Any]) -> dict[str, Any]:
        tasks.append(task)
        result = {"found": 3, "seconds": 1.0, "peak_mb": 100.0}
        if task["latency"]:
            result.update(place_peers_p50_ms=1.0, place_peers_p95_ms=2.0)
        return result

    monkeypatch.setattr(quality, "run_child", fake_child)
    argv = ["--datasets", str(tmp_path), "--names", "--sizes", "500"]
    assert cli.main([*argv, "--latency-sizes", "1000", "2000"]) == 0
    assert [(t["size"], t["latency"]) for t in tasks] == [(500, False), (1000, True), (2000, True)]
    out = capsys.readouterr().out
    assert "| 2,000 | lexical | 3 | 1.0 | 100 | 1.0 / 2.0 |" in out
    assert "| 500 | lexical | 3 | 1.0 | 100 | - |" in out
