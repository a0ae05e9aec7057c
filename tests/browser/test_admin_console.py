"""The organisers' console in chromium, as an organiser uses it, with a screenshot of each page.

Sign in, the dashboard, add an office (a mistake first), edit one, export and import a CSV
after its preview, edit a letter and watch the preview follow, restore the old letter, the
campaign, sign out (a copy of the cookie no longer works); a conflict between two browsers;
every console page at 360 px. Screenshots: test-artifacts/screenshots/admin/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from campaign import directory
from campaign.storage import counts, organisers
from tests.browser import journey

pytestmark = pytest.mark.browser

NAME = "giulia.verdi"
PASSPHRASE = "orange lanterns drift over quiet harbours"
MARKER = "Browser marker 2718: the console preview follows the typing."
# (days ago, office, channel, letters): what the dashboard shows.
SENT = [
    (0, "it-interior", "post", 4),
    (0, "kz-president", "email", 2),
    (1, "it-justice", "phone", 3),
    (3, "it-interior", "email", 5),
    (9, "kz-general-prosecutor", "post", 1),
    (20, "kz-nsc-atyrau", "fax", 2),
]
CONSOLE_PAGES = (
    ("dashboard", "/admin/dashboard"),
    ("recipients", "/admin/recipients"),
    ("office-form", "/admin/recipients/kz-nsc-atyrau/edit"),
    ("office-new", "/admin/recipients/new"),
    ("office-duplicate", "/admin/recipients/it-justice/duplicate"),
    ("office-delete", "/admin/recipients/it-justice/delete"),
    ("import", "/admin/import"),
    ("letter", "/admin/letters/ru"),
    ("subjects", "/admin/letters/it/subjects"),
    ("asks", "/admin/letters/en/asks"),
    ("campaign", "/admin/campaign"),
    ("history", "/admin/history"),
    ("history-file", "/admin/history/recipients.yaml"),
)


@pytest.fixture
def console(live_server):
    """The live app with an organiser account and a few counted letters."""
    database = live_server.app.extensions["campaign.site"].database
    organisers.add(database, NAME, PASSPHRASE)
    today = dt.datetime.now(dt.UTC).date()
    for days_ago, office, channel, times in SENT:
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        for _ in range(times):
            counts.record(database, office, channel, day)
    return live_server


def sign_in(page: Page, base: str, shoot=None) -> None:
    """Sign in from the console's door."""
    page.goto(base + "/admin")
    if shoot:
        shoot(page, "sign-in")
    page.fill("#name", NAME)
    page.fill("#password", PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".signed-in")).to_contain_text(NAME)


def test_an_organiser_uses_the_console(console, open_page, screenshots, downloads_folder):
    watched = open_page("1280px")
    page, context, base = watched.page, watched.context, console.url
    shoot = screenshots("admin/journey")

    # Signing in: a wrong password first, then the right one; the cookie is locked down.
    page.goto(base + "/admin/recipients")
    expect(page).to_have_url(base + "/admin?next=/admin/recipients")
    page.fill("#name", NAME)
    page.fill("#password", "not my password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("The name or the password is not right")
    shoot(page, "sign-in-refused")
    page.fill("#password", PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/admin/recipients")
    cookie = next(c for c in context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    shoot(page, "recipients")

    page.goto(base + "/admin/dashboard")
    expect(page.locator("svg.chart")).to_have_count(3)
    shoot(page, "dashboard")

    add_an_office(page, console.recipients, shoot)
    edit_an_office(page, console.recipients, shoot)
    import_a_csv(page, console.recipients, shoot, downloads_folder("admin"))
    edit_a_letter(page)
    shoot(page, "letter-saved")
    restore_the_letter(page, shoot)

    page.goto(base + "/admin/campaign")
    expect(page.get_by_role("button", name="Save the state")).to_be_visible()
    shoot(page, "campaign")

    # Signing out ends the session everywhere: a copy of the cookie opens nothing.
    kept = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".notice-success")).to_contain_text("signed out")
    shoot(page, "signed-out")
    replay = open_page("1280px")
    replay.context.add_cookies(kept)
    replay.page.goto(base + "/admin/dashboard")
    expect(replay.page).to_have_url(base + "/admin?next=/admin/dashboard")

    assert all(url.startswith(base) for url in watched.requests), "a request left the site"
    watched.expected_statuses = {400}
    watched.assert_no_console_errors()


def add_an_office(page: Page, recipients: Path, shoot) -> None:
    """A new office: a bad e-mail is shown next to its field with the input kept, then saved."""
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Recipients").click()
    page.get_by_role("link", name="Add an office").click()
    page.fill("#id", "it-senate")
    page.fill("#office", "Senate of the Italian Republic")
    page.select_option("#country", "IT")
    page.select_option("#language", "it")
    page.fill("#salutation_en", "Dear President")
    page.fill("#salutation_it", "Egregio Signor Presidente")
    page.fill("#address_lines", "Piazza Madama 1")
    page.fill("#postcode", "00186")
    page.fill("#city", "Roma")
    page.fill("#region", "RM")
    page.select_option("#address_country", "IT")
    page.fill("#phones", "+39 06 67061")
    page.fill("#emails", "president@senate")
    page.fill("#ask_en", "support an independent investigation")
    page.fill("#ask_it", "sostenere un'indagine indipendente")
    page.fill("#tags", "italy, parliament")
    page.get_by_role("button", name="Add the office").click()
    expect(page.locator("#emails-error")).to_contain_text("not a valid e-mail address")
    expect(page.locator("#office")).to_have_value("Senate of the Italian Republic")
    shoot(page, "office-new-error")
    page.fill("#emails", "")
    page.fill("#email_note", "The source lists no e-mail for the Senate.")
    page.get_by_role("button", name="Add the office").click()
    expect(page.locator(".notice-success")).to_contain_text("Saved")
    expect(page.locator(".printed-address")).to_contain_text("00186 ROMA RM")
    shoot(page, "office-added")
    assert directory.load(recipients).get("it-senate").phones[0].e164 == "+390667061"


def edit_an_office(page: Page, recipients: Path, shoot) -> None:
    """Change one field of an office; the hand-written comments of the file stay."""
    page.goto(page.url.split("/admin/")[0] + "/admin/recipients?country=KZ")
    page.get_by_role("link", name="Department of the National Security Committee").click()
    page.fill("#city", "Atyrau city")
    shoot(page, "office-edit")
    page.get_by_role("button", name="Save the office").click()
    expect(page.locator(".notice-success")).to_contain_text("Saved")
    text = recipients.read_text(encoding="utf-8")
    assert "city: Atyrau city" in text
    assert "twice for this office; it is kept once." in text


def import_a_csv(page: Page, recipients: Path, shoot, folder: Path) -> None:
    """Export the CSV, change it as a spreadsheet would, preview the import, confirm it."""
    page.get_by_role("link", name="Import and export").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    exported = folder / "recipients.csv"
    info.value.save_as(exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 9
    rows[0]["person"] = "Matteo Piantedosi"
    rows.append(dict(rows[1], id="it-chamber", office="Chamber of Deputies of Italy"))
    edited = folder / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    shoot(page, "import")
    page.set_input_files("#csv", str(edited))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#summary")).to_contain_text("1 to add, 1 to change, 8 unchanged")
    expect(page.locator("table.field-changes")).to_contain_text("Matteo Piantedosi")
    assert directory.load(recipients).get("it-interior").person == "Angelino Alfano"
    shoot(page, "import-preview")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".notice-success")).to_contain_text("edited.csv was imported")
    loaded = directory.load(recipients)
    assert loaded.get("it-interior").person == "Matteo Piantedosi"
    assert "it-chamber" in loaded.ids


def edit_a_letter(page: Page) -> None:
    """Type into the English letter: the preview follows without a click; then save it."""
    base = page.url.split("/admin/")[0]
    page.goto(base + "/admin/letters/en")
    page.select_option("#office", "kz-president")
    expect(page.locator("#preview-office")).to_have_text("kz-president")
    expect(page.locator("#preview-text")).to_contain_text("Dear Mr President,")
    source = page.locator("#source")
    source.fill(source.input_value() + "\n" + MARKER + "\n")
    expect(page.locator("#preview-text")).to_contain_text(MARKER)
    page.get_by_role("button", name="Save the letter").click()
    expect(page.locator(".notice-success")).to_contain_text("The en letter was saved.")
    expect(page.locator("#source")).to_contain_text(MARKER)


def restore_the_letter(page: Page, shoot) -> None:
    """Compare the old letter with now, then restore it."""
    oldest = page.locator(".versions-table tbody tr").last
    expect(oldest).to_contain_text("(found on disk)")
    oldest.get_by_role("link", name="Compare with now").click()
    expect(page.locator("pre.diff ins").last).to_contain_text(MARKER)
    shoot(page, "history-compare")
    page.go_back()
    page.locator(".versions-table tbody tr").last.get_by_role("button", name="Restore").click()
    expect(page.locator(".notice-success")).to_contain_text("is back in letter.en.txt")
    assert MARKER not in page.locator("#source").input_value()
    expect(page.locator("#preview-text")).not_to_contain_text(MARKER)
    shoot(page, "letter-restored")


def test_two_organisers_edit_the_same_office(console, open_page, screenshots):
    """The second save of a field both changed is refused with the changes named, and the
    second organiser's input kept."""
    shoot = screenshots("admin/conflict")
    first, second = open_page("1280px"), open_page("1280px")
    for watched in (first, second):
        sign_in(watched.page, console.url)
        watched.page.goto(console.url + "/admin/recipients/it-interior/edit")
    first.page.fill("#person", "Matteo Piantedosi")
    first.page.fill("#title", "Minister of the Interior")
    first.page.get_by_role("button", name="Save the office").click()
    expect(first.page.locator(".notice-success")).to_contain_text("Saved")

    second.page.fill("#title", "Minister of the Interior (as typed by the second organiser)")
    second.page.get_by_role("button", name="Save the office").click()
    conflict = second.page.locator("#conflict")
    expect(conflict).to_contain_text("nothing was saved")
    expect(conflict).to_contain_text("it-interior.title was changed by someone else")
    expect(conflict).to_contain_text("you changed it too")
    expect(conflict).to_contain_text("it-interior.person was changed by someone else")
    expect(conflict).to_contain_text("Angelino Alfano → Matteo Piantedosi")
    expect(second.page.locator("#title")).to_have_value(
        "Minister of the Interior (as typed by the second organiser)"
    )
    expect(conflict).to_be_focused()
    # The field the second organiser did not touch now shows the first one's value, marked.
    expect(second.page.locator("#person")).to_have_value("Matteo Piantedosi")
    expect(second.page.locator("#person-note")).to_contain_text("Someone else changed this")
    shoot(second.page, "conflict")
    saved = directory.load(console.recipients).get("it-interior")
    assert saved.person == "Matteo Piantedosi"
    assert saved.title == "Minister of the Interior"
    second.page.get_by_role("button", name="Save the office").click()  # both changes kept
    expect(second.page.locator(".notice-success")).to_contain_text("Saved")
    saved = directory.load(console.recipients).get("it-interior")
    assert saved.person == "Matteo Piantedosi"
    assert saved.title == "Minister of the Interior (as typed by the second organiser)"
    second.expected_statuses = {409}
    second.assert_no_console_errors()


@pytest.mark.parametrize("viewport", ["360px", "1280px"])
def test_every_console_page_fits_and_is_shot(console, open_page, screenshots, viewport):
    """Every console page, without sideways scrolling at 360 px; a screenshot of each."""
    watched = open_page(viewport)
    page = watched.page
    shoot = screenshots(f"admin/pages-{viewport}")
    sign_in(page, console.url, shoot)
    width = journey.VIEWPORTS[viewport]["width"]
    for name, path in CONSOLE_PAGES:
        response = page.goto(console.url + path)
        assert response.status == 200, path
        journey.assert_no_horizontal_scroll(page, width)
        shoot(page, name)
    page.goto(console.url + "/admin/history/letter.en.txt")
    watched.assert_no_console_errors()


def test_the_console_works_without_javascript(console, open_page, screenshots):
    """With JavaScript off, the Preview button shows the unsaved letter."""
    watched = open_page("1280px", java_script_enabled=False)
    page = watched.page
    shoot = screenshots("admin/no-javascript")
    sign_in(page, console.url)
    page.goto(console.url + "/admin/letters/it")
    source = page.locator("#source")
    source.fill(source.input_value() + "\nSenza JavaScript 1618.\n")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview-text")).to_contain_text("Senza JavaScript 1618.")
    shoot(page, "letter-preview")
