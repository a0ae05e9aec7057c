"""CSV and vCard export, and the CSV import with its preview."""

import csv
import io
import shutil
from pathlib import Path

import pytest

from campaign import directory
from campaign.directory import interchange
from campaign.editing import offices as edits
from campaign.errors import CampaignError, InvalidData
from tests.builders import RECIPIENTS as BUNDLED


@pytest.fixture(scope="module")
def bundled():
    """The bundled directory."""
    return directory.load(BUNDLED)


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the bundled directory to import into."""
    path = tmp_path / "recipients.yaml"
    shutil.copyfile(BUNDLED, path)
    return path


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


# --- CSV export --------------------------------------------------------------------------------


def test_export_csv_one_flat_row_per_office(bundled):
    text = interchange.export_csv(bundled.recipients)
    assert text.startswith("\ufeffid,office,office_local,person,title,country,language,")
    assert "\r\n" in text
    exported = rows(text)
    assert [row["id"] for row in exported] == list(bundled.ids)
    interior = exported[0]
    assert list(interior) == list(interchange.COLUMNS)
    assert interior["phones"] == "+39 06 3606 4651"
    assert interior["address_lines"] == "Piazza del Viminale 1"
    assert interior["postcode"] == "00184"
    assert interior["salutation_ru"] == "Уважаемый господин министр"
    assert interior["tags"] == "italy; government"
    assert interior["verified"] == "2026-11-22"
    police = next(row for row in exported if row["faxes"])
    assert police["faxes"] == "+39 06 3629 2675; +39 06 3629 2612"


def test_export_csv_defuses_spreadsheet_formulas_but_not_phones(bundled):
    office = bundled.recipients[0]
    tricky = type(office)(**{**office.__dict__, "office": '=HYPERLINK("http://x")'})
    row = rows(interchange.export_csv([tricky]))[0]
    assert row["office"] == '\'=HYPERLINK("http://x")'
    assert row["phones"].startswith("+39")


def test_round_trip_of_the_bundled_directory_is_all_unchanged(bundled):
    data = interchange.export_csv(bundled.recipients).encode("utf-8")
    preview = interchange.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows] == ["unchanged"] * len(bundled.ids)
    assert [row.id for row in preview.rows] == list(bundled.ids)


def test_round_trip_keeps_a_phone_kept_as_written(copy, tmp_path):
    loaded = directory.load(copy)
    office = directory.to_plain(loaded.get("it-justice"))
    office["phones"] = [{"source": "+39 06 688 51 (switchboard)"}, "+390668851"]
    edits.update_office(loaded.document, "it-justice", office)
    saved = directory.save(copy, loaded.document, loaded.version)
    text = interchange.export_csv(saved.recipients)
    assert rows(text)[1]["phones"] == "+39 06 688 51 (switchboard); +39 06 68851"
    preview = interchange.preview_import(text.encode(), saved.document)
    assert [row.action for row in preview.rows] == ["unchanged"] * len(saved.ids)


# --- import ----------------------------------------------------------------------------------


def test_import_with_bom_and_semicolons_lists_changes_field_by_field(bundled):
    exported = rows(interchange.export_csv(bundled.recipients))
    exported[0]["city"] = "Rome"
    exported[0]["phones"] = "+39 06 3606 4652"
    exported[2]["ask_en"] = "act now"
    data = write_csv(exported, delimiter=";", bom=True)
    preview = interchange.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows].count("unchanged") == len(bundled.ids) - 2
    interior, foreign = preview.rows_to("change")
    assert (interior.id, interior.line) == ("it-interior", 2)
    assert [(c.field, c.old, c.new) for c in interior.changes] == [
        ("address.city", "Roma", "Rome"),
        ("phones", "+390636064651", "+390636064652"),
    ]
    assert [c.field for c in foreign.changes] == ["ask.en"]
    assert foreign.changes[0].new == "act now"


def test_apply_import_in_one_safe_save_then_it_is_unchanged(copy, tmp_path):
    loaded = directory.load(copy)
    exported = rows(interchange.export_csv(loaded.recipients))
    new = dict(exported[1], id="it-senate", office="Senate of the Italian Republic")
    exported[0]["person"] = "Matteo Piantedosi"
    data = write_csv([*exported, new])
    preview = interchange.preview_import(data, loaded.document)
    assert [(row.id, row.line) for row in preview.rows_to("add")] == [("it-senate", 10)]
    saved = edits.edit_directory(
        copy,
        loaded.version,
        lambda doc: interchange.apply_import(preview, doc),
        "maria",
        "import.csv",
        instance=tmp_path / "instance",
        action="import",
    )
    assert saved.ids[-1] == "it-senate"
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    assert "# The source (Open Dialog Foundation, 2013)" in copy.read_text()
    again = interchange.preview_import(data, saved.document)
    assert {row.action for row in again.rows} == {"unchanged"}


def test_a_bad_email_is_a_problem_at_its_csv_line_and_nothing_is_written(copy, tmp_path):
    before = copy.read_bytes()
    loaded = directory.load(copy)
    exported = rows(interchange.export_csv(loaded.recipients))
    exported[5]["emails"] = "office@example.org; foo@"
    preview = interchange.preview_import(write_csv(exported), loaded.document)
    assert not preview.ok
    office_id = exported[5]["id"]
    assert [str(problem) for problem in preview.problems] == [
        f'import.csv:7: {office_id}.emails[1]: "foo@" is not a valid e-mail address '
        "(There must be something after the @-sign.); correct it, or remove it and say in "
        "email_note how to reach the office"
    ]
    assert preview.rows[5].action == "invalid"
    with pytest.raises(CampaignError, match=r"import\.csv has 1 problem; correct the file"):
        edits.edit_directory(
            copy,
            loaded.version,
            lambda doc: interchange.apply_import(preview, doc),
            "maria",
            instance=tmp_path / "instance",
        )
    assert copy.read_bytes() == before


def test_only_the_columns_in_the_file_are_changed(bundled):
    data = b"id;phones\r\nit-interior;+39 06 3606 4652\r\nit-justice;+39 06 68851\r\n"
    preview = interchange.preview_import(data, bundled.document)
    assert preview.ok, preview.problems
    assert [row.action for row in preview.rows] == ["change", "unchanged"]
    assert [c.field for c in preview.rows[0].changes] == ["phones"]
    assert preview.rows[0].plain["ask"] == dict(bundled.get("it-interior").ask)


def test_a_new_office_missing_required_columns_shows_every_problem(bundled):
    data = b"id,office,country\nit-new,New office,Italy\n"
    preview = interchange.preview_import(data, bundled.document)
    messages = [str(problem) for problem in preview.problems]
    assert all(message.startswith("import.csv:2: it-new.") for message in messages), messages
    assert any("'Italy' is not an ISO 3166-1 country code" in m for m in messages)
    assert any("missing required key 'language'" in m for m in messages)
    assert any("missing required key 'address'" in m for m in messages)


def test_header_problems_stop_the_preview(bundled):
    preview = interchange.preview_import(b"office,phone\nx,y\n", bundled.document)
    assert [str(p) for p in preview.problems][:1] == [
        "import.csv:1: has no 'id' column; the first line must name the columns: id, office, "
        + ", ".join(interchange.COLUMNS[2:])
    ]
    assert "unknown column 'phone'" in str(preview.problems[1])
    assert preview.rows == ()


def test_repeated_and_empty_ids_and_line_numbers_after_a_multiline_cell(bundled):
    data = b'id,email_note\nit-interior,"two\nlines"\n,no id\nit-justice,x\nit-justice,y\n'
    preview = interchange.preview_import(data, bundled.document)
    problems = [str(p) for p in preview.problems]
    assert "import.csv:4: the id is empty" in problems
    assert "import.csv:6: id: id 'it-justice' is already on line 5" in problems
    interior = preview.rows[0]
    assert interior.line == 2
    assert any("email_note contains a control character" in str(p) for p in interior.problems)


def test_not_utf8_is_reported_with_its_line(bundled):
    data = "id,office\nit-interior,Ministère\n".encode("latin-1")
    with pytest.raises(InvalidData, match=r'import.csv:2: is not UTF-8 text; save it as "CSV'):
        interchange.preview_import(data, bundled.document)


def test_apostrophe_added_on_export_is_taken_off_on_import(bundled):
    data = b"id,title\nit-interior,'=Minister\n"
    preview = interchange.preview_import(data, bundled.document)
    assert preview.rows[0].plain["title"] == "=Minister"


# --- vCard ----------------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    """The content lines of a vCard stream (RFC 6350, 3.2)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_vcard_lines_crlf_folding_and_utf8(bundled):
    text = interchange.export_vcard(bundled.recipients)
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    for physical in data.split(b"\r\n"):
        assert len(physical) <= 75, physical
        physical.decode("utf-8")  # no UTF-8 sequence is split between lines
    lines = unfold(text)
    assert lines.count("BEGIN:VCARD") == lines.count("END:VCARD") == len(bundled.ids)
    assert lines.count("VERSION:4.0") == len(bundled.ids)


def test_vcard_properties_and_escaping(bundled):
    lines = unfold(interchange.vcard(bundled.get("it-interior")))
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert "FN:Angelino Alfano" in lines
    assert "ORG:Ministry of the Interior of Italy" in lines
    assert "ADR;TYPE=work:;;Piazza del Viminale 1;Roma;RM;00184;Italy" in lines
    assert "TEL;VALUE=uri;TYPE=voice:tel:+390636064651" in lines
    note = next(line for line in lines if line.startswith("NOTE:"))
    assert note.startswith("NOTE:Ministero dell'Interno\\nThe source page published")
    assert "obfuscator\\, so the address is not known\\; write by post" in note
    police = next(r for r in bundled.recipients if r.faxes)
    assert "TEL;VALUE=uri;TYPE=fax:tel:+390636292675" in unfold(interchange.vcard(police))


def test_vcard_escapes_backslashes_and_folds_cyrillic_whole(bundled):
    office = bundled.get("kz-president")
    tricky = type(office)(
        **{**office.__dict__, "office": "Аппарат Президента; a\\b, c", "person": ""}
    )
    text = interchange.vcard(tricky)
    assert "FN:Аппарат Президента\\; a\\\\b\\, c" in unfold(text)
    long = type(office)(**{**office.__dict__, "office": "Ж" * 100, "person": ""})
    physical = interchange.vcard(long).encode().split(b"\r\n")
    fn = [line for line in physical if line.startswith(b"FN:") or line.startswith(b" \xd0")]
    assert all(len(line) <= 75 for line in fn) and len(fn) >= 3
    assert interchange.fold("x" * 75) == "x" * 75
    assert interchange.fold("x" * 76) == "x" * 75 + "\r\n x"
