"""SIGKILL a process doing console saves, 100 times: what each kill leaves behind (measured).

Copies the bundled campaign into a scratch folder, then, 100 times: forks a process that starts
as the web app does (`editing.remove_leftovers`) and then saves as the console does, in a loop
(`editing.open_file`, then `editing.save` of recipients.yaml, campaign.yaml and letter.en.txt
in turn, each save writing a value no other save writes), and kills it with SIGKILL at a
random moment of one of three kinds, picked at random:

- anywhere: from the fork to two saves later (start-up, reading, the rulebook, writing:
  the time of a save is measured first, on another copy);
- mid-write: the first moment after that when a new temporary file of a save exists (polled);
- just-saved: 0 to 3 ms after one of the files is next replaced (polled): while the history
  and the audit log were written, before the save was made one transaction.

After each kill it looks at what is there: temporary files; whether each file parses; and,
for the version now in each file, whether the history keeps it with its author and the audit
log has its entry. At the end it starts once more (remove_leftovers) and runs the rulebook.
Processes are forked from this one, already warm, so 100 kills take seconds, not minutes.

    .venv/bin/python benchmarks/kill_saves.py [--kills 100] [--seed N] [--folder DIR] [--json]
        [--database postgresql://...]

tests/editing/test_kills.py runs it and asserts on the JSON it prints with --json.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign import editing, limits, rulebook  # noqa: E402
from campaign.editing import campaign_fields, offices  # noqa: E402
from campaign.errors import CampaignError  # noqa: E402
from campaign.site import CAMPAIGN_FILE, Site  # noqa: E402
from campaign.storage import audit, published, safe_files, versions  # noqa: E402
from campaign.yamlfile import load_document  # noqa: E402
from tests.builders import copy_site  # noqa: E402

WHO = "kill-test"
FILES = ("recipients.yaml", CAMPAIGN_FILE, "letter.en.txt")
OFFICES = ("it-interior", "kz-president")
KINDS = ("anywhere", "mid-write", "just-saved")
LABEL = re.compile(rb"kill-(\d+)-(\d+)")
SAVES_SPANNED = 2  # "anywhere" spans the start-up and this many saves
JUST_SAVED_S = 0.003
LISTS = (
    "runs",
    "kills_leaving_a_temp_file",
    "temp_after_start_up",
    "unreadable",
    "saved_versions_seen",
    "missing_version",
    "missing_audit",
    "behind_at_the_end",
)
POLL_S = 0.0002  # between two looks: a write and its fsync take longer
WAIT_S = 5.0  # a kill waited for longer than this happens anyway (and is reported)


# --- the process that is killed ---------------------------------------------------------------


def console_saves(site: Site, run: int, started: int, letter: str) -> None:
    """Start as the web app does, then save as the console does, until killed."""
    editing.remove_leftovers(site)
    editing.publishing.sync(site)  # a save killed before its copy was written: completed
    os.write(started, b"s")
    for number in itertools.count():
        file_name = FILES[number % len(FILES)]
        label = f"kill-{run}-{number}"
        _data, version = editing.open_file(site, file_name)
        editing.save(
            site, file_name, version, edit_of(file_name, label, letter), WHO, summary=label
        )


def edit_of(file_name: str, label: str, letter: str) -> editing.Edit:
    """A change of `file_name` that writes `label` into it."""
    if file_name == CAMPAIGN_FILE:

        def retitle(document) -> None:
            title = campaign_fields.campaign_fields(document)["title"]
            campaign_fields.set_campaign_fields(
                document, {"title": {**title, "en": f"Bring them home ({label})"}}
            )

        return editing.in_document(retitle, file_name)
    if file_name.endswith(".yaml"):
        office_id = OFFICES[int(label.rsplit("-", 1)[1]) // len(FILES) % len(OFFICES)]
        change = lambda document: offices.update_office(  # noqa: E731
            document, office_id, {"title": f"Office holder ({label})"}
        )
        return editing.in_document(change, file_name)
    return editing.replaced_by(f"{letter.rstrip()}\n\n(Reference {label}.)\n")


# --- killing it -------------------------------------------------------------------------------


def watched_folders(site: Site) -> list[Path]:
    """Where the saves write temporary files: beside the files (the history is the database)."""
    return [site.recipients.parent, site.templates]


def save_seconds(folder: Path, letter: str) -> float:
    """How long one console save takes here (the median of six, on a copy of its own)."""
    site = copy_site(folder)
    times = []
    for number in range(6):
        file_name = FILES[number % len(FILES)]
        began = time.monotonic()
        _data, version = editing.open_file(site, file_name)
        edit = edit_of(file_name, f"warm-{number}", letter)
        editing.save(site, file_name, version, edit, WHO)
        times.append(time.monotonic() - began)
    return sorted(times)[len(times) // 2]


def wait_for(kind: str, site: Site, rng: random.Random, anywhere: float) -> bool:
    """Wait for a moment of `kind` to kill at; False when it did not come in WAIT_S."""
    time.sleep(rng.uniform(0, anywhere))  # the others: the next such moment after this
    if kind == "anywhere":
        return True
    deadline = time.monotonic() + WAIT_S
    paths = [site.path_of(name) for name in FILES]
    before = [path.stat().st_ino for path in paths]
    folders = watched_folders(site)
    old = {temp for folder in folders for temp in safe_files.temp_files(folder)}
    while time.monotonic() < deadline:
        if kind == "mid-write" and any(
            temp not in old for folder in folders for temp in safe_files.temp_files(folder)
        ):
            return True
        if kind == "just-saved" and [p.stat().st_ino for p in paths] != before:
            time.sleep(rng.uniform(0, JUST_SAVED_S))
            return True
        time.sleep(POLL_S)
    return False


def kill_once(
    site: Site, run: int, kind: str, rng: random.Random, letter: str, anywhere: float
) -> dict:
    """Fork the saving process, kill it at a moment of `kind`; how it ended."""
    started_read, started_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into this loop
        code = 1
        try:
            os.close(started_read)
            console_saves(site, run, started_write, letter)
        except BaseException as error:  # a save failed on its own: report it
            print(f"run {run}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            code = 2
        finally:
            os._exit(code)
    os.close(started_write)
    came = wait_for(kind, site, rng, anywhere)
    os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    os.set_blocking(started_read, False)
    try:
        started = os.read(started_read, 1) == b"s"
    except BlockingIOError:
        started = False
    os.close(started_read)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return {"kind": kind, "moment_came": came, "killed": killed, "started": started}


# --- what a kill left ---------------------------------------------------------------------------


def temp_files(folder: Path) -> list[str]:
    """Every temporary file of a save anywhere under `folder`."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if safe_files.is_temp_file(path.name)
    )


def readable(site: Site, file_name: str, data: bytes, known: set[str]) -> bool:
    """Whether a file still parses (YAML) or decodes (a letter); `known`: versions that did."""
    if safe_files.version(data) in known:
        return True
    try:
        if file_name.endswith(".yaml"):
            load_document(data, file_name)
        else:
            data.decode("utf-8")
    except (CampaignError, UnicodeDecodeError):
        return False
    known.add(safe_files.version(data))
    return True


def kept_by_author(site: Site, file_name: str, data: bytes) -> bool:
    """Whether the history keeps this content as saved by the console's organiser."""
    digest = safe_files.version(data)[: versions.DIGEST_LENGTH]
    kept = versions.list_versions(site.database, file_name, limit=versions.KEEP)
    return any(v.digest == digest and v.who == WHO for v in kept)


def logged(site: Site, file_name: str, label: str) -> bool:
    """Whether the audit log has the entry of the save that wrote `label` (its summary)."""
    entries = audit.recent_changes(site.database, 100_000)
    return any(e.file == file_name and label in e.summary.split(" — ") for e in entries)


def newest_label(data: bytes) -> str | None:
    """The label of the last save that wrote this content (one file holds several)."""
    found = [(int(run), int(number)) for run, number in LABEL.findall(data)]
    if not found:
        return None
    run, number = max(found)
    return f"kill-{run}-{number}"


def run(folder: Path, kills: int, seed: int, database_url: str = "") -> dict:
    """Kill `kills` times in a copy of the bundled campaign in `folder`; the figures."""
    # The rulebook's time budgets are wall-clock: on a crowded machine a save could be refused
    # for slowness, which is not what is measured here.
    limits.RENDER_S, limits.RENDER_BUDGET_S = 30.0, 60.0
    rng = random.Random(seed)
    site = dataclasses.replace(copy_site(folder / "campaign"), database_url=database_url)
    letter = site.path_of("letter.en.txt").read_text(encoding="utf-8")
    one_save = save_seconds(folder / "warm-up", letter)  # and every process starts warm
    anywhere = SAVES_SPANNED * one_save
    report: dict = {key: [] for key in LISTS}
    checked: set[str] = set()
    parsed: set[str] = set()
    waiting: list[str] = []  # temporary files there when the last process started
    began = time.monotonic()
    for number in range(kills):
        kind = rng.choice(KINDS)
        ended = kill_once(site, number, kind, rng, letter, anywhere)
        report["runs"].append(ended)
        left = temp_files(folder)
        if set(left) - set(waiting):
            report["kills_leaving_a_temp_file"].append(number)
        if ended["started"]:  # its start-up removed what the kill before left
            report["temp_after_start_up"] += [t for t in waiting if (folder / t).exists()]
        waiting = left
        for file_name in FILES:
            data = site.path_of(file_name).read_bytes()
            if not readable(site, file_name, data, parsed):
                report["unreadable"].append(f"{number}: {file_name}")
                continue
            label = newest_label(data)
            if label is None or label in checked:
                continue
            checked.add(label)
            report["saved_versions_seen"].append(label)
            if not kept_by_author(site, file_name, data):
                report["missing_version"].append(f"{file_name} {label}")
            if not logged(site, file_name, label):
                report["missing_audit"].append(f"{file_name} {label}")
    report["seconds"] = round(time.monotonic() - began, 1)
    report["removed_at_the_end"] = [
        str(p.relative_to(folder)) for p in editing.remove_leftovers(site)
    ]
    report["left_at_the_end"] = temp_files(folder)
    editing.publishing.sync(site)  # the start-up: a copy behind its published version written
    for file_name in FILES:
        served = published.get(site.database, file_name)
        if served is None or served.content != site.path_of(file_name).read_bytes():
            report["behind_at_the_end"].append(file_name)
    try:
        rulebook.load_site(site)
        report["rulebook"] = "passes"
    except CampaignError as error:
        report["rulebook"] = str(error)
    entries = audit.recent_changes(site.database, 100_000)
    report["saves_logged"] = sum(entry.who == WHO for entry in entries)
    report["kills"] = kills
    report["seed"] = seed
    report["database"] = site.database.dialect
    report["one_save_seconds"] = round(one_save, 3)
    return report


def markdown(report: dict) -> str:
    """The figures as a Markdown table."""
    runs = report["runs"]
    kinds = collections.Counter(run["kind"] for run in runs)
    seen = len(report["saved_versions_seen"])
    rows = [
        ("kills (anywhere / mid-write / just-saved)", f"{report['kills']} ({kinds['anywhere']} / "
         f"{kinds['mid-write']} / {kinds['just-saved']})"),
        ("processes ended by the SIGKILL (not by an error of their own)",
         sum(run["killed"] for run in runs)),
        ("kills that left a new temporary file", len(report["kills_leaving_a_temp_file"])),
        ("temporary files still there after the next start-up",
         len(set(report["temp_after_start_up"]))),
        ("temporary files left after one more start-up", len(report["left_at_the_end"])),
        ("files unreadable after a kill", len(report["unreadable"])),
        ("files not the published version after one more start-up",
         len(report["behind_at_the_end"])),
        ("the rulebook on the files at the end", report["rulebook"]),
        ("saves completed (audit entries)", report["saves_logged"]),
        ("saved versions found in the files after the kills", seen),
        ("... without their kept copy (by their author) in the history",
         len(report["missing_version"])),
        ("... without their audit entry", len(report["missing_audit"])),
        ("seconds for the kills (one save: median of six)",
         f"{report['seconds']} ({report['one_save_seconds']})"),
    ]  # fmt: skip
    lines = ["| figure | value |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--folder", type=Path, default=None, help="an empty scratch folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--database", default="", help="a database URL (default the copy's SQLite file)"
    )
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10**6)
    folder = options.folder or Path(tempfile.mkdtemp(prefix="kill-saves-"))
    report = run(folder, options.kills, seed, options.database)
    print(json.dumps(report, indent=1) if options.json else markdown(report))


if __name__ == "__main__":
    main()
