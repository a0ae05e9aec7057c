"""PDF rendering figures for this machine: measured, not asserted. Run with `make bench`.

Prints a Markdown table: warm single letter, one supporter's eight letters as one PDF,
pages per second in one and in two processes, the overhead of campaign.pdf over bare
WeasyPrint, and memory over 1,000 renders. Takes a few minutes on a small machine.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402
import weasyprint  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text import ffi as weasy_ffi  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from campaign import directory  # noqa: E402
from campaign.letters import pdf, render  # noqa: E402
from campaign.models import Letter, Sender  # noqa: E402

TEMPLATES = ROOT / "letter_templates"
SENDER = Sender(
    name="Maria Rossi",
    street="Via Roma 12",
    postcode="20121",
    city="Milano",
    country="IT",
    email="maria.rossi@example.org",
)
BATCH_LETTERS = 200  # letters for the throughput figures
MEMORY_RENDERS = 1000
MEMORY_MARKS = (100, 500, 1000)


def letters() -> list[Letter]:
    """One supporter's letters to every office of the bundled directory."""
    campaign = render.load(TEMPLATES)
    offices = directory.load(ROOT / "recipients.yaml").recipients
    return [render.render_letter(campaign, office, SENDER) for office in offices]


def median_ms(function: Callable[[], object], runs: int) -> float:
    """The median wall time of `function` in milliseconds, after one warm-up run."""
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def interleaved_ms(functions: list[Callable[[], object]], runs: int) -> list[float]:
    """Median times in ms of each function, run in turn so that machine noise hits all alike."""
    for function in functions:
        function()
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for function, spent in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) * 1000 for spent in times]


def page_count(data: bytes) -> int:
    """The number of pages of a PDF."""
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def render_batches(first: int, count: int) -> int:
    """Render letters first..first+count-1 of the directory cycled, eight to a PDF; the pages."""
    sample = letters()
    pages = 0
    for start in range(first, first + count, len(sample)):
        end = min(start + len(sample), first + count)
        batch = [sample[index % len(sample)] for index in range(start, end)]
        batch = list({letter.recipient.id: letter for letter in batch}.values())
        pages += page_count(pdf.render(batch, templates_dir=TEMPLATES))
    return pages


def throughput(processes: int) -> tuple[int, float]:
    """Pages and seconds for BATCH_LETTERS letters shared among `processes` processes."""
    share = BATCH_LETTERS // processes
    start = time.perf_counter()
    if processes == 1:
        pages = render_batches(0, BATCH_LETTERS)
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            pages = sum(
                pool.starmap(render_batches, [(n * share, share) for n in range(processes)])
            )
    return pages, time.perf_counter() - start


def rss_mb() -> float:
    """The resident set size of this process now, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_run(fresh_font_config: bool = False) -> dict[str, float]:
    """RSS after 100, 500 and 1,000 single-letter renders, and the peak (ru_maxrss)."""
    letter = letters()[:1]
    renders = MEMORY_RENDERS if not fresh_font_config else MEMORY_MARKS[0]
    figures = {"start": rss_mb()}
    for done in range(1, renders + 1):
        if fresh_font_config:  # what the project avoids: a FontConfiguration per render
            source = pdf.html(letter, templates_dir=TEMPLATES)
            HTML(string=source).write_pdf(font_config=FontConfiguration())
        else:
            pdf.render(letter, templates_dir=TEMPLATES)
        if done in MEMORY_MARKS:
            gc.collect()
            figures[str(done)] = rss_mb()
    figures["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def in_child(function: Callable, *args: object) -> object:
    """Run `function` in a fresh process, so its memory figures are its own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def machine() -> list[tuple[str, str]]:
    """What this machine is: CPU, cores, Python, WeasyPrint, HarfBuzz subsetting."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    harfbuzz = bool(weasy_ffi.harfbuzz_subset) and weasy_ffi.harfbuzz.hb_version_atleast(4, 1, 0)
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("Python", platform.python_version()),
        ("WeasyPrint", weasyprint.__version__),
        ("font subsetting", "HarfBuzz (libharfbuzz-subset0)" if harfbuzz else "fontTools (slow)"),
        ("load average at start", " ".join(f"{load:.2f}" for load in os.getloadavg())),
        ("Python speed", f"{python_speed():.2f} s for 10 million integer additions"),
    ]


def python_speed() -> float:
    """Seconds for a plain Python loop: a yardstick to compare machines by."""
    start = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - start


def row(what: str, figure: str, target: str = "", verdict: bool | None = None) -> str:
    """One Markdown table row."""
    mark = "" if verdict is None else ("yes" if verdict else "**no**")
    return f"| {what} | {figure} | {target} | {mark} |"


def main() -> None:
    """Measure, and print the figures as Markdown."""
    sample = letters()
    one, eight = sample[:1], sample
    eight_pages = page_count(pdf.render(eight, templates_dir=TEMPLATES))
    print("## Machine\n")
    for key, value in machine():
        print(f"- {key}: {value}")
    print("\n## Figures\n")
    print("| measure | figure | target | met |")
    print("|---|---|---|---|")

    single = median_ms(lambda: pdf.render(one, templates_dir=TEMPLATES), runs=20)
    print(row("one letter, warm (median of 20)", f"{single:.0f} ms"), flush=True)

    batch = median_ms(lambda: pdf.render(eight, templates_dir=TEMPLATES), runs=10)
    print(
        row(
            f"eight letters as one PDF ({eight_pages} pages, median of 10)",
            f"{batch:.0f} ms",
            "< 200 ms",
            batch < 200,
        ),
        flush=True,
    )

    for processes in (1, 2):
        pages, seconds = throughput(processes)
        rate = pages / seconds
        label = f"{BATCH_LETTERS} letters, {processes} process{'es' if processes > 1 else ''}"
        target, met = ("≥ 60 pages/s", rate >= 60) if processes == 1 else ("", None)
        print(row(f"{label} ({pages} pages)", f"{rate:.1f} pages/s", target, met), flush=True)

    source = pdf.html(eight, templates_dir=TEMPLATES)
    config = pdf.font_configuration()
    ours, plain, tagged = interleaved_ms(
        [
            lambda: pdf.render(eight, templates_dir=TEMPLATES),
            lambda: HTML(string=source).write_pdf(font_config=config),
            lambda: HTML(string=source).write_pdf(font_config=config, pdf_variant=pdf.PDF_VARIANT),
        ],
        runs=12,
    )
    overhead, own = (ours / plain - 1) * 100, (ours / tagged - 1) * 100
    print(row("the eight letters again, campaign.pdf.render (median of 12)", f"{ours:.0f} ms"))
    print(row("bare WeasyPrint, same HTML, untagged", f"{plain:.0f} ms"))
    print(row("overhead over bare WeasyPrint", f"{overhead:+.0f} %", "< 15 %", overhead < 15))
    print(row("bare WeasyPrint, same HTML, PDF/UA-1 (tagged)", f"{tagged:.0f} ms"))
    print(row("overhead of our own code (tagging aside)", f"{own:+.0f} %", "< 15 %", own < 15))
    print("", flush=True)

    memory = in_child(memory_run)
    growth = memory["1000"] - memory["100"]
    print("| memory, one shared FontConfiguration | RSS MB |")
    print("|---|---|")
    for key in ("start", *map(str, MEMORY_MARKS)):
        label = "before rendering" if key == "start" else f"after {key} renders"
        print(f"| {label} | {memory[key]:.1f} |")
    print(f"| peak (ru_maxrss) | {memory['peak']:.1f} |")
    per_render = growth * 1024 / (MEMORY_MARKS[-1] - MEMORY_MARKS[0])
    verdict = "flat" if per_render < 10 else "GROWS"  # a leak is ~200 KB a render
    print(
        f"| growth 100 → 1,000 renders (target: flat) | {growth:+.1f} "
        f"({per_render:.1f} KB a render: {verdict}) |"
    )
    leaky = in_child(memory_run, True)
    print(
        f"| for comparison: a new FontConfiguration per render, RSS after "
        f"{MEMORY_MARKS[0]} renders | {leaky[str(MEMORY_MARKS[0])]:.1f} "
        f"(from {leaky['start']:.1f}) |"
    )


if __name__ == "__main__":
    main()
