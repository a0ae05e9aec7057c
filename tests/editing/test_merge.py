"""Saves that do not conflict needlessly: a change merged onto someone else's, field by field."""

import pytest

from campaign import directory, editing
from campaign.editing import campaign_fields, offices, three_way
from campaign.errors import ConflictError, InvalidData
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile import dump_document, load_document

NAME = "recipients.yaml"
MERGED = "merged onto someone else's change saved meanwhile"


def opened(site, file_name=NAME) -> str:
    """The version of a file as an edit page opens it (kept in the history)."""
    return editing.open_file(site, file_name)[1]


def save(site, version, change, who="maria", file_name=NAME) -> str:
    """The console's save of a change to a YAML document."""
    return editing.save(site, file_name, version, editing.in_document(change, file_name), who)


def form_edit(site, office_id: str, **fields):
    """The office form's change: every field of the office as opened, with `fields` changed."""
    plain = offices.office_plain(load_document(site.recipients.read_bytes(), NAME), office_id)
    plain.update(fields)
    return lambda doc: offices.update_office(doc, office_id, plain)


def office(site, office_id: str):
    """An office of the directory as saved now."""
    return directory.load(site.recipients).get(office_id)


def conflict_of(site, version, change, file_name=NAME) -> ConflictError:
    """The ConflictError a save raises; the file is checked to be left as it was."""
    path = site.path_of(file_name)
    before = path.read_bytes()
    with pytest.raises(ConflictError) as caught:
        save(site, version, change, who="anna", file_name=file_name)
    assert path.read_bytes() == before
    assert caught.value.current_version == safe_files.version(before)
    return caught.value


# --- recipients.yaml ------------------------------------------------------------------------------


def test_different_offices_are_merged_and_the_log_says_so(site):
    version = opened(site)
    mine = form_edit(site, "kz-president", title="President of Kazakhstan")
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"), who="anna")
    new_version = save(site, version, mine)
    assert new_version == safe_files.file_version(site.recipients)
    assert office(site, "it-interior").person == "Matteo Piantedosi"
    assert office(site, "kz-president").title == "President of Kazakhstan"
    entry = audit.recent_changes(site.database)[0]
    assert (entry.who, entry.office, entry.action) == ("maria", "kz-president", "update")
    assert entry.fields == ("kz-president.title",)
    assert entry.summary == f"{MERGED} — kz-president.title"
    kept = versions.list_versions(site.database, NAME)
    assert [v.who for v in kept] == ["maria", "anna", ""]
    assert kept[0].digest == new_version[:16]


def test_a_merge_keeps_their_comments_and_changes_only_my_lines(site):
    version = opened(site)
    text = site.recipients.read_text(encoding="utf-8")
    by_hand = text.replace("      city: Roma\n", "      city: Rome  # checked by hand\n", 1)
    site.recipients.write_text(by_hand, encoding="utf-8")
    save(site, version, form_edit(site, "kz-president", title="President"))
    after = site.recipients.read_text(encoding="utf-8")
    pairs = zip(by_hand.splitlines(), after.splitlines(), strict=True)
    changed = [(a, b) for a, b in pairs if a != b]
    assert len(changed) == 1 and changed[0][1] == "    title: President"
    assert "city: Rome  # checked by hand" in after


def test_different_fields_of_one_office_from_the_whole_form_are_merged(site):
    """The form sends every field back: their field, old in my form, must not be undone."""
    version = opened(site)
    mine = form_edit(site, "it-interior", title="Minister of the Interior")
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"), who="anna")
    save(site, version, mine)
    saved = office(site, "it-interior")
    assert (saved.person, saved.title) == ("Matteo Piantedosi", "Minister of the Interior")
    assert audit.recent_changes(site.database)[0].fields == ("it-interior.title",)


def test_different_keys_of_one_address_are_merged(site):
    version = opened(site)
    address = directory.to_plain(office(site, "it-interior"))["address"]
    theirs = form_edit(site, "it-interior", address={**address, "city": "Rome"})
    mine = form_edit(site, "it-interior", address={**address, "region": "Roma"})
    save(site, version, theirs, who="anna")
    save(site, version, mine)
    saved = office(site, "it-interior").address
    assert (saved.city, saved.region) == ("Rome", "Roma")


def test_the_same_field_is_a_conflict_naming_it(site):
    version = opened(site)
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"), who="anna")
    mine = form_edit(site, "it-interior", person="Someone Else")
    error = conflict_of(site, version, mine)
    assert error.changes == [
        "recipients.yaml: it-interior.person was changed by someone else since you opened it: "
        "Angelino Alfano → Matteo Piantedosi; you changed it too"
    ]
    assert "nothing was saved" in error.message


def test_the_same_change_made_by_both_saves_nothing_more(site):
    version = opened(site)
    theirs = save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"))
    entries = audit.recent_changes(site.database)
    same = form_edit(site, "it-interior", person="Matteo Piantedosi")
    assert save(site, version, same, who="anna") == theirs
    assert audit.recent_changes(site.database) == entries


def test_an_office_they_deleted_and_i_edit_is_a_conflict(site):
    version = opened(site)
    mine = form_edit(site, "it-justice", person="Anna Maria Cancellieri")
    save(site, version, lambda doc: offices.delete_office(doc, "it-justice"), who="anna")
    error = conflict_of(site, version, mine)
    assert error.changes == [
        "recipients.yaml: it-justice was deleted by someone else (you were editing it)"
    ]


def test_an_office_i_delete_that_they_edited_is_a_conflict(site):
    version = opened(site)
    save(site, version, form_edit(site, "it-justice", person="Anna Maria Cancellieri"))
    error = conflict_of(site, version, lambda doc: offices.delete_office(doc, "it-justice"))
    assert error.changes[0].startswith(
        "recipients.yaml: it-justice.person was changed by someone else since you opened it"
    )
    assert error.changes[0].endswith("; you changed it too")
    assert "it-justice" in directory.load(site.recipients).ids


def test_an_office_i_delete_that_they_did_not_touch_is_merged(site):
    version = opened(site)
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"), who="anna")
    save(site, version, lambda doc: offices.delete_office(doc, "it-justice"))
    saved = directory.load(site.recipients)
    assert "it-justice" not in saved.ids and saved.get("it-interior").person == "Matteo Piantedosi"


def new_office(site, office_id: str, name: str) -> dict:
    """A new office: a copy of it-interior with another id and name."""
    plain = directory.to_plain(office(site, "it-interior"))
    return {**plain, "id": office_id, "office": name}


def test_offices_added_by_both_are_merged(site):
    version = opened(site)
    senate = new_office(site, "it-senate", "Senate of Italy")
    chamber = new_office(site, "it-chamber", "Chamber of Deputies")
    save(site, version, lambda doc: offices.add_office(doc, senate), who="anna")
    save(site, version, lambda doc: offices.add_office(doc, chamber))
    assert directory.load(site.recipients).ids[-2:] == ("it-senate", "it-chamber")


def test_an_office_both_added_with_one_id_is_a_conflict(site):
    version = opened(site)
    save(site, version, lambda doc: offices.add_office(doc, new_office(site, "it-senate", "A")))
    other = new_office(site, "it-senate", "B")
    error = conflict_of(site, version, lambda doc: offices.add_office(doc, other))
    assert error.changes == [
        "recipients.yaml: it-senate was added by someone else; you added one with this id too"
    ]


def test_copies_made_by_both_are_merged_each_after_its_original(site):
    version = opened(site)
    save(site, version, lambda doc: offices.duplicate_office(doc, "kz-president", "kz-copy"))
    save(site, version, lambda doc: offices.duplicate_office(doc, "it-interior", "it-copy"))
    ids = directory.load(site.recipients).ids
    assert ids[ids.index("it-interior") + 1] == "it-copy"
    assert ids[ids.index("kz-president") + 1] == "kz-copy"


def moved_to_front(office_id: str):
    """A change of the order of the offices (as a hand edit may make): one moved first."""

    def change(doc):
        entries = doc["recipients"]
        index = [entry["id"] for entry in entries].index(office_id)
        entries.insert(0, entries.pop(index))

    return change


def test_their_new_order_is_kept_by_a_merge_and_both_reordering_is_a_conflict(site):
    version = opened(site)
    save(site, version, moved_to_front("kz-president"), who="anna")
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"))
    saved = directory.load(site.recipients)
    assert saved.ids[:2] == ("kz-president", "it-interior")
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    again = opened(site)
    save(site, again, moved_to_front("kz-nsc-atyrau"), who="anna")
    error = conflict_of(site, again, moved_to_front("it-justice"))
    assert error.changes == [
        "recipients.yaml: the order of the offices was changed by someone else since you "
        "opened it; you changed it too"
    ]


def test_a_restore_is_never_merged(site):
    version = opened(site)
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"))
    first = versions.list_versions(site.database, NAME)[-1]
    current = opened(site)
    save(site, current, form_edit(site, "kz-president", title="President"), who="anna")
    now = site.recipients.read_bytes()
    with pytest.raises(ConflictError, match="nothing was saved"):
        editing.restore(site, NAME, first.id, "anna", current)
    assert site.recipients.read_bytes() == now


def test_no_merge_without_the_opened_version_in_the_history(site):
    version = safe_files.file_version(site.recipients)  # never opened: the history lacks it
    site.recipients.write_text(
        site.recipients.read_text(encoding="utf-8").replace("city: Roma", "city: Rome", 1),
        encoding="utf-8",
    )
    error = conflict_of(site, version, form_edit(site, "kz-president", title="President"))
    assert error.changes == []


def test_no_merge_onto_a_file_left_unreadable(site):
    version = opened(site)
    mine = form_edit(site, "kz-president", title="President")
    site.recipients.write_bytes(site.recipients.read_bytes() + b"  - id: [unclosed\n")
    error = conflict_of(site, version, mine)
    assert error.changes == ["recipients.yaml: comments or layout were changed since you opened it"]


def test_an_edit_naming_an_office_they_deleted_but_not_changing_it_is_merged(site):
    """The asks form sets every office's ask; an office someone deleted meanwhile is gone."""
    version = opened(site)
    asks = {o.id: o.ask["en"] for o in directory.load(site.recipients).recipients}
    asks["kz-president"] = "free Alma Shalabayeva"

    def set_asks(doc):
        for office_id, text in asks.items():
            offices.set_ask(doc, office_id, "en", text)

    save(site, version, lambda doc: offices.delete_office(doc, "it-justice"), who="anna")
    save(site, version, set_asks)
    saved = directory.load(site.recipients)
    assert "it-justice" not in saved.ids
    assert saved.get("kz-president").ask["en"] == "free Alma Shalabayeva"


def test_a_merge_that_breaks_a_rule_is_refused_and_writes_nothing(site):
    version = opened(site)
    save(site, version, form_edit(site, "it-interior", person="Matteo Piantedosi"), who="anna")
    before = site.recipients.read_bytes()
    mine = form_edit(site, "kz-president", emails=["not-an-address"])
    with pytest.raises(InvalidData, match=r"recipients\.yaml:\d+: kz-president\.emails\[0\]"):
        save(site, version, mine)
    assert site.recipients.read_bytes() == before


def test_only_comments_changed_by_them_is_merged(site):
    version = opened(site)
    site.recipients.write_bytes(site.recipients.read_bytes() + b"# checked on 1 December\n")
    save(site, version, form_edit(site, "kz-president", title="President"))
    assert site.recipients.read_bytes().endswith(b"# checked on 1 December\n")
    assert office(site, "kz-president").title == "President"


# --- campaign.yaml and the letters -----------------------------------------------------------


def set_title(language: str, text: str):
    """The campaign form's change of the title in one language (every language sent back)."""

    def change(doc):
        title = {**campaign_fields.campaign_fields(doc)["title"], language: text}
        campaign_fields.set_campaign_fields(doc, {"title": title})

    return change


def test_campaign_fields_merge_per_language_and_conflict_on_the_same(site):
    version = opened(site, "campaign.yaml")
    save(site, version, set_title("it", "Riportatele a casa"), file_name="campaign.yaml")
    save(site, version, set_title("en", "Bring them home"), who="anna", file_name="campaign.yaml")
    fields = campaign_fields.campaign_fields(
        load_document(site.campaign_file.read_bytes(), "campaign.yaml")
    )
    assert (fields["title"]["it"], fields["title"]["en"]) == (
        "Riportatele a casa",
        "Bring them home",
    )
    error = conflict_of(site, version, set_title("en", "Home"), file_name="campaign.yaml")
    assert error.changes[0] == (
        "campaign.yaml: title.en was changed by someone else since you opened it: "
        "Bring Alma Shalabayeva and her daughter Alua home to Europe → Bring them home; "
        "you changed it too"
    )


def test_a_list_is_one_field(site):
    """Two events of the chronology changed by two organisers: a conflict, not a merge."""
    version = opened(site, "campaign.yaml")

    def event_text(index: int, text: str):
        def change(doc):
            chronology = campaign_fields.campaign_fields(doc)["chronology"]
            chronology[index]["text"]["en"] = text
            campaign_fields.set_campaign_fields(doc, {"chronology": chronology})

        return change

    save(site, version, event_text(0, "The raid."), file_name="campaign.yaml")
    error = conflict_of(site, version, event_text(1, "The flight."), file_name="campaign.yaml")
    assert error.changes == [
        "campaign.yaml: chronology[0] was changed by someone else since you opened it: "
        + error.changes[0].split("since you opened it: ", 1)[1]
    ]
    assert error.changes[0].endswith("; you changed it too")


def test_campaign_fields_merge_onto_a_hand_edit_of_another_key(site):
    version = opened(site, "campaign.yaml")
    text = site.campaign_file.read_text(encoding="utf-8")
    site.campaign_file.write_text(text.replace("organiser: Open Dialog", "organiser: ODF"))
    save(site, version, set_title("en", "Bring them home"), file_name="campaign.yaml")
    after = site.campaign_file.read_text(encoding="utf-8")
    assert "organiser: ODF" in after and "  en: Bring them home\n" in after


def test_letters_are_never_merged_even_on_other_lines(site):
    """A letter is one text the organiser previewed whole: a merge would save one nobody read."""
    name = "letter.en.txt"
    data, version = editing.open_file(site, name)
    text = data.decode("utf-8")
    first, *rest = text.split("\n\n")
    theirs = "\n\n".join([first, *rest[:-1], rest[-1] + " Theirs."])
    editing.save(site, name, version, editing.replaced_by(theirs), "anna")
    mine = "\n\n".join([first + " Mine.", *rest])
    with pytest.raises(ConflictError, match="copy your text, reload") as caught:
        editing.save(site, name, version, editing.replaced_by(mine), "maria")
    assert caught.value.changes[0].startswith("letter.en.txt: line")
    assert site.path_of(name).read_text(encoding="utf-8") == theirs + "\n"


# --- the merge itself ---------------------------------------------------------------------------


def test_merged_values_take_each_side_and_name_what_both_changed():
    base = {"a": {"x": "1", "y": "1"}, "b": ["1"], "c": "1"}
    theirs = {"a": {"x": "2", "y": "1"}, "b": ["1", "2"], "c": "1"}
    mine = {"a": {"x": "1", "y": "3"}, "b": ["1"], "d": "new"}
    assert three_way.merged_values(base, theirs, mine) == (
        {"a": {"x": "2", "y": "3"}, "b": ["1", "2"], "d": "new"},
        [],
    )
    assert three_way.merged_values(base, theirs, {**mine, "b": ["0"]})[1] == ["b"]
    assert three_way.merged_values({}, {"n": {"k": "1"}}, {"n": {"k": "2"}})[1] == ["n"]
    assert three_way.merged_values({"n": {}}, {"n": {"k": "1"}}, {"n": {"k": "2"}})[1] == ["n.k"]
    assert three_way.merged_values({}, {"n": {"k": "1"}}, {"n": {"k": "1"}}) == (
        {"n": {"k": "1"}},
        [],
    )


def test_merged_order():
    base = ["a", "b", "c"]
    assert three_way.merged_order(base, ["c", "a", "b"], base) == ["c", "a", "b"]
    assert three_way.merged_order(base, base, ["b", "a", "c", "d"]) == ["b", "a", "c"]
    assert three_way.merged_order(base, ["c", "a", "b"], ["b", "a", "c"]) is None
    assert three_way.merged_order(base, ["c", "a", "b"], ["c", "a", "b"]) == ["c", "a", "b"]
    assert three_way.merged_order(base, ["a", "c"], ["b", "a", "c"]) == ["a", "c"]


def test_merge_refuses_what_it_cannot_rebuild(site):
    """An edit that changes what no setter can (a new top-level key): not merged."""
    base = site.recipients.read_bytes()
    theirs = base.replace(b"city: Roma", b"city: Rome", 1)

    def edit(data: bytes) -> bytes:
        document = load_document(data, NAME)
        document.insert(0, "notes", "x")
        return dump_document(document, NAME)

    merged = three_way.merge(NAME, base, theirs, edit)  # my edit on theirs is the merge
    assert b"city: Rome" in merged and b"notes: x" in merged

    def undoing(data: bytes) -> bytes:  # puts their city back, then adds the key
        return edit(data.replace(b"city: Rome", b"city: Roma", 1))

    with pytest.raises(three_way.NotMerged) as caught:
        three_way.merge(NAME, base, theirs, undoing)
    assert caught.value.fields == []
