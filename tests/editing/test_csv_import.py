"""The CSV import with its preview, applied as one save of the edit pipeline."""

import csv
import io

import pytest

from campaign import directory, editing, limits
from campaign.directory import interchange, phones
from campaign.editing import csv_import
from campaign.editing import offices as edits
from campaign.errors import CampaignError, InvalidData
from campaign.storage import audit
from tests.builders import RECIPIENTS as BUNDLED

NAME = "recipients.yaml"


@pytest.fixture(scope="module")
def bundled():
    """The bundled directory."""
    return directory.load(BUNDLED)


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The CSV text as dicts."""
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def write_csv(records: list[dict[str, str]], delimiter: str = ",", bom: bool = False) -> bytes:
    """Dicts as CSV bytes, the way a spreadsheet saves them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(records[0]), delimiter=delimiter, lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(records)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def save(site, version, change, **kwargs) -> directory.Directory:
    """One console save of a change to the directory; the directory as saved."""
    editing.save(site, NAME, version, editing.in_document(change, NAME), "maria", **kwargs)
    return directory.load(site.recipients)


# --- round trips ----------------------------------------------------------------------------


def test_round_trip_of_the_bundled_directory_is_all_unchanged(bundled):
    data = interchange.export_csv(bundled.recipients).encode("utf-8")
    preview = csv_import.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows] == ["unchanged"] * len(bundled.ids)
    assert [row.id for row in preview.rows] == list(bundled.ids)


def test_round_trip_keeps_a_phone_kept_as_written(site):
    loaded = directory.load(site.recipients)
    office = directory.to_plain(loaded.get("it-justice"))
    # an ambiguous digit, kept as the source writes it (words are refused: only phone characters)
    office["phones"] = [{"source": "+39 06 688 5? (1)"}, "+390668851"]
    saved = save(site, loaded.version, lambda doc: edits.update_office(doc, "it-justice", office))
    text = interchange.export_csv(saved.recipients)
    assert rows(text)[1]["phones"] == "'+39 06 688 5? (1); +39 06 68851"
    preview = csv_import.preview_import(text.encode(), saved.document)
    assert [row.action for row in preview.rows] == ["unchanged"] * len(saved.ids)


def test_a_typed_phone_is_written_as_the_directory_writes_it():
    assert phones.file_value("+39 06 3606 4651", "IT") == "+390636064651"
    assert phones.file_value("06 3606 4651", "IT") == "+390636064651"
    kept = [{"source": "06 3606 46?1"}]
    assert phones.file_value("06 3606 46?1", "IT", kept) == {"source": "06 3606 46?1"}
    assert phones.file_value("call us", "IT") == "call us"  # left for the validation to report


# --- import ----------------------------------------------------------------------------------


def test_import_with_bom_and_semicolons_lists_changes_field_by_field(bundled):
    exported = rows(interchange.export_csv(bundled.recipients))
    exported[0]["city"] = "Rome"
    exported[0]["phones"] = "+39 06 3606 4652"
    exported[2]["ask_en"] = "act now"
    data = write_csv(exported, delimiter=";", bom=True)
    preview = csv_import.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows].count("unchanged") == len(bundled.ids) - 2
    interior, foreign = preview.rows_to("change")
    assert (interior.id, interior.line) == ("it-interior", 2)
    assert [(c.what, c.old, c.new) for c in interior.changes] == [
        ("address.city", "Roma", "Rome"),
        ("phones", "+390636064651", "+390636064652"),
    ]
    assert [c.what for c in foreign.changes] == ["ask.en"]
    assert foreign.changes[0].new == "act now"


def test_apply_import_in_one_safe_save_then_it_is_unchanged(site):
    loaded = directory.load(site.recipients)
    exported = rows(interchange.export_csv(loaded.recipients))
    new = dict(exported[1], id="it-senate", office="Senate of the Italian Republic")
    exported[0]["person"] = "Matteo Piantedosi"
    data = write_csv([*exported, new])
    preview = csv_import.preview_import(data, loaded.document)
    assert [(row.id, row.line) for row in preview.rows_to("add")] == [("it-senate", 10)]
    saved = save(
        site,
        loaded.version,
        lambda doc: csv_import.apply_import(preview, doc),
        summary="import.csv",
        action="import",
    )
    assert saved.ids[-1] == "it-senate"
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    assert "# The source (Open Dialog Foundation, 2013)" in site.recipients.read_text()
    change = audit.recent_changes(site.database)[0]
    assert (change.action, change.file) == ("import", NAME)
    assert change.fields == ("it-interior.person", "it-senate")
    assert change.summary == "import.csv — it-interior.person, it-senate added"
    again = csv_import.preview_import(data, saved.document)
    assert {row.action for row in again.rows} == {"unchanged"}


def test_a_bad_email_is_a_problem_at_its_csv_line_and_nothing_is_written(site):
    before = site.recipients.read_bytes()
    loaded = directory.load(site.recipients)
    exported = rows(interchange.export_csv(loaded.recipients))
    exported[5]["emails"] = "office@example.org; foo@"
    preview = csv_import.preview_import(write_csv(exported), loaded.document)
    assert not preview.ok
    office_id = exported[5]["id"]
    assert [str(problem) for problem in preview.problems] == [
        f'import.csv:7: {office_id}.emails[1]: "foo@" is not a valid e-mail address '
        "(There must be something after the @-sign.); correct it, or remove it and say in "
        "email_note how to reach the office"
    ]
    assert preview.rows[5].action == "invalid"
    with pytest.raises(CampaignError, match=r"import\.csv has 1 problem; correct the file"):
        save(site, loaded.version, lambda doc: csv_import.apply_import(preview, doc))
    assert site.recipients.read_bytes() == before
    assert audit.recent_changes(site.database) == []


def test_only_the_columns_in_the_file_are_changed(bundled):
    data = b"id;phones\r\nit-interior;+39 06 3606 4652\r\nit-justice;+39 06 68851\r\n"
    preview = csv_import.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows] == ["change", "unchanged"]
    assert [c.what for c in preview.rows[0].changes] == ["phones"]
    assert preview.rows[0].plain["ask"] == dict(bundled.get("it-interior").ask)


def test_a_new_office_missing_required_columns_shows_every_problem(bundled):
    data = b"id,office,country\nit-new,New office,Italy\n"
    preview = csv_import.preview_import(data, bundled.document)
    messages = [str(problem) for problem in preview.problems]
    assert all(message.startswith("import.csv:2: it-new.") for message in messages), messages
    assert any("'Italy' is not an ISO 3166-1 country code" in m for m in messages)
    assert any("missing required key 'language'" in m for m in messages)
    assert any("missing required key 'address'" in m for m in messages)


def test_header_problems_stop_the_preview(bundled):
    preview = csv_import.preview_import(b"office,phone\nx,y\n", bundled.document)
    assert [str(p) for p in preview.problems][:1] == [
        "import.csv:1: has no 'id' column; the first line must name the columns: id, office, "
        + ", ".join(interchange.COLUMNS[2:])
    ]
    assert "unknown column 'phone'" in str(preview.problems[1])
    assert preview.rows == ()


def test_repeated_and_empty_ids_and_line_numbers_after_a_multiline_cell(bundled):
    data = b'id,email_note\nit-interior,"two\nlines"\n,no id\nit-justice,x\nit-justice,y\n'
    preview = csv_import.preview_import(data, bundled.document)
    problems = [str(p) for p in preview.problems]
    assert "import.csv:4: the id is empty" in problems
    assert "import.csv:6: id: id 'it-justice' is already on line 5" in problems
    interior = preview.rows[0]
    assert interior.line == 2
    assert any("email_note contains a control character" in str(p) for p in interior.problems)


def test_not_utf8_is_reported_with_its_line(bundled):
    data = "id,office\nit-interior,Ministère\n".encode("latin-1")
    with pytest.raises(InvalidData, match=r'import.csv:2: is not UTF-8 text; save it as "CSV'):
        csv_import.preview_import(data, bundled.document)


def test_apostrophe_added_on_export_is_taken_off_on_import(bundled):
    data = b"id,title\nit-interior,'=Minister\n"
    preview = csv_import.preview_import(data, bundled.document)
    assert preview.rows[0].plain["title"] == "=Minister"


def test_an_oversized_file_and_too_many_rows_are_refused(bundled, monkeypatch):
    with pytest.raises(InvalidData, match=r"import\.csv: is over 2 MB"):
        csv_import.preview_import(b"id\n" + b"x" * limits.IMPORT_BYTES, bundled.document)
    monkeypatch.setattr(limits, "IMPORT_ROWS", 2)
    data = b"id\nit-interior\nit-justice\nit-foreign-affairs\n"
    with pytest.raises(InvalidData, match=r"import\.csv:4: more than 2 rows"):
        csv_import.preview_import(data, bundled.document)
