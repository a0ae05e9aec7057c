"""Batch figures: `campaign batch` on 1,000 and 10,000 letters, pages a second and peak memory.

Each run is a fresh process (`--run LETTERS WORKERS`) printing a synthetic supporters' file
(LETTERS / 8 supporters, each writing to the eight bundled offices in their own languages)
through `production.batch.run_batch` with a render pool of WORKERS processes, into a
temporary folder removed afterwards. It reports the wall time, the pages printed, and the
peak resident memory (VmHWM, the high-water mark the kernel keeps) of the batch's own process
and of each render worker, read before they exit. Flat memory means the peaks at 10,000
letters are those at 1,000.

Measured, not asserted: the figures depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = [(1_000, 1), (1_000, 2), (10_000, 2)]  # (letters, render workers)
OFFICES = 8


def supporters_csv(count: int) -> bytes:
    """`count` supporters in Milan writing to every office; every 7th with a personal note."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["name", "street", "postcode", "city", "country", "email", "note"])
    for n in range(count):
        note = "I signed at the stall in Milan and I ask you to act now." if n % 7 == 0 else ""
        writer.writerow([f"Supporter {n:05d}", f"Via Roma {n}", "20121", "Milano", "IT", "", note])
    return buffer.getvalue().encode("utf-8")


def peak_mb(pid: int | str = "self") -> float:
    """The process's peak resident memory in MB (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(letters: int, workers: int) -> dict:
    """One batch in this process; its figures."""
    import multiprocessing

    from campaign.letters import render_pool
    from campaign.production.batch import BatchOptions, run_batch
    from campaign.rulebook import load_site
    from campaign.site import Site

    site = Site.at(ROOT / "recipients.yaml", ROOT / "letter_templates")
    loaded = load_site(site)
    pool = render_pool.RenderPool(
        workers, wait_s=120, deadline_s=120, retry_after=1, max_waiting=workers
    )
    data = supporters_csv(letters // OFFICES)
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as folder:
        warm_up(pool, loaded, workers)
        started = time.perf_counter()
        result = run_batch(
            io.BytesIO(data),
            "bench.csv",
            loaded,
            pool=pool,
            folder=Path(folder) / "out",
            options=BatchOptions(),
        )
        seconds = time.perf_counter() - started
        sizes = [path.stat().st_size for path in (Path(folder) / "out").glob("*.pdf")]
        children = [child.pid for child in multiprocessing.active_children()]
        worker_peaks = sorted(
            (peak_mb(pid) for pid in children if Path(f"/proc/{pid}/status").exists()),
            reverse=True,
        )[:workers]
    pages = sum(total.pages for total in result.offices.values())
    return {
        "letters": sum(total.letters for total in result.offices.values()),
        "pages": pages,
        "workers": workers,
        "seconds": seconds,
        "pages_per_s": pages / seconds,
        "main_peak_mb": peak_mb(),
        "worker_peaks_mb": worker_peaks,
        "largest_file_mb": max(sizes) / 1e6,
    }


def warm_up(pool, loaded, workers: int) -> None:
    """Start every worker with a first render, as a warm pool would have been."""
    from concurrent.futures import ThreadPoolExecutor

    from campaign.letters.render import render_letter
    from campaign.letters.senders import make_sender

    office = loaded.directory.recipients[0]
    letter = render_letter(loaded.appeal, office, make_sender(name="Warm Up"))
    with ThreadPoolExecutor(workers) as threads:
        started = [
            threads.submit(pool.pdf, [letter], templates_dir=loaded.appeal.folder)
            for _ in range(workers)
        ]
        for future in started:
            future.result()


def machine() -> str:
    """CPU, cores, Python and WeasyPrint versions, and the load now."""
    import platform

    import weasyprint

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}; load average {load}"
    )


def main() -> None:
    """Every run in a fresh process, then the table."""
    print(f"Machine: {machine()}")
    print(
        "| letters | render workers | pages | time | pages/s | peak RSS, batch process "
        "| peak RSS, each worker | largest office file |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for letters, workers in RUNS:
        output = subprocess.run(
            [sys.executable, __file__, "--run", str(letters), str(workers)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        peaks = ", ".join(f"{peak:.1f}" for peak in figures["worker_peaks_mb"])
        print(
            f"| {figures['letters']:,} | {workers} | {figures['pages']:,} "
            f"| {figures['seconds']:.1f} s | {figures['pages_per_s']:.1f} "
            f"| {figures['main_peak_mb']:.1f} MB | {peaks} MB "
            f"| {figures['largest_file_mb']:.1f} MB |",
            flush=True,
        )
    print(f"Load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        print(json.dumps(run(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
