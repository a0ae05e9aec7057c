"""campaign.storage.versions and .audit: the kept versions and the audit log, on both databases."""

from __future__ import annotations

import threading

import pytest

from campaign.errors import CampaignError
from campaign.storage import audit, safe_files, versions

RUSSIAN = "Уважаемый господин Генеральный прокурор,\n".encode()


def test_versions_are_kept_newest_first_with_their_bytes(database):
    first = versions.record(database, "letter.ru.txt", RUSSIAN, "")
    second = versions.record(database, "letter.ru.txt", RUSSIAN + b"\x00\xff", "maria.rossi")
    assert versions.list_versions(database, "letter.ru.txt") == [second, first]
    assert versions.read(database, "letter.ru.txt", first.id) == RUSSIAN
    assert versions.read(database, "letter.ru.txt", second.id) == RUSSIAN + b"\x00\xff"
    assert second.who == "maria.rossi" and first.who == ""
    assert second.digest == safe_files.version(RUSSIAN + b"\x00\xff")[:16]
    assert second.id.endswith(f"-maria.rossi-{second.digest}") and second.time.endswith("Z")
    assert versions.list_versions(database, "letter.en.txt") == []


def test_the_same_content_by_the_same_person_is_kept_once(database):
    kept = versions.record(database, "campaign.yaml", b"a: 1\n", "maria")
    assert versions.record(database, "campaign.yaml", b"a: 1\n", "maria") == kept
    assert len(versions.list_versions(database, "campaign.yaml")) == 1


def test_find_by_the_full_sha256(database):
    versions.record(database, "recipients.yaml", b"recipients: []\n", "maria")
    digest = safe_files.version(b"recipients: []\n")
    assert versions.find(database, "recipients.yaml", digest) == b"recipients: []\n"
    assert versions.find(database, "recipients.yaml", "0" * 64) is None
    assert versions.find(database, "recipients.yaml", "not a digest") is None
    assert versions.find(database, "campaign.yaml", digest) is None


def test_only_keep_versions_are_kept(database, monkeypatch):
    monkeypatch.setattr(versions, "KEEP", 3)
    for number in range(5):
        versions.record(database, "letter.en.txt", f"text {number}\n".encode(), "maria")
    versions.record(database, "letter.it.txt", b"altro\n", "maria")
    kept = versions.list_versions(database, "letter.en.txt")
    assert [versions.read(database, "letter.en.txt", v.id) for v in kept] == [
        b"text 4\n",
        b"text 3\n",
        b"text 2\n",
    ]
    assert len(versions.list_versions(database, "letter.it.txt")) == 1


@pytest.mark.parametrize("file_name", ["../organisers.json", "", "a/b", ".hidden", "x" * 101])
def test_only_plain_file_names(database, file_name):
    with pytest.raises(CampaignError, match="is not a file the console edits"):
        versions.list_versions(database, file_name)
    with pytest.raises(CampaignError, match="is not a file the console edits"):
        versions.record(database, file_name, b"x", "maria")


def test_an_unknown_version_is_a_clear_error(database):
    for version_id in ("../../organisers", "20261122T103015123456Z-maria-0123456789abcdef", 7):
        with pytest.raises(CampaignError, match="has no version"):
            versions.read(database, "letter.en.txt", version_id)


def test_content_found_is_kept_once_and_without_an_author(database):
    found = b"by hand\n"
    assert versions.keep_unknown(database, "letter.en.txt", found) == safe_files.version(found)
    versions.record(database, "letter.en.txt", b"by maria\n", "maria")
    versions.keep_unknown(database, "letter.en.txt", b"by maria\n")  # known: not kept twice
    kept = versions.list_versions(database, "letter.en.txt")
    assert [(v.who, versions.read(database, "letter.en.txt", v.id)) for v in kept] == [
        ("maria", b"by maria\n"),
        ("", b"by hand\n"),
    ]


def test_audit_entries_newest_first_with_every_field(database):
    summary = "kz-president: ask.ru «Освободите»"
    fields = ["kz-president.ask.ru"]
    audit.record(database, "maria", "recipients.yaml", "update", office="kz-president",
                 summary=summary, fields=fields)  # fmt: skip
    audit.record(database, "anna", "letter.en.txt", "edit", summary="x" * 1000)
    newest, oldest = audit.recent_changes(database)
    assert (newest.who, newest.file, newest.action, newest.office) == (
        "anna",
        "letter.en.txt",
        "edit",
        "",
    )
    assert newest.summary == "x" * audit.SUMMARY_LIMIT and newest.fields == ()
    assert oldest.summary == "kz-president: ask.ru «Освободите»"
    assert oldest.fields == ("kz-president.ask.ru",) and oldest.office == "kz-president"
    assert audit.recent_changes(database, 1) == [newest]


def test_audit_entries_from_many_threads_all_arrive_in_order(database):
    def log(who):
        for number in range(20):
            audit.record(database, who, "campaign.yaml", "edit", summary=f"{who} {number}")

    threads = [threading.Thread(target=log, args=(f"o{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    changes = audit.recent_changes(database, 1000)
    assert len(changes) == 80
    for who in ("o0", "o1", "o2", "o3"):
        mine = [c.summary for c in reversed(changes) if c.who == who]
        assert mine == [f"{who} {number}" for number in range(20)]
