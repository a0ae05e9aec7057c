"""CSV and vCard export (the import is tests/editing/test_csv_import.py)."""

import csv
import io

import pytest

from campaign import directory
from campaign.directory import interchange
from tests.builders import RECIPIENTS as BUNDLED


@pytest.fixture(scope="module")
def bundled():
    """The bundled directory."""
    return directory.load(BUNDLED)


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The CSV text as dicts."""
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


# --- CSV export --------------------------------------------------------------------------------


def test_export_csv_one_flat_row_per_office(bundled):
    text = interchange.export_csv(bundled.recipients)
    assert text.startswith("\ufeffid,office,office_local,person,title,country,language,")
    assert "\r\n" in text
    exported = rows(text)
    assert [row["id"] for row in exported] == list(bundled.ids)
    interior = exported[0]
    assert list(interior) == list(interchange.COLUMNS)
    assert interior["phones"] == "'+39 06 3606 4651"  # a leading + is defused like a formula
    assert interior["address_lines"] == "Piazza del Viminale 1"
    assert interior["postcode"] == "00184"
    assert interior["salutation_ru"] == "Уважаемый господин министр"
    assert interior["tags"] == "italy; government"
    assert interior["verified"] == "2026-11-22"
    police = next(row for row in exported if row["faxes"])
    assert police["faxes"] == "'+39 06 3629 2675; +39 06 3629 2612"


def test_export_csv_defuses_spreadsheet_formulas_in_every_column_phones_too(bundled):
    office = bundled.recipients[0]
    tricky = type(office)(**{**office.__dict__, "office": '=HYPERLINK("http://x")'})
    row = rows(interchange.export_csv([tricky]))[0]
    assert row["office"] == '\'=HYPERLINK("http://x")'
    assert row["phones"] == "'+39 06 3606 4651"
    assert row["person"] == "Angelino Alfano"  # a cell that is no formula is left as it is
    for value in row.values():
        assert not value.startswith(interchange.FORMULA_START), value


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
