"""Export as CSV and vCard; import a CSV after a preview, in one safe save, nothing before."""

from __future__ import annotations

import base64
import csv
import io
import zlib

import pytest

from campaign import directory
from campaign.storage import audit
from campaign.web import create_app
from tests.web.admin.helpers import form_of, hidden, sign_in
from tests.web.pages import page


def exported_rows(admin) -> list[dict[str, str]]:
    """The directory as the console exports it, one dict per office."""
    text = admin.get("/admin/recipients.csv").get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def as_csv(rows: list[dict[str, str]], delimiter: str = ",", bom: bool = False) -> bytes:
    """Rows as the bytes of a CSV file."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def upload(admin, data: bytes, name: str = "offices.csv"):
    """POST a CSV to the import preview."""
    token, _ = form_of(admin, "/admin/import")
    return admin.post(
        "/admin/import",
        data={**token, "csv": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def edited_rows(admin) -> list[dict[str, str]]:
    """The export with one office changed and one added."""
    rows = exported_rows(admin)
    rows[0]["person"] = "Matteo Piantedosi"
    rows[0]["city"] = "Roma Capitale"
    added = dict(rows[1], id="it-senate", office="Senate of Italy")
    return [*rows, added]


def test_export_csv_and_vcard(admin):
    response = admin.get("/admin/recipients.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="recipients.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert len(exported_rows(admin)) == 8
    vcard = admin.get("/admin/recipients.vcf")
    assert vcard.mimetype == "text/vcard"
    assert vcard.get_data(as_text=True).count("BEGIN:VCARD") == 8


def test_the_preview_lists_adds_and_changes_field_by_field_and_writes_nothing(
    admin, recipients_file
):
    before = recipients_file.read_bytes()
    response = upload(admin, as_csv(edited_rows(admin), delimiter=";", bom=True))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "1 to add, 1 to change, 7 unchanged, 0 with problems" in text
    found = page(response)
    changes = found.one("table", class_="data field-changes").text
    assert "person" in changes and "Angelino Alfano" in changes and "Matteo Piantedosi" in changes
    assert "address.city" in changes and "Roma Capitale" in changes
    assert "it-senate" in found.one("ul", class_="import-rows").text
    assert found.one("button", type="submit", class_="button button-primary").text == (
        "Confirm import"
    )
    assert recipients_file.read_bytes() == before


def test_confirm_imports_in_one_save(admin, recipients_file, instance, organiser, site):
    preview = upload(admin, as_csv(edited_rows(admin))).get_data(as_text=True)
    fields = {name: hidden(preview, name) for name in ("csrf_token", "name", "version", "blob")}
    fields["signed"] = hidden(preview, "signed")
    response = admin.post("/admin/import/confirm", data=fields)
    assert response.status_code == 303
    loaded = directory.load(recipients_file)
    assert loaded.get("it-interior").person == "Matteo Piantedosi"
    assert loaded.get("it-senate").office == "Senate of Italy"
    last = audit.recent_changes(site.database, 1)[0]
    assert (last.who, last.action) == (organiser, "import")
    assert "offices.csv was imported" in admin.get("/admin/recipients").get_data(as_text=True)


def test_rows_with_problems_are_listed_and_cannot_be_confirmed(admin, recipients_file):
    rows = exported_rows(admin)
    rows[2]["emails"] = "not-an-address"
    rows[3]["country"] = "Italy"
    response = upload(admin, as_csv(rows))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "0 to add, 0 to change, 6 unchanged, 2 with problems" in text
    assert "not a valid e-mail address" in text and "offices.csv:4" in text
    assert "Confirm import" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "is not UTF-8 text"),
        (b"name,street\nx,y\n", "id"),
        (b"", "id"),
    ],
)
def test_a_file_that_is_not_a_directory_csv_is_explained(admin, content, message):
    response = upload(admin, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused(config, organiser):
    app = create_app({**config, "ADMIN_IMPORT_MAX_BYTES": 1000})
    client = app.test_client()
    sign_in(client)
    response = upload(client, b"id,office\n" + b"x" * 2000)
    assert response.status_code == 400
    assert "larger than 1 KB" in response.get_data(as_text=True)


def test_no_file_chosen(admin):
    token, _ = form_of(admin, "/admin/import")
    response = admin.post("/admin/import", data=token, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_a_changed_carried_file_is_refused(admin, recipients_file):
    before = recipients_file.read_bytes()
    preview = upload(admin, as_csv(edited_rows(admin))).get_data(as_text=True)
    forged = as_csv([dict(row, person="Someone Else") for row in exported_rows(admin)])
    fields = {name: hidden(preview, name) for name in ("csrf_token", "name", "version", "signed")}
    fields["blob"] = base64.b64encode(zlib.compress(forged)).decode()
    response = admin.post("/admin/import/confirm", data=fields)
    assert response.status_code == 400
    assert "lost on the way" in response.get_data(as_text=True)
    assert recipients_file.read_bytes() == before


def confirm_fields(admin) -> dict:
    """The confirm form of a preview of the edited export."""
    preview = upload(admin, as_csv(edited_rows(admin))).get_data(as_text=True)
    fields = {name: hidden(preview, name) for name in ("csrf_token", "name", "version", "blob")}
    fields["signed"] = hidden(preview, "signed")
    return fields


def test_a_directory_changed_after_the_preview_is_a_conflict(admin, recipients_file):
    fields = confirm_fields(admin)
    text = recipients_file.read_text(encoding="utf-8").replace("city: Roma", "city: Rome", 1)
    recipients_file.write_text(text, encoding="utf-8")  # a field the import changes, by hand
    response = admin.post("/admin/import/confirm", data=fields)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "nothing was imported" in body and "it-interior.address.city" in body
    assert directory.load(recipients_file).get("it-interior").person == "Angelino Alfano"


def test_an_import_is_merged_onto_a_change_of_another_office(admin, recipients_file):
    fields = confirm_fields(admin)
    text = recipients_file.read_text(encoding="utf-8").replace("city: Atyrau", "city: Atyrau-2")
    recipients_file.write_text(text, encoding="utf-8")  # an office the import leaves alone
    assert admin.post("/admin/import/confirm", data=fields).status_code == 303
    saved = directory.load(recipients_file)
    assert saved.get("it-interior").person == "Matteo Piantedosi"
    assert "it-senate" in saved.ids
    assert saved.get("kz-nsc-atyrau").address.city == "Atyrau-2"
