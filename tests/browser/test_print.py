"""The console's Print page in chromium: check a supporters' file, print it and download the
zip, then the event kit and a dossier. Screenshots: test-artifacts/screenshots/admin/print/."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser import test_admin_console as admin_console

pytestmark = pytest.mark.browser
console = admin_console.console  # the live app with an organiser account and some counts
sign_in = admin_console.sign_in

SUPPORTERS = (
    "\ufeffname;city;country;email;offices\n"
    "Giulia Verdi;Bologna;IT;giulia@example.org;it-interior kz-president\n"
    "Piero;Torino;IT;piero@;it-justice\n"
    "Мария Иванова;Алматы;KZ;;kz-president\n"
)


def test_an_organiser_prints_a_batch_a_kit_and_a_dossier(
    console,
    open_page,
    screenshots,
    downloads_folder,
    tmp_path,
):
    watched = open_page("1280px")
    page = watched.page
    shoot = screenshots("admin/print")
    downloads = downloads_folder("print")
    sign_in(page, console.url)
    page.get_by_role("link", name="Print").click()
    expect(page.get_by_role("heading", name="Print", level=1)).to_be_visible()
    shoot(page, "print-page")

    upload = tmp_path / "stall.csv"
    upload.write_text(SUPPORTERS, encoding="utf-8")
    page.set_input_files("#batch-csv", str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#batch-check")).to_contain_text("supporters who can be printed: 2")
    expect(page.locator("#batch-rows")).to_contain_text("stall.csv:3: email:")
    shoot(page, "batch-checked")

    page.set_input_files("#batch-csv", str(upload))
    page.check("#batch-duplex")
    with page.expect_download() as batch_download:
        page.get_by_role("button", name="Print and download the zip").click()
    batch_zip = downloads / batch_download.value.suggested_filename
    batch_download.value.save_as(batch_zip)
    names = zipfile.ZipFile(batch_zip).namelist()
    assert sorted(names) == ["it-interior.pdf", "kz-president.pdf", "summary.txt"]
    summary = zipfile.ZipFile(batch_zip).read("summary.txt").decode()
    assert "stall.csv: 2 supporters printed, 1 rows skipped" in summary

    page.uncheck("#kit-office-it-justice")
    page.select_option("#kit-language", "it")
    with page.expect_download() as kit_download:
        page.get_by_role("button", name="Download the kit (zip)").click()
    kit_zip = downloads / kit_download.value.suggested_filename
    kit_download.value.save_as(kit_zip)
    assert "case-card.pdf" in zipfile.ZipFile(kit_zip).namelist()
    assert "it-justice-letter.pdf" not in zipfile.ZipFile(kit_zip).namelist()

    page.select_option("#dossier-office", "it-interior")
    with page.expect_download() as dossier_download:
        page.get_by_role("button", name="Download the dossier (PDF)").click()
    assert dossier_download.value.suggested_filename == "it-interior-dossier.pdf"
    dossier_download.value.save_as(downloads / "it-interior-dossier.pdf")
    assert (downloads / "it-interior-dossier.pdf").read_bytes().startswith(b"%PDF")

    page.fill("#kit-url", "ftp://example.org/")
    page.get_by_role("button", name="Download the kit (zip)").click()
    expect(page.locator("#kit-url-error")).to_contain_text("is not a web address")
    shoot(page, "kit-refused")
    watched.expected_statuses = {400}
    watched.assert_no_console_errors()
