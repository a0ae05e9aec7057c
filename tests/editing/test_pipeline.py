"""The one edit path: a safe save (lock, version check, atomic write, backup) and the history."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from campaign import directory, editing
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.storage import safe_files, versions
from tests.builders import RECIPIENTS as BUNDLED

NAME = "recipients.yaml"


def save(site, version, change, who="maria") -> str:
    """The console's save of a change to the directory document; the new version."""
    return editing.save(site, NAME, version, editing.in_document(change, NAME), who)


def set_office(index: int, office: str):
    """A change that renames the office at `index` in the document."""

    def change(document):
        document["recipients"][index]["office"] = office

    return change


def no_temp_files(folder: Path) -> bool:
    """Whether no temporary file of a save is left in `folder`."""
    return not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))


# --- saving ---------------------------------------------------------------------------------


def test_unmodified_load_and_save_is_byte_identical(site):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)
    assert editing.in_document(lambda document: None, NAME)(before) == before
    version = save(site, loaded.version, lambda document: None)
    assert site.recipients.read_bytes() == before
    assert version == loaded.version
    assert not safe_files.backup_path(site.recipients).exists()  # nothing to write


def test_save_keeps_comments_key_order_and_quoting(site):
    loaded = directory.load(site.recipients)
    version = save(site, loaded.version, set_office(0, "Ministry of the Interior (Italy)"))
    saved = directory.load(site.recipients)
    text = site.recipients.read_text(encoding="utf-8")
    assert "    office: Ministry of the Interior (Italy)\n" in text
    assert '      - "+390636064651"  # source: "+3 90636 064 651"\n' in text
    assert text.startswith("# The recipient directory")
    assert '      postcode: "00184"\n' in text
    keys = list(saved.document["recipients"][0])
    assert keys == list(loaded.document["recipients"][0])  # in the schema's order, none lost
    assert keys == [key for key in directory.ENTRY_KEYS if key in keys]
    assert saved.get("it-interior").office == "Ministry of the Interior (Italy)"
    assert saved.version == version != loaded.version
    before = BUNDLED.read_text(encoding="utf-8").splitlines()
    changed = [a for a, b in zip(before, text.splitlines(), strict=True) if a != b]
    assert changed == ["    office: Ministry of the Interior of Italy"]


def test_save_keeps_the_previous_version_as_backup(site):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)
    save(site, loaded.version, set_office(1, "Changed"))
    assert safe_files.backup_path(site.recipients) == site.recipients.with_name(
        "recipients.yaml.bak"
    )
    assert safe_files.backup_path(site.recipients).read_bytes() == before


def test_concurrent_save_is_a_conflict(site):
    first, second = directory.load(site.recipients), directory.load(site.recipients)
    save(site, first.version, set_office(0, "First editor"))
    saved = site.recipients.read_bytes()
    with pytest.raises(ConflictError, match="was changed by someone else since you opened it"):
        save(site, second.version, set_office(0, "Second editor"), who="anna")
    assert site.recipients.read_bytes() == saved
    assert b"First editor" in saved


def test_the_safe_write_itself_refuses_a_stale_version(site):
    stale = safe_files.file_version(site.recipients)
    site.recipients.write_bytes(site.recipients.read_bytes() + b"# by hand\n")
    saved = site.recipients.read_bytes()
    with pytest.raises(ConflictError, match="was changed since you opened it") as caught:
        safe_files.safe_write(site.recipients, b"recipients: []\n", stale)
    assert caught.value.current_version == safe_files.version(saved)
    assert site.recipients.read_bytes() == saved


def test_failing_replace_leaves_the_file_intact_and_no_temp_file(site, monkeypatch):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == site.recipients:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match=r"could not save .*the file was not changed"):
        save(site, loaded.version, set_office(0, "Never written"))
    assert site.recipients.read_bytes() == before
    assert no_temp_files(site.recipients.parent)
    assert directory.load(site.recipients).version == loaded.version


def test_failing_write_removes_the_temp_file(site, monkeypatch):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(CampaignError, match="could not save"):
        save(site, loaded.version, set_office(0, "Never written"))
    assert site.recipients.read_bytes() == before
    assert no_temp_files(site.recipients.parent)


def test_invalid_document_is_not_saved(site):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)

    def bad_email(document):
        document["recipients"][0]["emails"].append("not-an-address")

    with pytest.raises(InvalidData, match=r"recipients\.yaml:\d+: it-interior\.emails\[0\]:"):
        save(site, loaded.version, bad_email)
    assert site.recipients.read_bytes() == before
    assert not safe_files.backup_path(site.recipients).exists()
    assert versions.list_versions(site.database, NAME) == []


def test_save_waits_for_the_lock_then_gives_up(site, monkeypatch):
    loaded = directory.load(site.recipients)
    monkeypatch.setattr(safe_files, "LOCK_TIMEOUT", 0.2)
    fd = os.open(site.recipients.with_name("recipients.yaml.lock"), os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(CampaignError, match="another save is in progress"):
            save(site, loaded.version, set_office(0, "Waited"))
    finally:
        os.close(fd)
    assert directory.load(site.recipients).version == loaded.version
    save(site, loaded.version, set_office(0, "Waited"))  # free again once released
    assert directory.load(site.recipients).get("it-interior").office == "Waited"


def test_safe_write_creates_a_new_file_from_version_empty(tmp_path):
    data = BUNDLED.read_bytes()
    target = tmp_path / "new.yaml"
    safe_files.safe_write(target, data, "")
    assert target.read_bytes() == data
    assert directory.load(target).ids[0] == "it-interior"
    assert not safe_files.backup_path(target).exists()


def test_the_pipeline_refuses_a_missing_file(site):
    site.recipients.unlink()
    with pytest.raises(CampaignError, match=r"recipients\.yaml: no such file"):
        save(site, "", lambda document: None)
    with pytest.raises(CampaignError, match=r"recipients\.yaml: no such file"):
        editing.open_file(site, NAME)
    assert not site.recipients.exists()


# --- the version history --------------------------------------------------------------------


def test_version_store_refuses_paths_and_keeps_at_most_keep(site, monkeypatch):
    with pytest.raises(CampaignError, match="is not a file the console edits"):
        versions.list_versions(site.database, "../organisers.json")
    with pytest.raises(CampaignError, match="has no version"):
        versions.read(site.database, "letter.en.txt", "../../organisers")
    monkeypatch.setattr(versions, "KEEP", 3)
    for number in range(5):
        versions.record(site.database, "letter.en.txt", f"text {number}\n".encode(), "maria")
    kept = versions.list_versions(site.database, "letter.en.txt")
    assert len(kept) == 3
    assert versions.read(site.database, "letter.en.txt", kept[0].id) == b"text 4\n"


def test_diff_is_a_unified_diff():
    assert versions.diff("a\nb\n", "a\nc\n", "old", "new") == (
        "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    assert versions.diff("same\n", "same\n") == ""


def test_changes_between_two_versions_of_each_kind_of_file(site):
    old = site.recipients.read_bytes()
    new = old.replace(b"city: Roma", b"city: Rome", 1)
    (change,) = editing.changes_between(NAME, old, new)
    assert (change.what, change.action, change.old, change.new) == (
        "it-interior.address.city",
        "changed",
        "Roma",
        "Rome",
    )
    campaign = (site.templates / "campaign.yaml").read_bytes()
    closed = campaign.replace(b"state: open", b"state: closed")
    assert [c.what for c in editing.changes_between("campaign.yaml", campaign, closed)] == ["state"]
    lines = editing.changes_between("letter.en.txt", b"a\nb\n", b"a\nc\nd\n")
    assert [(c.what, c.action, c.old, c.new) for c in lines] == [
        ("line 2", "changed", "b", "c / d")
    ]
    lines = editing.changes_between("letter.en.txt", b"a\n", b"a\nb\nc\n")
    assert [(c.what, c.action, c.new) for c in lines] == [("lines 2-3", "added", "b / c")]
    assert editing.changes_between(NAME, None, new) == []
    assert editing.changes_between(NAME, b"recipients: [", new) == []
