"""The console's Print page: a batch uploaded and answered with a zip (the same files as the
command line, nothing kept), the event kit, the delivery dossier, and their refusals."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from campaign.letters import render_pool
from campaign.production.batch import BatchOptions, run_batch
from campaign.rulebook import load_site
from campaign.storage import counts
from tests.web.admin.helpers import form_of

EVENT = (
    b"name;street;postcode;city;country;email;note;language;offices\n"
    b"Anna Bianchi;Via Roma 1;20121;Milano;IT;anna@example.org;;;it-interior|kz-president\n"
    b"Bruno Verdi;;;;IT;bruno@;;;\n"
    b'Carla Neri;;;Torino;IT;;"I met Alua\'s school friends.\n\nPlease act.";ru;kz-president\n'
)


def post_batch(client, data: bytes = EVENT, action: str = "print", **fields):
    """Upload a supporters' CSV to the batch form."""
    token, _ = form_of(client, "/admin/print")
    return client.post(
        "/admin/print/batch",
        data={
            **token,
            "batch-csv": (io.BytesIO(data), "event.csv"),
            "batch-paper": "a4",
            "batch-action": action,
            **fields,
        },
        content_type="multipart/form-data",
    )


def pdf_texts(data: bytes) -> list[str]:
    """Each page's text."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Where the app's temporary files go during the test (an empty folder)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def leftovers(folder: Path) -> list[Path]:
    """What is left in the temporary folder (multiprocessing's own socket folder aside: the
    render pool's forkserver makes it once per process, and it holds no data)."""
    return [path for path in folder.iterdir() if not path.name.startswith("pymp-")]


def test_the_print_page_is_in_the_navigation(admin):
    html = admin.get("/admin/dashboard").get_data(as_text=True)
    assert '<a href="/admin/print">Print</a>' in html
    page = admin.get("/admin/print").get_data(as_text=True)
    for action in ("/admin/print/batch", "/admin/print/kit", "/admin/print/dossier"):
        assert f'action="{action}' in page


def test_checking_a_file_names_its_bad_rows_and_prints_nothing(admin, private_tmp):
    response = post_batch(admin, action="check")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "event.csv: supporters who can be printed: 2; rows that cannot: 1." in html
    assert "event.csv:3: email: &#34;bruno@&#34; is not a valid e-mail address" in html
    assert response.mimetype == "text/html"
    assert leftovers(private_tmp) == []


def test_the_zip_holds_the_files_the_command_line_writes_and_nothing_is_kept(
    app, admin, site, private_tmp, tmp_path
):
    before = sorted(path.name for path in site.instance.rglob("*"))
    response = post_batch(admin, **{"batch-per_supporter": "y"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="batch-')
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    # The command line's core, on the same file, into a folder.
    folder = tmp_path / "cli"
    run_batch(
        io.BytesIO(EVENT),
        "event.csv",
        load_site(site),
        pool=render_pool.shared(),
        folder=folder,
        options=BatchOptions(per_supporter=True),
    )
    written = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.*"))
    assert sorted(archive.namelist()) == written
    assert written == [
        "it-interior.pdf",
        "kz-president.pdf",
        "summary.txt",
        "supporters/00002-anna-bianchi.pdf",
        "supporters/00004-carla-neri.pdf",
    ]
    for name in written:
        if name.endswith(".pdf"):
            assert pdf_texts(archive.read(name)) == pdf_texts((folder / name).read_bytes())
    assert archive.read("summary.txt") == (folder / "summary.txt").read_bytes()
    assert "Carla Neri" in pdf_texts(archive.read("kz-president.pdf"))[1]
    # Nothing of the file stays on the server: no temporary folder, nothing in the instance.
    assert leftovers(private_tmp) == []
    assert sorted(path.name for path in site.instance.rglob("*")) == before


@pytest.fixture
def two_rows(config):
    """The console prints at most two supporters at once."""
    config["ADMIN_BATCH_MAX_ROWS"] = 2
    return config


def test_more_rows_than_the_console_prints(two_rows, admin, private_tmp):
    response = post_batch(admin)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="batch-csv-error"' in html
    assert "event.csv: 3 supporters; the console prints at most 2 at once" in html
    assert "campaign batch" in html
    assert leftovers(private_tmp) == []


@pytest.fixture
def tiny_upload(config):
    """The console takes CSV files of at most 100 bytes."""
    config["ADMIN_BATCH_MAX_BYTES"] = 100
    return config


def test_a_file_larger_than_the_upload_limit(tiny_upload, admin):
    response = post_batch(admin)
    assert response.status_code == 400
    assert "The file is larger than 0 KB; split it." in response.get_data(as_text=True)


@pytest.fixture
def no_time(config):
    """A console batch may print for no time at all."""
    config["ADMIN_BATCH_SECONDS"] = 0
    return config


def test_a_batch_that_takes_too_long_stops_and_keeps_nothing(no_time, admin, private_tmp):
    response = post_batch(admin)
    assert response.status_code == 400
    assert "the batch takes longer than the console allows" in response.get_data(as_text=True)
    assert leftovers(private_tmp) == []


def test_a_file_that_cannot_be_used(admin):
    response = post_batch(admin, b"nome,email\nAnna,\n")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="batch-csv-error"' in html  # next to the file field
    assert "event.csv:1: unknown column &#34;nome&#34;" in html


def test_signed_out_nothing_is_printed(client, private_tmp):
    response = client.post("/admin/print/batch", data={"batch-csv": (io.BytesIO(EVENT), "e.csv")})
    assert response.status_code in (303, 400)  # to the sign-in page, or the CSRF refusal
    assert response.mimetype != "application/zip"


def test_the_kit_as_a_zip_with_the_sites_own_page_in_the_qr_code(admin):
    token, page = form_of(admin, "/admin/print")
    assert 'value="http://localhost/"' in page  # the default address: this site's page
    response = admin.post(
        "/admin/print/kit",
        data={
            **token,
            "kit-offices": ["it-interior", "kz-president"],
            "kit-language": "ru",
            "kit-url": "https://appeal.example.org/",
            "kit-paper": "a4",
        },
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == [
        "case-card.pdf",
        "it-interior-letter.pdf",
        "it-interior-talking-points.pdf",
        "kz-president-letter.pdf",
        "kz-president-talking-points.pdf",
    ]
    card = " ".join(pdf_texts(archive.read("case-card.pdf")))
    assert "https://appeal.example.org/" in card and "Ведомства, которым мы пишем" in card


def test_the_kit_refuses_an_address_that_is_not_a_web_page(admin):
    token, _ = form_of(admin, "/admin/print")
    response = admin.post(
        "/admin/print/kit",
        data={**token, "kit-offices": ["it-interior"], "kit-url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="kit-url-error"' in html and "is not a web address" in html  # by the field
    nothing = admin.post("/admin/print/kit", data={**token, "kit-url": "https://x.org/"})
    assert nothing.status_code == 400 and "Choose at least one office." in nothing.get_data(
        as_text=True
    )


def test_the_dossier_of_an_office_from_the_apps_counts(app, admin):
    for _ in range(4):
        counts.record(
            app.extensions["campaign.site"].database, "kz-president", "post", "2026-11-20"
        )
    token, _ = form_of(admin, "/admin/print")
    response = admin.post(
        "/admin/print/dossier",
        data={**token, "dossier-office": "kz-president", "dossier-paper": "a4"},
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="kz-president-dossier.pdf"' in response.headers["Content-Disposition"]
    assert "Всего · In all: 4" in " ".join(pdf_texts(response.data))
    unknown = admin.post("/admin/print/dossier", data={**token, "dossier-office": "it-nowhere"})
    assert unknown.status_code == 400
    assert "Choose an office from the list." in unknown.get_data(as_text=True)


def test_what_a_file_holds_is_shown_and_printed_as_text(admin):
    hostile = (
        b"name,email,offices\n"
        b'"<img src=x onerror=alert(1)>",<script>alert(2)</script>@x,it-interior\n'
        b'"{{ 7*7 }} <b>Anna</b>",,it-interior\n'
    )
    checked = post_batch(admin, hostile, action="check").get_data(as_text=True)
    assert "<script>alert(2)" not in checked and "&lt;script&gt;alert(2)" in checked
    printed = post_batch(admin, hostile)
    archive = zipfile.ZipFile(io.BytesIO(printed.data))
    text = " ".join(pdf_texts(archive.read("it-interior.pdf")))
    assert "{{ 7*7 }} <b>Anna</b>" in text  # literally: no template, no markup


def test_the_dossiers_day_is_checked_next_to_its_field(admin):
    token, _ = form_of(admin, "/admin/print")
    response = admin.post(
        "/admin/print/dossier",
        data={**token, "dossier-office": "it-interior", "dossier-day": "yesterday"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="dossier-day-error"' in html and "is not a day; write YYYY-MM-DD" in html
