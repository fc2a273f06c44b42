"""Totals of a Locust run from its stats CSV: requests, failure rate, p95, against the targets
(fewer than 1% failures, p95 under 300 ms). `python -m bench.report var/load/locust_stats.csv`."""

import csv
import sys

MAX_FAILURE_RATE = 0.01
MAX_P95_MS = 300


def main(path: str) -> None:
    with open(path, newline="") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    rate = failures / requests if requests else 1.0
    p95 = float(total["95%"])
    print(
        f"requests {requests}, {float(total['Requests/s']):.1f}/s; "
        f"failures {failures} ({rate:.2%}, target < {MAX_FAILURE_RATE:.0%}); "
        f"p50 {float(total['50%']):.0f} ms, p95 {p95:.0f} ms (target < {MAX_P95_MS} ms)"
    )
    met = rate < MAX_FAILURE_RATE and p95 < MAX_P95_MS
    print("targets met" if met else "targets NOT met")


if __name__ == "__main__":
    main(sys.argv[1])
