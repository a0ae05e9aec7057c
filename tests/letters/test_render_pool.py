"""The render pool: a worker per core, born warm, renders side by side in the order given."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import replace

import pypdf
import pytest

from campaign import limits
from campaign.errors import TooLarge
from campaign.letters import pdf, render_pool
from campaign.letters.render_pool import RenderPool
from campaign.web.config import PROJECT_ROOT
from tests.builders import TEMPLATES
from tests.letters.test_pdf import italian_ministry, kazakh_office, make_letter

CORES = len(os.sched_getaffinity(0))


@pytest.fixture(scope="module")
def pool():
    """A pool of two workers, as on this two-core machine, stopped after the module."""
    pool = RenderPool(2, wait_s=30, deadline_s=60, retry_after=1, max_waiting=2)
    yield pool
    pool.close()


def pages(data: bytes) -> int:
    """The number of pages of a PDF."""
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_pool_has_a_worker_per_core_shared_among_the_web_processes():
    assert render_pool.default_size() == CORES
    assert render_pool.default_size(web_processes=2) == max(1, CORES // 2)
    assert render_pool.default_size(web_processes=CORES * 4) == 1
    assert render_pool.default_size(web_processes=0) == CORES


def test_the_command_line_pool_has_every_core_and_lets_them_all_wait(monkeypatch):
    monkeypatch.setattr(render_pool, "_shared", None)
    shared = render_pool.shared()
    assert shared.size == CORES
    # check sends a render per core at once: none of them may be told "busy"
    assert shared.admission.max_waiting == CORES
    assert shared.deadline_s == limits.CLI_PDF_DEADLINE_S


def test_renders_side_by_side_come_back_in_order_with_their_own_errors(pool):
    lengths = [1, 16, 1, 16, 16]  # paragraphs: letters of one and two pages
    jobs = [[make_letter(italian_ministry(), paragraphs=n)] for n in lengths]
    too_many = [make_letter(replace(italian_ministry(), id=f"o{n}")) for n in range(31)]
    calls = [lambda letters=letters: pool.pdf(letters, templates_dir=TEMPLATES) for letters in jobs]
    calls.insert(2, lambda: pool.pdf(too_many, templates_dir=TEMPLATES))
    outcomes = list(pool.concurrently(calls))
    with pytest.raises(TooLarge, match="31 letters"):
        outcomes.pop(2).result()
    assert [pages(outcome.result()) for outcome in outcomes] == [1, 2, 1, 2, 2]


def test_a_worker_prints_what_this_process_prints(pool):
    letters = [make_letter(italian_ministry()), make_letter(kazakh_office(), paragraphs=16)]
    combined, singles = pool.split(letters, templates_dir=TEMPLATES)
    here, here_singles = pdf.render_split(letters, templates_dir=TEMPLATES)
    assert combined == here  # the same bytes: same layout, same fonts, same tags
    assert singles == here_singles


WARM_REPORT = """
import gc, json, sys
import campaign.letters.warm_forkserver  # what the forkserver imports before it forks
from campaign.letters import pdf
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "thresholds": gc.get_threshold(),
    "stylesheets parsed": pdf._parsed_stylesheet.cache_info().currsize,
    "loaded": [name for name in ("weasyprint", "pikepdf") if name in sys.modules],
}))
"""


def test_the_forkserver_is_warm_before_it_forks_a_worker():
    done = subprocess.run(
        [sys.executable, "-c", WARM_REPORT],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["frozen"] > 10_000  # the heap after a sample render, never scanned again
    assert tuple(report["thresholds"]) == render_pool.GC_THRESHOLDS
    assert report["stylesheets parsed"] == 1  # the bundled print.css, ready for its sites
    assert report["loaded"] == ["weasyprint", "pikepdf"]
    assert done.stderr == ""  # the sample renders without a warning


def test_the_forkserver_preloads_the_warm_up():
    import multiprocessing.forkserver

    assert render_pool._CONTEXT.get_start_method() == "forkserver"
    preload = multiprocessing.forkserver._forkserver._preload_modules
    assert preload == ["__main__", "campaign.letters.warm_forkserver"]
