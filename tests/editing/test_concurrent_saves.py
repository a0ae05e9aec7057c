"""Two organisers saving at once, 20 times each, through the pipeline as the console does.

Each round both open the file, wait for each other, then save: so every round one save lands
while the other is being made, and the second one is merged (different offices) or refused
(the same field). A refused organiser reloads and saves again, as the conflict page asks, and
the next round starts when both are done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from campaign import directory, editing, limits
from campaign.editing import offices
from campaign.errors import ConflictError
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile import load_document

NAME = "recipients.yaml"
ROUNDS = 20  # 40 saves: at the 43 % conflicts of the saves before merging, some 17 conflicts
MERGED = "merged onto someone else's change saved meanwhile"


@pytest.fixture(autouse=True)
def patient_rulebook(monkeypatch):
    """The rulebook's time budgets are wall-clock: two threads sharing the GIL on a crowded
    test machine can take 500 times the ~1 ms a letter needs. Slowness is not tested here."""
    monkeypatch.setattr(limits, "RENDER_S", 30.0)
    monkeypatch.setattr(limits, "RENDER_BUDGET_S", 60.0)


@dataclass
class Organiser:
    """One organiser's thread: what it saved (value -> version) and the conflicts it got."""

    who: str
    office_id: str
    saved: dict[str, str] = field(default_factory=dict)
    conflicts: list[ConflictError] = field(default_factory=list)
    failure: BaseException | None = None


def title_change(office_id: str, title: str) -> Callable:
    """The office form's change of a title: every field of the office sent back."""

    def change(document) -> None:
        plain = offices.office_plain(document, office_id)
        offices.update_office(document, office_id, {**plain, "title": title})

    return change


def run_rounds(site, organisers: list[Organiser]) -> None:
    """ROUNDS rounds in which every organiser opens the file, waits for the others, saves
    (again after a conflict), and waits for the others to be done."""
    barrier = threading.Barrier(len(organisers), timeout=120)

    def work(organiser: Organiser) -> None:
        try:
            for number in range(ROUNDS):
                title = f"Title {number} by {organiser.who}"
                _data, version = editing.open_file(site, NAME)
                barrier.wait()
                for _attempt in range(5):
                    edit = editing.in_document(title_change(organiser.office_id, title), NAME)
                    try:
                        organiser.saved[title] = editing.save(
                            site, NAME, version, edit, organiser.who
                        )
                        break
                    except ConflictError as conflict:
                        organiser.conflicts.append(conflict)
                        _data, version = editing.open_file(site, NAME)  # reload, save again
                barrier.wait()
        except BaseException as error:
            organiser.failure = error
            barrier.abort()

    threads = [threading.Thread(target=work, args=(o,)) for o in organisers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for organiser in organisers:
        if organiser.failure is not None:
            raise organiser.failure


def title_in(data: bytes, office_id: str) -> str:
    """The title of an office in a version of recipients.yaml."""
    return offices.office_plain(load_document(data, NAME), office_id)["title"]


def assert_each_save_kept_and_logged(site, organisers: list[Organiser]) -> None:
    """Every version a save returned is in the history with its author, and in the log."""
    kept = {v.digest: v for v in versions.list_versions(site.database, NAME, limit=1000)}
    log = audit.recent_changes(site.database, 1000)
    for organiser in organisers:
        for title, version in organiser.saved.items():
            found = kept[version[:16]]
            assert found.who == organiser.who
            data = versions.read(site.database, NAME, found.id)
            assert title_in(data, organiser.office_id) == title
        mine = [entry for entry in log if entry.who == organiser.who]
        assert len(mine) == len(organiser.saved)


def test_two_organisers_saving_different_offices_never_conflict(site):
    maria, anna = Organiser("maria", "it-interior"), Organiser("anna", "kz-president")
    run_rounds(site, [maria, anna])
    assert maria.conflicts == [] and anna.conflicts == []
    assert len(maria.saved) == len(anna.saved) == ROUNDS
    final = directory.load(site.recipients)
    assert final.get("it-interior").title == f"Title {ROUNDS - 1} by maria"
    assert final.get("kz-president").title == f"Title {ROUNDS - 1} by anna"
    log = audit.recent_changes(site.database, 1000)
    assert len(log) == 2 * ROUNDS
    assert sum(entry.summary.startswith(MERGED) for entry in log) == ROUNDS  # one a round
    assert {entry.fields for entry in log} == {("it-interior.title",), ("kz-president.title",)}
    assert_each_save_kept_and_logged(site, [maria, anna])
    for organiser in (maria, anna):  # the history holds each of their titles, in order
        kept = versions.list_versions(site.database, NAME, limit=1000)
        mine = [v for v in reversed(kept) if v.who == organiser.who]
        titles = [
            title_in(versions.read(site.database, NAME, v.id), organiser.office_id) for v in mine
        ]
        assert titles == [f"Title {n} by {organiser.who}" for n in range(ROUNDS)]


def test_two_organisers_saving_the_same_field_get_conflicts_and_lose_nothing(site):
    maria, anna = Organiser("maria", "it-interior"), Organiser("anna", "it-interior")
    run_rounds(site, [maria, anna])
    conflicts = [*maria.conflicts, *anna.conflicts]
    assert len(conflicts) == ROUNDS  # one a round: the second save of each round is refused
    for conflict in conflicts:
        (line,) = conflict.changes
        assert line.startswith(
            "recipients.yaml: it-interior.title was changed by someone else since you opened it"
        )
        assert line.endswith("; you changed it too")
        assert "nothing was saved" in conflict.message
    # Every refused save was saved again after the reload: all 100 titles are in the history.
    assert len(maria.saved) == len(anna.saved) == ROUNDS
    assert_each_save_kept_and_logged(site, [maria, anna])
    kept = versions.list_versions(site.database, NAME, limit=1000)
    titles = [title_in(versions.read(site.database, NAME, v.id), "it-interior") for v in kept]
    assert set(maria.saved) | set(anna.saved) <= set(titles)
    assert not any(
        entry.summary.startswith(MERGED) for entry in audit.recent_changes(site.database)
    )
    now = site.recipients.read_bytes()
    assert title_in(now, "it-interior") == titles[0]  # the newest version is the file
    assert safe_files.version(now)[:16] == kept[0].digest
