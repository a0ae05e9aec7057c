"""Directory edits from the console: in-place changes, safe saves, conflicts, history, audit."""

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from campaign import directory
from campaign.editing import offices as edits
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.storage import audit, safe_files, versions
from tests.builders import RECIPIENTS as BUNDLED


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the bundled directory."""
    path = tmp_path / "recipients.yaml"
    shutil.copyfile(BUNDLED, path)
    return path


@pytest.fixture
def instance(tmp_path) -> Path:
    """The instance folder for history and audit log."""
    return tmp_path / "instance"


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs of differing lines of two texts of the same length."""
    pairs = zip(before.splitlines(), after.splitlines(), strict=True)
    return [(a, b) for a, b in pairs if a != b]


def plain(loaded, office_id):
    """The office as the edit form would send it back."""
    return directory.to_plain(loaded.get(office_id))


def edit(copy, instance, loaded, change, who="maria", **kwargs):
    """edit_directory against the version `loaded` was read at."""
    return edits.edit_directory(
        copy, loaded.version, change, who, "test edit", instance=instance, **kwargs
    )


# --- updating in place ---------------------------------------------------------------------


def test_update_office_keeps_every_comment_and_changes_only_its_lines(copy, instance):
    before = copy.read_text(encoding="utf-8")
    loaded = edits.open_directory(copy, instance=instance)
    office = plain(loaded, "it-interior")
    office["person"] = "Matteo Piantedosi"
    office["address"]["city"] = "Rome"
    saved = edit(
        copy, instance, loaded, lambda doc: edits.update_office(doc, "it-interior", office)
    )
    after = copy.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        ("    person: Angelino Alfano", "    person: Matteo Piantedosi"),
        ("      city: Roma", "      city: Rome"),
    ]
    assert "# The source (Open Dialog Foundation, 2013) names Angelino Alfano" in after
    assert '    address:  # source: "Piazza del Viminale n. 1 – 00184  Roma"' in after
    assert '      - "+390636064651"  # source: "+3 90636 064 651"' in after
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    assert saved.version == safe_files.file_version(copy)


def test_changed_phone_drops_its_stale_source_comment_only(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    office = plain(loaded, "it-interior")
    office["phones"] = ["+390636064652", "+390668851"]
    edit(copy, instance, loaded, lambda doc: edits.update_office(doc, "it-interior", office))
    text = copy.read_text(encoding="utf-8")
    assert '      - "+390636064652"\n      - "+390668851"\n    faxes: []' in text
    assert '# source: "+3 90636 064 651"' not in text
    assert '      - "+390668851"  # source: "+39 06 68851"' in text  # it-justice's, untouched
    assert directory.load(copy).get("it-interior").phones[0].source == "+390636064652"


def test_the_form_sending_everything_back_unchanged_writes_nothing(copy, instance):
    before = copy.read_bytes()
    loaded = edits.open_directory(copy, instance=instance)

    def resend_all(doc):
        for recipient in loaded.recipients:
            edits.update_office(doc, recipient.id, directory.to_plain(recipient))

    saved = edit(copy, instance, loaded, resend_all)
    assert copy.read_bytes() == before
    assert saved.version == loaded.version
    assert audit.recent_changes(instance) == []
    assert not directory.backup_path(copy).exists()


def test_new_key_goes_where_the_schema_puts_it_and_is_quoted_like_the_others(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    change = {"person": "Carlo Nordio", "verified": "2026-12-01", "email_note": "Write by post."}
    edit(copy, instance, loaded, lambda doc: edits.update_office(doc, "it-justice", change))
    text = copy.read_text(encoding="utf-8")
    start = text.index("  - id: it-justice")
    entry = text[start : text.index("  - id: it-foreign-affairs")]
    assert "    office_local: Ministero della Giustizia\n    person: Carlo Nordio\n" in entry
    assert '    email_note: "Write by post."\n' in entry
    assert entry.endswith('    verified: "2026-12-01"\n\n')


def test_set_ask_changes_one_language_of_one_office(copy, instance):
    before = copy.read_text(encoding="utf-8")
    loaded = edits.open_directory(copy, instance=instance)
    edit(copy, instance, loaded, lambda doc: edits.set_ask(doc, "kz-president", "en", "act now"))
    assert changed_lines(before, copy.read_text(encoding="utf-8"))[0][1] == '      en: "act now"'
    assert len(changed_lines(before, copy.read_text(encoding="utf-8"))) == 1
    with pytest.raises(CampaignError, match="unknown language 'de'"):
        edits.set_ask(loaded.document, "kz-president", "de", "x")


def test_unknown_field_and_unknown_office_are_refused(copy):
    document = directory.load(copy).document
    with pytest.raises(CampaignError, match="unknown field 'phone'; the fields are: id, office"):
        edits.update_office(document, "it-interior", {"phone": ["+390636064651"]})
    with pytest.raises(CampaignError, match="unknown office id 'it-nowhere'; known ids: it-"):
        edits.update_office(document, "it-nowhere", {"office": "x"})


# --- add, duplicate, delete ------------------------------------------------------------------


def new_office(loaded, office_id="it-senate"):
    """A valid new office, based on it-justice."""
    office = plain(loaded, "it-justice")
    office.update(id=office_id, office="Senate of the Italian Republic", person="", faxes=[])
    return office


def test_add_office_appends_a_valid_entry_after_a_blank_line(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    saved = edit(copy, instance, loaded, lambda doc: edits.add_office(doc, new_office(loaded)))
    text = copy.read_text(encoding="utf-8")
    assert '    verified: "2026-11-22"\n\n  - id: it-senate\n' in text
    assert text.endswith('    verified: "2026-11-22"\n')
    assert "person:" not in text[text.index("- id: it-senate") :]  # empty fields are left out
    assert saved.ids[-1] == "it-senate"
    assert saved.get("it-senate").address.postcode == "00186"
    change = audit.recent_changes(instance)[0]
    assert (change.who, change.action, change.office) == ("maria", "add", "it-senate")


def test_add_refuses_a_taken_id_and_an_invalid_office_writes_nothing(copy, instance):
    before = copy.read_bytes()
    loaded = edits.open_directory(copy, instance=instance)
    with pytest.raises(CampaignError, match="already an office with the id 'it-justice'"):
        edits.add_office(loaded.document, new_office(loaded, "it-justice"))
    office = new_office(loaded)
    office["emails"] = ["senate@"]
    office["country"] = "Italy"
    with pytest.raises(InvalidData) as caught:
        edit(copy, instance, loaded, lambda doc: edits.add_office(doc, office))
    problems = [str(problem) for problem in caught.value.problems]
    assert any("it-senate.emails[0]" in p and "not a valid e-mail address" in p for p in problems)
    assert any("it-senate.country" in p and "'Italy' is not an ISO" in p for p in problems)
    assert copy.read_bytes() == before
    assert audit.recent_changes(instance) == []


def test_duplicate_office_inserts_the_copy_after_the_original(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    saved = edit(
        copy,
        instance,
        loaded,
        lambda doc: edits.duplicate_office(doc, "it-interior", "it-interior-press"),
    )
    assert saved.ids[:3] == ("it-interior", "it-interior-press", "it-justice")
    original, duplicate = saved.get("it-interior"), saved.get("it-interior-press")
    assert duplicate.office == original.office and duplicate.ask == original.ask
    text = copy.read_text(encoding="utf-8")
    assert '    verified: "2026-11-22"\n\n  - id: it-interior-press\n' in text
    assert '    verified: "2026-11-22"\n\n  - id: it-justice\n' in text
    with pytest.raises(CampaignError, match="already an office with the id 'it-justice'"):
        edits.duplicate_office(saved.document, "it-interior", "it-justice")


def test_duplicate_goes_between_the_original_and_the_comment_heading_the_next(copy, instance):
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("\n  - id: it-justice\n", "\n  # Justice\n  - id: it-justice\n"))
    loaded = edits.open_directory(copy, instance=instance)
    edit(copy, instance, loaded, lambda doc: edits.duplicate_office(doc, "it-interior", "it-x"))
    after = copy.read_text(encoding="utf-8")
    assert '"2026-11-22"\n\n  - id: it-x\n' in after
    assert '"2026-11-22"\n\n  # Justice\n  - id: it-justice\n' in after


def test_delete_office_and_the_last_one(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    last = loaded.ids[-1]
    saved = edit(copy, instance, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    assert "it-justice" not in saved.ids and len(saved.ids) == len(loaded.ids) - 1
    saved = edit(copy, instance, saved, lambda doc: edits.delete_office(doc, last))
    assert last not in saved.ids
    assert copy.read_text(encoding="utf-8").endswith('"\n') and not copy.read_text().endswith(
        "\n\n"
    )
    assert [c.action for c in audit.recent_changes(instance)] == ["delete", "delete"]


def test_deleting_an_office_keeps_the_comment_heading_the_next_one(copy, instance):
    text = copy.read_text(encoding="utf-8")
    text = text.replace(
        "\n  - id: it-foreign-affairs\n", "\n  # Foreign affairs\n  - id: it-foreign-affairs\n"
    )
    copy.write_text(text, encoding="utf-8")
    loaded = edits.open_directory(copy, instance=instance)
    edit(copy, instance, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    after = copy.read_text(encoding="utf-8")
    assert (
        '    verified: "2026-11-22"\n\n  # Foreign affairs\n  - id: it-foreign-affairs\n' in after
    )


# --- conflicts -----------------------------------------------------------------------------------


def test_second_editor_gets_a_conflict_naming_the_changed_fields(copy, instance):
    first = edits.open_directory(copy, instance=instance)
    second = edits.open_directory(copy, instance=instance)
    office = plain(first, "it-interior")
    office["phones"] = ["+390636064652"]
    edit(copy, instance, first, lambda doc: edits.update_office(doc, "it-interior", office))
    saved = copy.read_bytes()
    mine = plain(second, "it-interior")
    mine["phones"] = ["+390636064653"]
    mine["title"] = "Minister"
    with pytest.raises(ConflictError) as caught:
        edit(copy, instance, second, lambda doc: edits.update_office(doc, "it-interior", mine))
    error = caught.value
    assert error.changes == [
        "it-interior.phones was changed by someone else since you opened it: "
        "+390636064651 → +390636064652; you changed it too"
    ]
    assert "nothing was saved" in error.message
    assert error.current_version == safe_files.version(saved)
    assert "it-interior.phones was changed by someone else" in str(error)
    assert copy.read_bytes() == saved


def test_conflict_after_a_hand_edit_lists_added_deleted_and_changed(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)  # the version is remembered
    text = copy.read_text(encoding="utf-8").replace("city: Roma", "city: Rome", 1)
    copy.write_text(text, encoding="utf-8")
    hand = directory.load(copy)
    edits.delete_office(hand.document, "it-justice")
    directory.save(copy, hand.document, hand.version)
    with pytest.raises(ConflictError) as caught:
        edit(copy, instance, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert caught.value.changes == [
        "it-justice was deleted by someone else (you were editing it)",
        "it-interior.address.city was changed by someone else since you opened it: Roma → Rome",
    ]


def test_conflict_without_the_starting_version_still_refuses(copy, instance):
    loaded = directory.load(copy)  # not through open_directory: the history never saw it
    copy.write_text(copy.read_text().replace("city: Roma", "city: Rome", 1))
    with pytest.raises(ConflictError, match="nothing was saved") as caught:
        edit(copy, instance, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert caught.value.changes == []


def test_change_landing_during_the_save_is_a_conflict_too(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)

    def change_and_race(doc):
        edits.set_ask(doc, "it-justice", "en", "mine")
        other = directory.load(copy)
        edits.set_ask(other.document, "it-interior", "en", "theirs")
        directory.save(copy, other.document, other.version)

    with pytest.raises(ConflictError) as caught:
        edit(copy, instance, loaded, change_and_race)
    assert caught.value.changes[0].startswith("it-interior.ask.en was changed by someone else")
    assert directory.load(copy).get("it-justice").ask["en"] != "mine"


def test_conflict_error_without_changes_is_as_before():
    error = ConflictError("recipients.yaml was changed")
    assert str(error) == "recipients.yaml was changed"
    assert error.changes == [] and error.message == "recipients.yaml was changed"


# --- failures leave everything intact -------------------------------------------------------------


def test_failed_write_leaves_the_file_history_and_log_intact(copy, instance, monkeypatch):
    before = copy.read_bytes()
    loaded = edits.open_directory(copy, instance=instance)
    kept = versions.list_versions(instance, "recipients.yaml")
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == copy:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match=r"could not save .*the file was not changed"):
        edit(copy, instance, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert copy.read_bytes() == before
    assert not list(copy.parent.glob("*.tmp"))
    assert versions.list_versions(instance, "recipients.yaml") == kept
    assert audit.recent_changes(instance) == []


def test_who_must_be_an_organiser_name(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    for who in ("", "../x", "a b"):
        with pytest.raises(CampaignError, match="is not an organiser name"):
            edit(copy, instance, loaded, lambda doc: None, who=who)


# --- history, restore, audit ---------------------------------------------------------------


def test_history_keeps_the_hand_written_start_and_each_save(copy, instance):
    original = copy.read_bytes()
    loaded = directory.load(copy)  # never opened through the console: found on disk at save
    saved = edit(copy, instance, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    kept = versions.list_versions(instance, "recipients.yaml")
    assert [v.who for v in kept] == ["maria", ""]
    assert versions.read(instance, "recipients.yaml", kept[1].id) == original
    assert safe_files.version(versions.read(instance, "recipients.yaml", kept[0].id)) == (
        saved.version
    )


def test_restore_brings_the_old_bytes_back_as_a_new_version(copy, instance):
    original = copy.read_bytes()
    loaded = edits.open_directory(copy, instance=instance)
    saved = edit(copy, instance, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    first = versions.list_versions(instance, "recipients.yaml")[-1]
    restored = edits.restore_directory(
        copy, first.id, "anna", instance=instance, expected_version=saved.version
    )
    assert copy.read_bytes() == original
    assert "it-justice" in restored.ids
    kept = versions.list_versions(instance, "recipients.yaml")
    assert (kept[0].who, kept[0].digest) == ("anna", first.digest)
    change = audit.recent_changes(instance)[0]
    assert (change.who, change.action, change.office) == ("anna", "restore", "it-justice")
    with pytest.raises(ConflictError):
        edits.restore_directory(
            copy, first.id, "anna", instance=instance, expected_version=saved.version
        )


def test_restore_refuses_made_up_version_ids(copy, instance):
    version = safe_files.file_version(copy)
    for bad in ("../../organisers", "20261122T000000000000Z-x-0000000000000000"):
        with pytest.raises(CampaignError, match="has no version"):
            edits.restore_directory(copy, bad, "anna", instance=instance, expected_version=version)


def test_audit_log_says_who_changed_what_and_nothing_else(copy, instance):
    loaded = edits.open_directory(copy, instance=instance)
    office = plain(loaded, "kz-president")
    office["tags"] = ["kazakhstan"]
    office["salutation"]["en"] = "Your Excellency"
    edits.edit_directory(
        copy,
        loaded.version,
        lambda doc: edits.update_office(doc, "kz-president", office),
        "anna",
        "new salutation",
        instance=instance,
    )
    change = audit.recent_changes(instance)[0]
    assert change.who == "anna" and change.file == "recipients.yaml"
    assert change.action == "update" and change.office == "kz-president"
    assert change.fields == ("kz-president.salutation.en", "kz-president.tags")
    assert change.summary == "new salutation — kz-president changed (salutation.en, tags)"
    assert change.time.endswith("Z") and change.time[:2] == "20"
    log = audit.log_path(instance)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert json.loads(log.read_text())["who"] == "anna"


def test_recent_changes_newest_first_limited_and_damage_tolerant(instance):
    for number in range(5):
        audit.record(instance, "maria", "recipients.yaml", "update", office=f"o-{number}")
    with audit.log_path(instance).open("a") as log:
        log.write("{not json\n")
    audit.record(instance, "anna", "letter.en.txt", "edit")
    recent = audit.recent_changes(instance, n=4)
    assert [c.office or c.file for c in recent] == ["letter.en.txt", "o-4", "o-3"]
    assert audit.recent_changes(instance / "nowhere") == []
