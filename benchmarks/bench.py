"""PDF figures for this machine: measured, not asserted. `make bench` runs this file.

It prints the figures as Markdown and writes them into benchmarks/RESULTS.md, between the two
MARKERS (the rest of that file is written by hand). Each figure is a function of FIGURES that
returns its lines; campaign batch's figures are batch_bench.py's. The machine is shared: every
comparison interleaves its runs (A, B, A, B, ...) and reports medians, each figure says the
load average it ran at, and only figures of one run are compared with each other.

Input: the bundled campaign, one supporter in Milan writing to all eight offices (3 Italian
and 5 Russian letters, a page each). About 6 minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import gc
import html
import io
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402
import pypdf  # noqa: E402
import weasyprint  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text import ffi as weasy_ffi  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from campaign import directory  # noqa: E402
from campaign.letters import pdf, render, render_pool  # noqa: E402
from campaign.letters.render_pool import RenderPool  # noqa: E402
from campaign.models import Letter, Sender  # noqa: E402

TEMPLATES = ROOT / "letter_templates"
REFERENCE = ROOT / "tests" / "letters" / "reference_print"  # the layout of f14c341
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
MARKERS = ("<!-- bench.py writes from here: make bench -->", "<!-- bench.py writes up to here -->")
SENDER = Sender(
    name="Maria Rossi",
    street="Via Roma 12",
    postcode="20121",
    city="Milano",
    country="IT",
    email="maria.rossi@example.org",
)
SENDER_OPTIONS = ("--name", "Maria Rossi", "--street", "Via Roma 12", "--postcode", "20121")
SENDER_OPTIONS += ("--city", "Milano", "--country", "IT", "--email", "maria.rossi@example.org")
RENDER_RUNS = 15  # interleaved runs of each in-process render
POOL_DOCUMENTS = 16  # documents of the eight letters for the pool figures (128 pages)
POOL_RUNS = 5
PROCESS_RUNS = 5  # interleaved runs of each whole process
MEMORY_RENDERS = 1000
MEMORY_MARKS = (100, 500, 1000)


# --- helpers ------------------------------------------------------------------------------------


def letters() -> list[Letter]:
    """One supporter's letters to every office of the bundled directory."""
    appeal = render.load(TEMPLATES)
    offices = directory.load(ROOT / "recipients.yaml").recipients
    return [render.render_letter(appeal, office, SENDER) for office in offices]


def interleaved(functions: dict[str, Callable[[], object]], runs: int) -> dict[str, dict]:
    """Wall and CPU medians (ms) of each function, run in turn so that noise hits all alike."""
    for function in functions.values():
        function()
    wall: dict[str, list[float]] = {name: [] for name in functions}
    cpu: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(runs):
        for name, function in functions.items():
            started, used = time.perf_counter(), time.process_time()
            function()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - used)
    return {
        name: {
            "wall": statistics.median(wall[name]) * 1000,
            "cpu": statistics.median(cpu[name]) * 1000,
        }
        for name in functions
    }


def page_count(data: bytes) -> int:
    """The number of pages of a PDF."""
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def load() -> str:
    """The load average now, over 1, 5 and 15 minutes."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def in_child(function: Callable, *args: object) -> object:
    """Run `function` in a fresh process, so that what it measures is its own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def row(*cells: object) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def verdict(met: bool) -> str:
    """The last cell of a row with a goal."""
    return "yes" if met else "**no**"


def floor_html(sample: list[Letter], with_zones_text: bool = False) -> str:
    """The floor: each letter's text as bare paragraphs, a page each, in the same type and
    page margins; no fixed zones, no page numbers (and it is rendered untagged).

    with_zones_text: also the text of the zones (letterhead, return line, recipient) as bare
    paragraphs, so that the floor holds every line the letter holds."""
    style = (
        "@page { size: A4; margin: 20mm 20mm 20mm 25mm } body { margin: 0 } "
        'html { font: 11pt/1.33 "PT Serif", serif } p { margin: 0 0 3mm } '
        "section { break-before: page }"
    )
    sections = []
    for letter in sample:
        context = pdf.letter_context(letter)
        zones = [*context["sender_lines"], context["return_line"], *context["recipient_lines"]]
        texts = [letter.place_date, letter.subject, letter.salutation, *letter.paragraphs]
        texts += [letter.closing, letter.sender.name]
        if with_zones_text:
            texts = zones + texts
        sections.append("".join(f"<p>{html.escape(text)}</p>" for text in texts))
    body = "".join(f"<section>{section}</section>" for section in sections)
    head = f'<html lang="it"><head><meta charset="utf-8"><style>{style}</style></head>'
    return f"{head}<body>{body}</body></html>"


# --- the figures ---------------------------------------------------------------------------------


def eight_letters_against_the_floor() -> list[str]:
    """The eight letters in a warm process (as a pool worker is), against the floor."""
    results, pages = in_child(_measure_eight_letters)
    ours, floor = results["ours"], results["floor"]
    ratio = ours["wall"] / floor["wall"]
    lines = [
        f"### The eight letters against the floor ({pages} pages; load {load()})",
        "",
        "A process warmed up as a pool worker is (render_pool.warm_up: a sample render, the",
        f"heap frozen, GC thresholds {render_pool.GC_THRESHOLDS}); medians of {RENDER_RUNS}",
        "interleaved runs; CPU is the process's own time, less sensitive to the load.",
        "",
        row("render", "wall ms", "CPU ms", "wall / floor", "CPU / floor", "goal", "met"),
        row(*["---"] * 7),
    ]
    labels = {
        "ours": "the eight letters, `pdf.render` (one PDF)",
        "split": "the same and one PDF per office, `pdf.render_split`",
        "reference": "the eight letters through the layout of f14c341 (before this work)",
        "floor": "the floor: their text as bare paragraphs, no zones, numbers, tags",
        "floor+zones": "a floor holding the zones' text too (every line of the letters)",
        "eight documents": "for comparison: the eight letters as eight documents",
    }
    for name, label in labels.items():
        figure = results[name]
        goal, met = ("≤ 1.6", verdict(ratio <= 1.6)) if name == "ours" else ("", "")
        lines.append(
            row(
                label,
                f"{figure['wall']:.0f}",
                f"{figure['cpu']:.0f}",
                f"{figure['wall'] / floor['wall']:.2f}",
                f"{figure['cpu'] / floor['cpu']:.2f}",
                goal,
                met,
            )
        )
    return lines


def _measure_eight_letters() -> tuple[dict, int]:
    """In a child: the renders of eight_letters_against_the_floor, interleaved."""
    render_pool.warm_up()
    sample = letters()
    config = pdf.font_configuration()
    floor, fuller = floor_html(sample), floor_html(sample, with_zones_text=True)
    reference = pdf.html(sample, templates_dir=REFERENCE)  # print.css inlined, as then
    fetcher = pdf.DataOnlyFetcher()
    results = interleaved(
        {
            "ours": lambda: pdf.render(sample, templates_dir=TEMPLATES),
            "split": lambda: pdf.render_split(sample, templates_dir=TEMPLATES),
            "reference": lambda: HTML(string=reference, url_fetcher=fetcher).write_pdf(
                font_config=config, pdf_variant=pdf.PDF_VARIANT
            ),
            "floor": lambda: HTML(string=floor).write_pdf(font_config=config),
            "floor+zones": lambda: HTML(string=fuller).write_pdf(font_config=config),
            "eight documents": lambda: [
                pdf.render([letter], templates_dir=TEMPLATES) for letter in sample
            ],
        },
        RENDER_RUNS,
    )
    return results, page_count(pdf.render(sample, templates_dir=TEMPLATES))


def collector_and_subsetting() -> list[str]:
    """What the garbage collector costs a render, as set up or not; HarfBuzz against fontTools."""
    shares, subsetting = in_child(_measure_collector_and_subsetting)
    lines = [
        f"### The garbage collector, and font subsetting (load {load()})",
        "",
        f"The eight letters, {RENDER_RUNS} renders each way in a fresh process; the collector's",
        "CPU time measured with gc.callbacks.",
        "",
        row("garbage collection", "CPU ms a render", "of which collecting", "share"),
        row(*["---"] * 4),
    ]
    for label, (total, spent, share) in shares.items():
        lines.append(row(label, f"{total:.0f}", f"{spent:.0f}", f"{share * 100:.1f} %"))
    harfbuzz, fonttools = subsetting["HarfBuzz"], subsetting["fontTools"]
    lines += [
        "",
        row("one letter, fonts subset with", "wall ms", "CPU ms"),
        row(*["---"] * 3),
        row("HarfBuzz (libharfbuzz-subset0)", f"{harfbuzz['wall']:.0f}", f"{harfbuzz['cpu']:.0f}"),
        row("fontTools", f"{fonttools['wall']:.0f}", f"{fonttools['cpu']:.0f}"),
    ]
    return lines


def _measure_collector_and_subsetting() -> tuple[dict, dict]:
    """In a child: the collector's share without and with warm_up's settings; subsetting."""
    import weasyprint.pdf.fonts as weasy_fonts

    sample = letters()
    spent = [0.0, 0.0]  # collecting now, in all

    def timing(phase: str, info: dict) -> None:  # in CPU time: the load does not count
        if phase == "start":
            spent[0] = time.process_time()
        else:
            spent[1] += time.process_time() - spent[0]

    def share() -> tuple[float, float]:
        pdf.render(sample, templates_dir=TEMPLATES)
        spent[1], started = 0.0, time.process_time()
        for _ in range(RENDER_RUNS):
            pdf.render(sample, templates_dir=TEMPLATES)
        total = time.process_time() - started
        return total / RENDER_RUNS * 1000, spent[1] / RENDER_RUNS * 1000, spent[1] / total

    gc.callbacks.append(timing)
    shares = {"Python's defaults (thresholds 700, 10, 10), nothing frozen": share()}
    gc.collect()
    gc.freeze()
    shares["the heap frozen after the first renders, default thresholds"] = share()
    gc.set_threshold(*render_pool.GC_THRESHOLDS)
    shares[f"frozen, and thresholds {render_pool.GC_THRESHOLDS} (the pool's)"] = share()
    gc.callbacks.remove(timing)
    harfbuzz = weasy_fonts.harfbuzz_subset

    def subset_with(library: object) -> Callable[[], object]:
        def run() -> object:
            weasy_fonts.harfbuzz_subset = library
            return pdf.render(sample[:1], templates_dir=TEMPLATES)

        return run

    subsetting = interleaved(
        {"HarfBuzz": subset_with(harfbuzz), "fontTools": subset_with(None)}, RENDER_RUNS
    )
    weasy_fonts.harfbuzz_subset = harfbuzz
    return shares, subsetting


def pool_scaling() -> list[str]:
    """Pages per second through a pool of one worker and of two, on the same job."""
    sample = letters()
    pools = {
        size: RenderPool(size, wait_s=60, deadline_s=120, retry_after=1, max_waiting=size)
        for size in (1, 2)
    }
    started = time.perf_counter()
    for pool in pools.values():
        pool.start()
    start_s = (time.perf_counter() - started) / len(pools)
    pages = POOL_DOCUMENTS * page_count(pools[1].pdf(sample, templates_dir=TEMPLATES))
    workers_cpu: dict[int, list[float]] = {size: [] for size in pools}

    def job(size: int) -> None:
        pool = pools[size]
        before = _workers_cpu_s(pool)
        calls = [lambda: pool.pdf(sample, templates_dir=TEMPLATES)] * POOL_DOCUMENTS
        for outcome in pool.concurrently(calls):
            outcome.result()
        workers_cpu[size].append(_workers_cpu_s(pool) - before)

    results = interleaved({str(size): lambda size=size: job(size) for size in pools}, POOL_RUNS)
    for pool in pools.values():
        pool.close()
    one, two = (pages / (results[key]["wall"] / 1000) for key in ("1", "2"))
    cpu_per_page = {
        size: statistics.median(spent) / pages * 1000 for size, spent in workers_cpu.items()
    }
    return [
        f"### Pages per second through the render pool (load {load()})",
        "",
        f"{POOL_DOCUMENTS} PDFs of the eight letters ({pages} pages) sent through `concurrently`;",
        f"medians of {POOL_RUNS} interleaved runs. Starting a pool, warm: {start_s:.2f} s. The",
        "workers' CPU time a page says whether two workers get in each other's way (on a busy",
        "machine the wall-clock figures mostly say how much CPU the others left).",
        "",
        row("pool", "pages/s", "workers' CPU ms a page", "goal", "met"),
        row(*["---"] * 5),
        row("one worker", f"{one:.1f}", f"{cpu_per_page[1]:.1f}", "", ""),
        row("two workers", f"{two:.1f}", f"{cpu_per_page[2]:.1f}", "", ""),
        row("two against one", f"{two / one:.2f}x", "", "≥ 1.8x", verdict(two / one >= 1.8)),
    ]


def _workers_cpu_s(pool: RenderPool) -> float:
    """The CPU seconds the pool's idle workers have used (user and system)."""
    total = 0
    for worker in list(pool._idle.queue):
        with open(f"/proc/{worker.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def first_pdf_of_a_pool() -> list[str]:
    """A new pool's first PDF against its next: the workers are born warm."""
    sample = letters()
    firsts, nexts = [], []
    for _ in range(3):
        pool = RenderPool(1, wait_s=60, deadline_s=120, retry_after=1, max_waiting=1)
        pool.start()
        for times in (firsts, nexts):
            started = time.perf_counter()
            pool.pdf(sample, templates_dir=TEMPLATES)
            times.append((time.perf_counter() - started) * 1000)
        pool.close()
    return [
        f"### The first PDF of a new pool (load {load()})",
        "",
        row("PDF of the eight letters", "ms (median of 3 pools)"),
        row("---", "---"),
        row("the first of a freshly started pool", f"{statistics.median(firsts):.0f}"),
        row("the next", f"{statistics.median(nexts):.0f}"),
    ]


def export_against_bare_weasyprint() -> list[str]:
    """A whole `campaign export --format pdf` process against `python -m weasyprint`."""
    sample = letters()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page = work / "letters.html"
        page.write_text(pdf.html(sample, templates_dir=TEMPLATES))
        runs = {"export": 0}

        def export() -> None:
            runs["export"] += 1
            out = work / f"export-{runs['export']}"
            command = ["-c", "from campaign.cli import main; main()", "export", *SENDER_OPTIONS]
            _run([*command, "--format", "pdf", "--out", str(out)])

        def bare_same_html() -> None:
            css = str(TEMPLATES / pdf.STYLESHEET)
            command = ["-m", "weasyprint", "--pdf-variant", pdf.PDF_VARIANT, "-s", css]
            _run([*command, str(page), str(work / "bare.pdf")])

        def python_only() -> None:
            _run(["-c", "pass"])

        results = interleaved(
            {"export": export, "bare": bare_same_html, "python": python_only}, PROCESS_RUNS
        )
    ours, plain = results["export"]["wall"], results["bare"]["wall"]
    return [
        f"### A whole `campaign export` process against bare WeasyPrint (load {load()})",
        "",
        "`campaign export --format pdf` (checks every file of the campaign, writes letters.pdf",
        "and one PDF per office) against `python -m weasyprint --pdf-variant pdf/ua-1 -s",
        "print.css` on the same HTML (letters.pdf only); medians of",
        f"{PROCESS_RUNS} interleaved runs.",
        "",
        row("process", "wall s"),
        row("---", "---"),
        row("`campaign export --format pdf`", f"{ours / 1000:.2f}"),
        row("`python -m weasyprint`, the same HTML", f"{plain / 1000:.2f}"),
        row("export against bare WeasyPrint", f"{ours / plain:.2f}x"),
        row("for scale: `python -c pass`", f"{results['python']['wall'] / 1000:.2f}"),
    ]


def _run(arguments: list[str], python: str = sys.executable, env: dict | None = None) -> str:
    """Run this Python with `arguments` in the project folder; its output (it must succeed)."""
    done = subprocess.run(
        [python, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise RuntimeError(f"{arguments[:3]} failed: {done.stderr[-500:]}")
    return done.stdout


VERSION_IN_CHILD = (  # the version, and whether the interpreter runs from libpython*.so
    "import sys; print(sys.version.split()[0], "
    "any('libpython' in line for line in open('/proc/self/maps')))"
)
MEASURE_IN_CHILD = """
import statistics, sys, time
from benchmarks.bench import letters, TEMPLATES, RENDER_RUNS
from campaign.letters import pdf, render_pool
render_pool.warm_up()
sample = letters()
times = []
for _ in range(RENDER_RUNS):
    started = time.process_time()
    pdf.render(sample, templates_dir=TEMPLATES)
    times.append(time.process_time() - started)
print(statistics.median(times) * 1000)
"""


def interpreters() -> list[str]:
    """The eight letters under this venv's Python and under Debian's own (python3 package)."""
    debian = Path("/usr/bin/python3")
    found = {"the venv's": (sys.executable, None)}
    if debian.exists():
        # The very same packages: the venv's site-packages, ahead of Debian's own.
        paths = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
        found["Debian's /usr/bin/python3"] = (str(debian), {**os.environ, "PYTHONPATH": paths})
    medians: dict[str, list[float]] = {name: [] for name in found}
    versions = {
        name: _run(
            [
                "-c",
                VERSION_IN_CHILD,
            ],
            python,
            env,
        ).split()
        for name, (python, env) in found.items()
    }
    for _ in range(3):  # interleaved processes
        for name, (python, env) in found.items():
            medians[name].append(float(_run(["-c", MEASURE_IN_CHILD], python, env)))
    lines = [
        f"### The same render under two Python interpreters (load {load()})",
        "",
        f"The eight letters, warm: the CPU time of a render (median of {RENDER_RUNS} in each of",
        "3 processes per interpreter, interleaved); both import the same packages, the venv's.",
        "",
        row("interpreter", "Python", "runs from libpython.so", "CPU ms", "against the venv's"),
        row(*["---"] * 5),
    ]
    base = statistics.median(medians["the venv's"])
    for name, times in medians.items():
        version, shared = versions[name]
        figure = statistics.median(times)
        lines.append(row(name, version, shared, f"{figure:.0f}", f"{figure / base:.2f}x"))
    return lines


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


def memory() -> list[str]:
    """RSS over 1,000 single-letter renders in a fresh process, one shared FontConfiguration."""
    figures = in_child(memory_run)
    growth = figures["1000"] - figures["100"]
    per_render = growth * 1024 / (MEMORY_MARKS[-1] - MEMORY_MARKS[0])
    leaky = in_child(memory_run, True)
    flat = "flat" if per_render < 10 else "GROWS"  # a leak is ~200 KB a render
    lines = [
        f"### Memory over {MEMORY_RENDERS:,} single-letter renders (load {load()})",
        "",
        row("after", "RSS MB"),
        row("---", "---"),
        *(
            row(f"{key} renders" if key != "start" else "no render yet", f"{figures[key]:.1f}")
            for key in ("start", *map(str, MEMORY_MARKS))
        ),
        row("peak (ru_maxrss)", f"{figures['peak']:.1f}"),
        row(
            "growth 100 → 1,000 (goal: flat)",
            f"{growth:+.1f} ({per_render:.1f} KB a render: {flat})",
        ),
        row(
            f"a new FontConfiguration per render, after {MEMORY_MARKS[0]}",
            f"{leaky[str(MEMORY_MARKS[0])]:.1f} (from {leaky['start']:.1f})",
        ),
    ]
    return lines


def machine() -> list[str]:
    """What this machine is, and how busy."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    harfbuzz = bool(weasy_ffi.harfbuzz_subset) and weasy_ffi.harfbuzz.hb_version_atleast(4, 1, 0)
    with open("/proc/self/maps") as maps:
        shared = any("libpython" in line for line in maps)
    return [
        f"## Machine ({dt.datetime.now(dt.UTC):%d %B %Y, %H:%M} UTC)",
        "",
        f"- CPU: {cpu}; `nproc`: {os.cpu_count()}, usable here: {len(os.sched_getaffinity(0))}",
        f"- load average (1 / 5 / 15 min) at the start: {load()}",
        f"- Python {platform.python_version()} ({sys.executable};"
        f" runs from libpython.so: {shared})",
        f"- WeasyPrint {weasyprint.__version__}, pikepdf {pikepdf.__version__}, font subsetting:"
        f" {'HarfBuzz' if harfbuzz else 'fontTools (slow)'}",
    ]


FIGURES: list[Callable[[], list[str]]] = [
    eight_letters_against_the_floor,
    collector_and_subsetting,
    pool_scaling,
    first_pdf_of_a_pool,
    export_against_bare_weasyprint,
    interpreters,
    memory,
]


def main() -> None:
    """Measure, print the figures as Markdown, and write them into RESULTS.md."""
    started = time.perf_counter()
    lines = machine()
    print("\n".join(lines), flush=True)
    for figure in FIGURES:
        part = ["", *figure()]
        print("\n".join(part), flush=True)
        lines += part
    ending = (
        f"\nLoad average at the end: {load()}; the run took {time.perf_counter() - started:.0f} s."
    )
    print(ending)
    lines.append(ending)
    write_results("\n".join(lines))


def write_results(text: str) -> None:
    """Put `text` between the MARKERS of RESULTS.md (at its top when they are missing)."""
    current = RESULTS.read_text() if RESULTS.exists() else ""
    begin, end = MARKERS
    block = f"{begin}\n{text}\n{end}"
    if begin in current and end in current:
        before, rest = current.split(begin, 1)
        after = rest.split(end, 1)[1]
        RESULTS.write_text(before + block + after)
    else:
        RESULTS.write_text(block + "\n\n" + current)


if __name__ == "__main__":
    main()
