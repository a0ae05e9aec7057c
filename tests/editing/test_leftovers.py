"""Nothing left behind: temporary files of interrupted saves removed, dead lock holders ignored."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign import editing, rulebook
from campaign.cli import main
from campaign.editing import offices
from campaign.errors import CampaignError
from campaign.storage import safe_files, versions
from campaign.web import create_app
from campaign.web.resources import stamp
from tests.builders import ROOT

NAME = "recipients.yaml"


def plant(folder: Path, target: str, age: float = 0.0, content: bytes = b"half a file") -> Path:
    """A temporary file as a write killed half-way leaves it, `age` seconds old."""
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{target}.0123abcd{safe_files.TEMP_SUFFIX}"
    temp.write_bytes(content)
    if age:
        then = time.time() - age
        os.utime(temp, (then, then))
    return temp


def save_title(site, title: str) -> str:
    """A console save of kz-president's title."""
    version = editing.open_file(site, NAME)[1]
    change = editing.in_document(
        lambda doc: offices.update_office(doc, "kz-president", {"title": title}), NAME
    )
    return editing.save(site, NAME, version, change, "maria")


def test_a_save_leaves_no_temporary_file_and_names_them_recognisably(site, monkeypatch):
    made = []
    real_replace = os.replace

    def watching_replace(source, target):
        made.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    save_title(site, "President")
    assert made, "the save wrote through temporary files"
    for name in made:
        assert safe_files.is_temp_file(name) and name.startswith(".")
        assert name.endswith(".campaign-tmp")
    prefixes = {name.rsplit(".", 2)[0] for name in made}  # what each was the temporary file of
    assert {".recipients.yaml", ".recipients.yaml.bak"} <= prefixes
    for folder in (site.recipients.parent, site.templates):
        assert safe_files.temp_files(folder) == []
    assert not safe_files.is_temp_file("recipients.yaml")
    assert not safe_files.is_temp_file(".recipients.yaml.swp")
    assert not safe_files.is_temp_file(".recipients.yaml.0123abcd.tmp")


def test_the_next_save_removes_what_a_killed_save_left(site):
    left = [
        plant(site.recipients.parent, NAME),
        plant(site.recipients.parent, "recipients.yaml.bak"),
    ]
    someone_elses = plant(site.recipients.parent, "other.yaml")  # a fresh one: maybe in use
    old_one = plant(site.recipients.parent, "other.json", age=safe_files.STALE_TEMP_S + 5)
    save_title(site, "President")
    assert not any(path.exists() for path in [*left, old_one])
    assert someone_elses.exists()


def test_start_up_removes_leftovers_but_not_those_of_a_save_holding_its_lock(site):
    recipients_temp = plant(site.recipients.parent, NAME)
    letter_temp = plant(site.templates, "letter.en.txt")
    lock = os.open(site.templates / "letter.en.txt.lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a save of letter.en.txt is in progress
        removed = editing.remove_leftovers(site)
    finally:
        os.close(lock)
    assert removed == [recipients_temp]
    assert letter_temp.exists()
    assert editing.remove_leftovers(site) == [letter_temp]
    assert editing.remove_leftovers(site) == []


def test_start_up_without_leftovers_makes_no_lock_file(site):
    editing.remove_leftovers(site)
    assert not list(site.templates.glob("*.lock"))
    assert not list(site.recipients.parent.glob("*.lock"))


def test_the_web_app_removes_leftovers_when_it_starts(site):
    temp = plant(site.templates, "campaign.yaml")
    create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(site.instance),
            "RECIPIENTS": str(site.recipients),
            "TEMPLATES": str(site.templates),
        }
    )
    assert not temp.exists()


def test_a_temporary_file_is_never_taken_for_a_campaign_file(site, monkeypatch):
    broken = b"{% if %} not a template, not YAML: [\n"
    plant(site.templates, "letter.en.txt", content=broken)
    plant(site.templates, "campaign.yaml", content=broken)
    plant(site.recipients.parent, NAME, content=broken)
    rulebook.load_site(site)
    assert versions.list_versions(site.database, NAME) == []
    before = stamp(site.templates)
    plant(site.templates, "print.html", content=broken)
    assert stamp(site.templates) == before  # a save in progress does not reload the site
    monkeypatch.chdir(site.recipients.parent)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output


def test_git_ignores_temporary_and_lock_files():
    names = [
        ".recipients.yaml.0123abcd.campaign-tmp",
        ".recipients.yaml.bak.0123abcd.campaign-tmp",
        "letter_templates/.letter.en.txt.0123abcd.campaign-tmp",
        "recipients.yaml.lock",
        "letter_templates/campaign.yaml.lock",
    ]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == names


HOLDER = """
import sys, time
from campaign.storage import safe_files
with safe_files.locked(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_lock_held_by_a_killed_process_does_not_block_the_next_save(site, monkeypatch):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(site.recipients)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        monkeypatch.setattr(safe_files, "LOCK_TIMEOUT", 0.3)
        with pytest.raises(CampaignError, match="another save is in progress"):
            save_title(site, "Blocked")
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert site.recipients.with_name("recipients.yaml.lock").exists()  # the file stays...
    save_title(site, "After the kill")  # ... but nobody holds it
    assert b"title: After the kill" in site.recipients.read_bytes()
