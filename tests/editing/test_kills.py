"""The 100-kill test: a process doing console saves, SIGKILLed at random moments 100 times.

benchmarks/kill_saves.py does the killing (in a process of its own, which forks the saving
processes warm, so that 100 restarts take seconds) and reports what each kill left; this
module runs it once and asserts on the report and on the files it leaves.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from campaign import rulebook
from campaign.site import Site
from campaign.storage import safe_files
from tests.builders import ROOT
from tests.databases import BACKENDS

KILLS = 100


@pytest.fixture(scope="module", params=BACKENDS)
def killed(request, tmp_path_factory) -> tuple[dict, Site]:
    """The report of 100 kills, and the campaign they were made in (SQLite, PostgreSQL)."""
    folder = tmp_path_factory.mktemp("kills")
    command = ["benchmarks/kill_saves.py", "--kills", str(KILLS), "--folder", str(folder)]
    url = ""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgres")
        url = cluster.url(cluster.new_database())
        command += ["--database", url]
    result = subprocess.run(
        [sys.executable, *command, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,  # about 40 s on a quiet machine; far more on a crowded one
        check=False,
    )
    assert result.returncode == 0, result.stderr
    campaign = folder / "campaign"
    site = Site(
        campaign / "recipients.yaml", campaign / "letter_templates", campaign / "instance", url
    )
    return json.loads(result.stdout), site


def test_after_100_kills_every_file_passes_and_no_temporary_file_is_left(killed):
    report, site = killed
    assert report["kills"] == KILLS
    assert all(run["killed"] for run in report["runs"]), "a saving process failed on its own"
    assert report["kills_leaving_a_temp_file"], "no kill landed while a file was written"
    assert report["saves_logged"] > 0 and report["saved_versions_seen"]
    assert report["unreadable"] == []
    assert report["temp_after_start_up"] == []  # each start-up removed what the kill left
    assert report["left_at_the_end"] == []
    assert report["rulebook"] == "passes"
    rulebook.load_site(site)
    everything = site.recipients.parent.rglob("*")
    assert [path for path in everything if safe_files.is_temp_file(path.name)] == []


def test_after_100_kills_every_saved_version_is_kept_and_logged(killed):
    # A save is one transaction (versions, audit entry, published version); the file is
    # written after it, and a kill in between is completed by the next start-up.
    report, _site = killed
    assert report["missing_version"] == []
    assert report["missing_audit"] == []
    assert report["behind_at_the_end"] == []
