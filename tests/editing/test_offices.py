"""Directory edits from the console: in-place changes, safe saves, conflicts, history, audit."""

import os
from pathlib import Path

import pytest

from campaign import directory, editing
from campaign.editing import offices as edits
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile import dump_document

NAME = "recipients.yaml"


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs of differing lines of two texts of the same length."""
    pairs = zip(before.splitlines(), after.splitlines(), strict=True)
    return [(a, b) for a, b in pairs if a != b]


def plain(loaded, office_id):
    """The office as the edit form would send it back."""
    return directory.to_plain(loaded.get(office_id))


def open_directory(site) -> directory.Directory:
    """The directory as an edit page opens it: its version is kept in the history."""
    data, version = editing.open_file(site, NAME)
    loaded = directory.from_bytes(site.recipients, data)
    assert loaded.version == version
    return loaded


def save(site, version, change, who="maria", summary="test edit", **kwargs) -> str:
    """The console's save of a change to the directory document; the new version."""
    return editing.save(
        site, NAME, version, editing.in_document(change, NAME), who, summary=summary, **kwargs
    )


def edit(site, loaded, change, who="maria", **kwargs) -> directory.Directory:
    """Save `change` against the version `loaded` was read at; the directory as saved."""
    version = save(site, loaded.version, change, who, **kwargs)
    saved = directory.load(site.recipients)
    assert saved.version == version == safe_files.file_version(site.recipients)
    return saved


def hand_write(path: Path, document) -> None:
    """Write a document over the file, as an organiser editing it by hand would."""
    path.write_bytes(dump_document(document, path.name))


# --- updating in place ---------------------------------------------------------------------


def test_update_office_keeps_every_comment_and_changes_only_its_lines(site):
    before = site.recipients.read_text(encoding="utf-8")
    loaded = open_directory(site)
    office = plain(loaded, "it-interior")
    office["person"] = "Matteo Piantedosi"
    office["address"]["city"] = "Rome"
    saved = edit(site, loaded, lambda doc: edits.update_office(doc, "it-interior", office))
    after = site.recipients.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        ("    person: Angelino Alfano", "    person: Matteo Piantedosi"),
        ("      city: Roma", "      city: Rome"),
    ]
    assert "# The source (Open Dialog Foundation, 2013) names Angelino Alfano" in after
    assert '    address:  # source: "Piazza del Viminale n. 1 – 00184  Roma"' in after
    assert '      - "+390636064651"  # source: "+3 90636 064 651"' in after
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    assert saved.version == safe_files.file_version(site.recipients)


def test_changed_phone_drops_its_stale_source_comment_only(site):
    loaded = open_directory(site)
    office = plain(loaded, "it-interior")
    office["phones"] = ["+390636064652", "+390668851"]
    edit(site, loaded, lambda doc: edits.update_office(doc, "it-interior", office))
    text = site.recipients.read_text(encoding="utf-8")
    assert '      - "+390636064652"\n      - "+390668851"\n    faxes: []' in text
    assert '# source: "+3 90636 064 651"' not in text
    assert '      - "+390668851"  # source: "+39 06 68851"' in text  # it-justice's, untouched
    assert directory.load(site.recipients).get("it-interior").phones[0].source == "+390636064652"


def test_the_form_sending_everything_back_unchanged_writes_nothing(site):
    before = site.recipients.read_bytes()
    loaded = open_directory(site)

    def resend_all(doc):
        for recipient in loaded.recipients:
            edits.update_office(doc, recipient.id, directory.to_plain(recipient))

    version = save(site, loaded.version, resend_all)
    assert site.recipients.read_bytes() == before
    assert version == loaded.version
    assert audit.recent_changes(site.database) == []
    assert not safe_files.backup_path(site.recipients).exists()


def test_new_key_goes_where_the_schema_puts_it_and_is_quoted_like_the_others(site):
    loaded = open_directory(site)
    change = {"person": "Carlo Nordio", "verified": "2026-12-01", "email_note": "Write by post."}
    edit(site, loaded, lambda doc: edits.update_office(doc, "it-justice", change))
    text = site.recipients.read_text(encoding="utf-8")
    start = text.index("  - id: it-justice")
    entry = text[start : text.index("  - id: it-foreign-affairs")]
    assert "    office_local: Ministero della Giustizia\n    person: Carlo Nordio\n" in entry
    assert '    email_note: "Write by post."\n' in entry
    assert entry.endswith('    verified: "2026-12-01"\n\n')


def test_set_ask_changes_one_language_of_one_office(site):
    before = site.recipients.read_text(encoding="utf-8")
    loaded = open_directory(site)
    edit(site, loaded, lambda doc: edits.set_ask(doc, "kz-president", "en", "act now"))
    after = site.recipients.read_text(encoding="utf-8")
    assert changed_lines(before, after)[0][1] == '      en: "act now"'
    assert len(changed_lines(before, after)) == 1
    with pytest.raises(CampaignError, match="unknown language 'de'"):
        edits.set_ask(loaded.document, "kz-president", "de", "x")


def test_unknown_field_and_unknown_office_are_refused(site):
    document = directory.load(site.recipients).document
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


def test_add_office_appends_a_valid_entry_after_a_blank_line(site):
    loaded = open_directory(site)
    saved = edit(site, loaded, lambda doc: edits.add_office(doc, new_office(loaded)))
    text = site.recipients.read_text(encoding="utf-8")
    assert '    verified: "2026-11-22"\n\n  - id: it-senate\n' in text
    assert text.endswith('    verified: "2026-11-22"\n')
    assert "person:" not in text[text.index("- id: it-senate") :]  # empty fields are left out
    assert saved.ids[-1] == "it-senate"
    assert saved.get("it-senate").address.postcode == "00186"
    change = audit.recent_changes(site.database)[0]
    assert (change.who, change.action, change.office) == ("maria", "add", "it-senate")


def test_add_refuses_a_taken_id_and_an_invalid_office_writes_nothing(site):
    before = site.recipients.read_bytes()
    loaded = open_directory(site)
    with pytest.raises(CampaignError, match="already an office with the id 'it-justice'"):
        edits.add_office(loaded.document, new_office(loaded, "it-justice"))
    office = new_office(loaded)
    office["emails"] = ["senate@"]
    office["country"] = "Italy"
    with pytest.raises(InvalidData) as caught:
        edit(site, loaded, lambda doc: edits.add_office(doc, office))
    problems = [str(problem) for problem in caught.value.problems]
    assert any("it-senate.emails[0]" in p and "not a valid e-mail address" in p for p in problems)
    assert any("it-senate.country" in p and "'Italy' is not an ISO" in p for p in problems)
    assert site.recipients.read_bytes() == before
    assert audit.recent_changes(site.database) == []


def test_duplicate_office_inserts_the_copy_after_the_original(site):
    loaded = open_directory(site)
    saved = edit(
        site, loaded, lambda doc: edits.duplicate_office(doc, "it-interior", "it-interior-press")
    )
    assert saved.ids[:3] == ("it-interior", "it-interior-press", "it-justice")
    original, duplicate = saved.get("it-interior"), saved.get("it-interior-press")
    assert duplicate.office == original.office and duplicate.ask == original.ask
    text = site.recipients.read_text(encoding="utf-8")
    assert '    verified: "2026-11-22"\n\n  - id: it-interior-press\n' in text
    assert '    verified: "2026-11-22"\n\n  - id: it-justice\n' in text
    with pytest.raises(CampaignError, match="already an office with the id 'it-justice'"):
        edits.duplicate_office(saved.document, "it-interior", "it-justice")


def test_duplicate_goes_between_the_original_and_the_comment_heading_the_next(site):
    text = site.recipients.read_text(encoding="utf-8")
    site.recipients.write_text(
        text.replace("\n  - id: it-justice\n", "\n  # Justice\n  - id: it-justice\n"),
        encoding="utf-8",
    )
    loaded = open_directory(site)
    edit(site, loaded, lambda doc: edits.duplicate_office(doc, "it-interior", "it-x"))
    after = site.recipients.read_text(encoding="utf-8")
    assert '"2026-11-22"\n\n  - id: it-x\n' in after
    assert '"2026-11-22"\n\n  # Justice\n  - id: it-justice\n' in after


def test_delete_office_and_the_last_one(site):
    loaded = open_directory(site)
    last = loaded.ids[-1]
    saved = edit(site, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    assert "it-justice" not in saved.ids and len(saved.ids) == len(loaded.ids) - 1
    saved = edit(site, saved, lambda doc: edits.delete_office(doc, last))
    assert last not in saved.ids
    text = site.recipients.read_text(encoding="utf-8")
    assert text.endswith('"\n') and not text.endswith("\n\n")
    assert [c.action for c in audit.recent_changes(site.database)] == ["delete", "delete"]


def test_deleting_an_office_keeps_the_comment_heading_the_next_one(site):
    text = site.recipients.read_text(encoding="utf-8")
    text = text.replace(
        "\n  - id: it-foreign-affairs\n", "\n  # Foreign affairs\n  - id: it-foreign-affairs\n"
    )
    site.recipients.write_text(text, encoding="utf-8")
    loaded = open_directory(site)
    edit(site, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    after = site.recipients.read_text(encoding="utf-8")
    assert (
        '    verified: "2026-11-22"\n\n  # Foreign affairs\n  - id: it-foreign-affairs\n' in after
    )


# --- conflicts -----------------------------------------------------------------------------------


def test_second_editor_gets_a_conflict_naming_the_changed_fields(site):
    first = open_directory(site)
    second = open_directory(site)
    office = plain(first, "it-interior")
    office["phones"] = ["+390636064652"]
    edit(site, first, lambda doc: edits.update_office(doc, "it-interior", office))
    saved = site.recipients.read_bytes()
    mine = plain(second, "it-interior")
    mine["phones"] = ["+390636064653"]
    mine["title"] = "Minister"
    with pytest.raises(ConflictError) as caught:
        edit(site, second, lambda doc: edits.update_office(doc, "it-interior", mine))
    error = caught.value
    assert error.changes == [
        "recipients.yaml: it-interior.phones was changed by someone else since you opened it: "
        "+390636064651 → +390636064652; you changed it too"
    ]
    assert "nothing was saved" in error.message
    assert error.current_version == safe_files.version(saved)
    assert "recipients.yaml: it-interior.phones was changed by someone else" in str(error)
    assert site.recipients.read_bytes() == saved


def test_conflict_after_a_hand_edit_lists_added_deleted_and_changed(site):
    loaded = open_directory(site)  # the version is remembered
    text = site.recipients.read_text(encoding="utf-8").replace("city: Roma", "city: Rome", 1)
    site.recipients.write_text(text, encoding="utf-8")
    hand = directory.load(site.recipients)
    edits.delete_office(hand.document, "it-justice")
    hand_write(site.recipients, hand.document)
    with pytest.raises(ConflictError) as caught:
        edit(site, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert caught.value.changes == [
        "recipients.yaml: it-justice was deleted by someone else (you were editing it)",
        "recipients.yaml: it-interior.address.city was changed by someone else since you opened "
        "it: Roma → Rome",
    ]


def test_conflict_without_the_starting_version_still_refuses(site):
    loaded = directory.load(site.recipients)  # not opened for editing: the history never saw it
    text = site.recipients.read_text(encoding="utf-8")
    site.recipients.write_text(text.replace("city: Roma", "city: Rome", 1), encoding="utf-8")
    with pytest.raises(ConflictError, match="nothing was saved") as caught:
        edit(site, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert caught.value.changes == []


def racing(site, office_id: str, text: str):
    """A change to it-justice's English ask during which another editor saves `office_id`'s."""
    raced = []

    def change_and_race(doc):
        edits.set_ask(doc, "it-justice", "en", "mine")
        if not raced:  # another editor saves while this change is being made, once
            raced.append(True)
            other = directory.load(site.recipients)
            save(
                site,
                other.version,
                lambda theirs: edits.set_ask(theirs, office_id, "en", text),
                who="anna",
            )

    return change_and_race


def test_change_landing_during_the_save_is_merged_under_the_lock(site):
    loaded = open_directory(site)
    edit(site, loaded, racing(site, "it-interior", "theirs"))
    saved = directory.load(site.recipients)
    assert saved.get("it-justice").ask["en"] == "mine"
    assert saved.get("it-interior").ask["en"] == "theirs"
    mine, theirs = audit.recent_changes(site.database)[:2]
    assert (theirs.who, theirs.fields) == ("anna", ("it-interior.ask.en",))
    assert (mine.who, mine.fields) == ("maria", ("it-justice.ask.en",))
    assert mine.summary.startswith("merged onto someone else's change saved meanwhile")


def test_same_field_landing_during_the_save_is_a_conflict(site):
    loaded = open_directory(site)
    with pytest.raises(ConflictError) as caught:
        edit(site, loaded, racing(site, "it-justice", "theirs"))
    (line,) = caught.value.changes
    assert line.startswith(
        "recipients.yaml: it-justice.ask.en was changed by someone else since you opened it: "
        "ensure an independent public investigation"
    )
    assert line.endswith("… → theirs; you changed it too")
    assert directory.load(site.recipients).get("it-justice").ask["en"] == "theirs"


def test_conflict_error_without_changes_is_as_before():
    error = ConflictError("recipients.yaml was changed")
    assert str(error) == "recipients.yaml was changed"
    assert error.changes == [] and error.message == "recipients.yaml was changed"


# --- failures leave everything intact -------------------------------------------------------------


def test_a_failed_write_of_the_copy_leaves_no_temporary_file_and_the_save_kept(site, monkeypatch):
    before = site.recipients.read_bytes()
    loaded = open_directory(site)
    kept = versions.list_versions(site.database, NAME)
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == site.recipients:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match=r"saved and published.*could not be written"):
        edit(site, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    assert site.recipients.read_bytes() == before  # behind: written at the next look
    assert not [p for p in site.recipients.parent.iterdir() if safe_files.is_temp_file(p.name)]
    assert versions.list_versions(site.database, NAME)[1:] == kept
    assert [change.office for change in audit.recent_changes(site.database)] == ["it-justice"]


def test_who_must_be_an_organiser_name(site):
    loaded = open_directory(site)
    for who in ("", "../x", "a b"):
        with pytest.raises(CampaignError, match="is not an organiser name"):
            edit(site, loaded, lambda doc: None, who=who)


# --- history, restore, audit ---------------------------------------------------------------


def test_history_keeps_the_hand_written_start_and_each_save(site):
    original = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)  # never opened through the console: found at save
    saved = edit(site, loaded, lambda doc: edits.set_ask(doc, "it-justice", "en", "x"))
    kept = versions.list_versions(site.database, NAME)
    assert [v.who for v in kept] == ["maria", ""]
    assert versions.read(site.database, NAME, kept[1].id) == original
    assert safe_files.version(versions.read(site.database, NAME, kept[0].id)) == saved.version


def test_restore_brings_the_old_bytes_back_as_a_new_version(site):
    original = site.recipients.read_bytes()
    loaded = open_directory(site)
    saved = edit(site, loaded, lambda doc: edits.delete_office(doc, "it-justice"))
    first = versions.list_versions(site.database, NAME)[-1]
    version = editing.restore(site, NAME, first.id, "anna", saved.version)
    assert site.recipients.read_bytes() == original
    assert version == safe_files.version(original)
    assert "it-justice" in directory.load(site.recipients).ids
    kept = versions.list_versions(site.database, NAME)
    assert (kept[0].who, kept[0].digest) == ("anna", first.digest)
    change = audit.recent_changes(site.database)[0]
    assert (change.who, change.action, change.office) == ("anna", "restore", "it-justice")
    with pytest.raises(ConflictError):
        editing.restore(site, NAME, first.id, "anna", saved.version)


def test_restore_refuses_made_up_version_ids(site):
    version = safe_files.file_version(site.recipients)
    for bad in ("../../organisers", "20261122T000000000000Z-x-0000000000000000"):
        with pytest.raises(CampaignError, match="has no version"):
            editing.restore(site, NAME, bad, "anna", version)


def test_audit_log_says_who_changed_what_and_nothing_else(site):
    loaded = open_directory(site)
    office = plain(loaded, "kz-president")
    office["tags"] = ["kazakhstan"]
    office["salutation"]["en"] = "Your Excellency"
    save(
        site,
        loaded.version,
        lambda doc: edits.update_office(doc, "kz-president", office),
        who="anna",
        summary="new salutation",
    )
    change = audit.recent_changes(site.database)[0]
    assert change.who == "anna" and change.file == NAME
    assert change.action == "update" and change.office == "kz-president"
    assert change.fields == ("kz-president.salutation.en", "kz-president.tags")
    assert change.summary == "new salutation — kz-president.salutation.en, kz-president.tags"
    assert change.time.endswith("Z") and change.time[:2] == "20"


def test_recent_changes_newest_first_and_limited(site):
    for number in range(5):
        audit.record(site.database, "maria", NAME, "update", office=f"o-{number}")
    audit.record(site.database, "anna", "letter.en.txt", "edit")
    recent = audit.recent_changes(site.database, n=3)
    assert [c.office or c.file for c in recent] == ["letter.en.txt", "o-4", "o-3"]
    assert audit.recent_changes(site.database, n=0) == []
