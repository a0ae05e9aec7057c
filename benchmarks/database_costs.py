"""What one count and one rate-limit check cost on each database (measured, not asserted).

    .venv/bin/python benchmarks/database_costs.py [N]

Starts a throwaway PostgreSQL server (tests/databases.py) and a SQLite file in a temporary
folder, then times N of each operation in one thread, and with 4 threads at once, on both.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaign.storage import counts
from campaign.storage.database import default_url, dispose_all, open_database
from campaign.storage.throttle import Limited, Throttle
from tests.databases import Cluster


def timed(operation, n: int) -> list[float]:
    """Milliseconds of each of n calls."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        operation()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"  {name:34} median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms")


def measure(label: str, url: str, n: int) -> None:
    database = open_database(url)
    throttle = Throttle(database, "a benchmark secret of some length")
    print(f"{label}:")

    def count():
        counts.record(database, "it-interior", "post")

    receipts = iter(counts.new_receipt() for _ in range(n))
    sent = [("it-interior", "post"), ("kz-president", "phone")]

    def report_two():
        counts.record_many(database, sent, receipt=next(receipts))

    clients = iter(range(10**9))

    def hit_new_client():
        throttle.hit("pdf", f"c{next(clients)}", 20, 60)

    def hit_one_client():
        with contextlib.suppress(Limited):
            throttle.hit("pdf", "one busy client", 20, 60)

    report("count (record, one letter)", timed(count, n))
    report("report of 2 letters with a receipt", timed(report_two, n))
    report("rate-limit hit (new client)", timed(hit_new_client, n))
    report("rate-limit hit (full window of 20)", timed(hit_one_client, n))
    report("total (the campaign page)", timed(lambda: counts.total(database), n))
    per_thread: list[list[float]] = [[] for _ in range(4)]

    def work(index: int) -> None:
        per_thread[index] = timed(lambda: counts.record(database, "kz-president", "post"), n // 4)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    report("count, 4 threads at once", [t for times in per_thread for t in times])
    print(f"  {'':34} {4 * (n // 4) / elapsed:6.0f} counts/s in all")
    dispose_all()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite (WAL, synchronous=FULL)", default_url(folder), n)
    cluster = Cluster(durable=True).start()
    try:
        measure("PostgreSQL (unix socket, fsync on)", cluster.url(cluster.new_database()), n)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
