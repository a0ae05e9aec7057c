"""The supporter's journey, step by step, as the browser tests drive it.

From the campaign page to "I sent it": switch language and back, a form with mistakes, the
fixed form, an edited letter, the PDF, the .eml draft, the mailto and tel: links, the count.
Each step checks what the supporter would see; the downloads are parsed and checked too.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pdfplumber
from playwright.sync_api import Page, expect

from campaign import directory

# A phone (the narrowest width the app promises) and a desktop.
VIEWPORTS = {
    "360px": {"width": 360, "height": 740},
    "1280px": {"width": 1280, "height": 800},
}
# The office given an e-mail address in the test copy of the directory (conftest.py): its
# English letter fits the mailto budget (drafts.MAILTO_BUDGET) with the edit below added.
EMAIL_OFFICE = "kz-nsc-atyrau"
EMAIL_ADDRESS = "office@nsc-atyrau.example"
NAME = "Giulia Bianchi"
# Typed into the letter in the preview. No "fi"/"fl"/"ff": PDF text could come out as ligatures.
EDIT = "Browser check 4711: the lighthouse keeper of Ancona stands with Alma and Alua."
E164_TEL = re.compile(r"tel:\+[1-9]\d{6,14}")
# What "I sent it" reports: (office, channel) pairs, one letter each.
SENT = [(EMAIL_OFFICE, "email"), ("it-interior", "post"), ("kz-president", "phone")]
MAILTO_BUDGET = 1800  # drafts.MAILTO_BUDGET

Shoot = Callable[..., None]  # shoot(page, step, full_page=True)


def flat(text: str) -> str:
    """Text with every run of white space as one space (PDF lines wrap anywhere)."""
    return " ".join(text.split())


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    """The page is no wider than the viewport: nothing to scroll sideways."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: {scroll_width} px wide in a {width} px viewport"


def total_letters(page: Page) -> int:
    """The number in the page's "letters sent" total."""
    text = page.locator("#total").inner_text()
    return int(re.search(r"\d[\d,.\s]*", text).group().replace(",", "").replace(" ", ""))


def mailto_fields(link: str) -> tuple[str, dict[str, str]]:
    """The address and the decoded fields of a mailto link (RFC 6068: no '+' for spaces)."""
    parts = urlsplit(link)
    assert parts.scheme == "mailto", link
    assert "+" not in parts.query, "a space must be %20 in a mailto link, never '+'"
    fields = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    return unquote(parts.path), fields


def pdf_text(path: Path) -> tuple[int, str]:
    """The number of pages and the text of a PDF, white space flattened."""
    with pdfplumber.open(path) as document:
        return len(document.pages), flat(" ".join(p.extract_text() or "" for p in document.pages))


def open_campaign_page(page: Page, base: str, width: int, shoot: Shoot) -> int:
    """Step 1: the campaign page in English; returns the total of letters sent."""
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#act")).to_have_text("Write to the offices")
    assert page.locator("#chronology li.event").count() > 0
    assert page.locator("#offices li.office").count() > 0
    assert_no_horizontal_scroll(page, width)
    shoot(page, "campaign-en")
    return total_letters(page)


def switch_language(page: Page, width: int, shoot: Shoot) -> None:
    """Step 2: the switch at the top, to Italian, to Russian, and back to English."""
    languages = page.locator("nav.languages")
    for code, act, why in (
        ("it", "Scrivi agli uffici", "Perché è importante"),
        ("ru", "Написать в ведомства", "Почему это важно"),
        ("en", "Write to the offices", "Why it matters"),
    ):
        languages.locator(f"a[hreflang={code}]").click()
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.locator("#act")).to_have_text(act)
        expect(page.locator("#why-title")).to_have_text(why)
        expect(languages.locator(f"a[hreflang={code}]")).to_have_attribute("aria-current", "true")
        assert_no_horizontal_scroll(page, width)
        if code != "en":
            shoot(page, f"campaign-{code}", full_page=code == "ru")  # Russian words are longest


def submit_with_mistakes(page: Page, width: int, shoot: Shoot) -> list[str]:
    """Steps 3 and 4: the form, sent with no name and a bad e-mail; returns the office ids."""
    page.locator("#act").click()
    expect(page.locator("h1")).to_have_text("Write your letters")
    assert_no_horizontal_scroll(page, width)
    shoot(page, "write")
    offices = [
        value.removeprefix("office-")
        for value in page.locator("input[name=offices]").evaluate_all("els => els.map(e => e.id)")
    ]
    assert offices and page.locator("input[name=offices]:checked").count() == len(offices)
    page.fill("#email", "giulia.at.example.org")
    page.fill("#street", "Via Roma 1")
    page.fill("#postcode", "20100")
    page.fill("#city", "Milano")
    page.select_option("#country", "IT")
    page.fill("#note", "I teach history in Milan.")
    page.check("#language-en")  # English letters: short enough for a mailto link
    page.click("#submit-write")

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()  # site.js moves the focus there
    for field in ("name", "email"):
        error = page.locator(f"#{field}-error")
        expect(error).to_be_visible()
        assert error.inner_text().strip(), f"no message for {field}"
        # Next to its field: in the same .field block, and announced with it.
        assert page.evaluate(
            "id => document.getElementById(id + '-error').closest('.field')"
            " === document.getElementById(id).closest('.field')",
            field,
        ), f"the {field} error is not next to its field"
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        assert f"{field}-error" in page.locator(f"#{field}").get_attribute("aria-describedby")
        expect(page.locator(f"#error-summary a[href='#{field}']")).to_be_visible()
    # Nothing typed is lost.
    expect(page.locator("#email")).to_have_value("giulia.at.example.org")
    expect(page.locator("#street")).to_have_value("Via Roma 1")
    expect(page.locator("#postcode")).to_have_value("20100")
    expect(page.locator("#city")).to_have_value("Milano")
    expect(page.locator("#country")).to_have_value("IT")
    expect(page.locator("#note")).to_have_value("I teach history in Milan.")
    expect(page.locator("#language-en")).to_be_checked()
    assert page.locator("input[name=offices]:checked").count() == len(offices)
    assert_no_horizontal_scroll(page, width)
    shoot(page, "write-errors")
    return offices


def fix_and_preview(page: Page, offices: list[str], width: int, shoot: Shoot) -> None:
    """Step 5: the mistakes fixed, the preview has one card per office, in the form's order."""
    page.fill("#name", NAME)
    page.fill("#email", "giulia@example.org")
    page.click("#submit-write")
    expect(page.locator("h1")).to_have_text("Your letters")
    cards = page.locator("section.card")
    assert cards.evaluate_all("els => els.map(e => e.dataset.office)") == offices
    expect(page.locator(f"#card-{EMAIL_OFFICE} .signature")).to_contain_text(NAME)
    expect(page.locator(f"#mailto-{EMAIL_OFFICE}")).to_be_visible()
    expect(page.locator(".copy-button").first).to_be_visible()  # shown by site.js
    assert_no_horizontal_scroll(page, width)
    shoot(page, "preview")


def edit_letter(page: Page, width: int, shoot: Shoot) -> str:
    """Step 6: type a sentence at the end of one letter; the links follow. Returns the subject."""
    body = page.locator(f"#body-{EMAIL_OFFICE}")
    body.scroll_into_view_if_needed()
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n" + EDIT)  # key by key, as a person types
    assert body.input_value().endswith("\n\n" + EDIT)
    # site.js posts the edits and updates the mail link and the copy texts (after 0.5 s).
    page.wait_for_function(
        "([id, edit]) => decodeURIComponent(document.getElementById('mailto-' + id).href)"
        ".includes(edit)",
        arg=[EMAIL_OFFICE, EDIT],
    )
    expect(page.locator(f"#copy-body-{EMAIL_OFFICE}")).to_contain_text(EDIT)
    assert_no_horizontal_scroll(page, width)
    shoot(page, "preview-edited", full_page=False)
    return page.locator(f"#subject-{EMAIL_OFFICE}").input_value()


def check_mailto_and_tel_links(page: Page, subject: str, recipients: Path, shoot: Shoot) -> None:
    """Step 7: the mail-app link carries the edited letter; phone links are E.164."""
    mail_link = page.locator(f"#mailto-{EMAIL_OFFICE}")
    mail_link.scroll_into_view_if_needed()
    shoot(page, "preview-email-channel", full_page=False)
    link = mail_link.get_attribute("href")
    address, fields = mailto_fields(link)
    assert address == EMAIL_ADDRESS
    assert set(fields) == {"subject", "body"}
    assert fields["subject"] == subject
    body = fields["body"]
    assert "\r\n" in body and "\n" not in body.replace("\r\n", ""), "line breaks must be CRLF"
    assert EDIT in body and NAME in body
    assert len(link) <= MAILTO_BUDGET

    # Every phone of the directory, as an E.164 tel: link in its office's card.
    for office in directory.load(recipients).recipients:
        shown = page.locator(f"#card-{office.id} a.tel-link").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        assert shown == [f"tel:{phone.e164}" for phone in office.phones], office.id
        for tel in shown:
            assert E164_TEL.fullmatch(tel), f"not E.164: {tel}"
    assert page.locator("a.tel-link").count() > 0


def download_pdf(page: Page, offices: list[str], folder: Path) -> None:
    """Step 8: all the letters as one PDF, with the edit in it."""
    with page.expect_download() as info:
        page.click("#download-all")
    download = info.value
    assert download.suggested_filename == "letters.pdf"
    path = folder / download.suggested_filename
    download.save_as(path)
    pages, text = pdf_text(path)
    assert pages >= len(offices)
    assert EDIT in text, "the edit made in the preview is not in the PDF"
    assert text.count(NAME) >= len(offices)


def download_eml(page: Page, subject: str, folder: Path) -> None:
    """Step 9: the office's e-mail draft: subject, the edited body, unsent."""
    with page.expect_download() as info:
        page.click(f"#eml-{EMAIL_OFFICE}")
    download = info.value
    assert download.suggested_filename.endswith(".eml")
    path = folder / download.suggested_filename
    download.save_as(path)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == subject
    assert EMAIL_ADDRESS in message["To"]
    body = message.get_body(("plain",)).get_content()
    assert EDIT in flat(body), "the edit made in the preview is not in the .eml"
    assert NAME in body


def report_sent(page: Page, before: int, width: int, shoot: Shoot) -> None:
    """Step 10: "I sent it" for three letters; the campaign page's total grows by three."""
    for office, channel in SENT:
        box = page.locator(f"#sent-{office}-{channel}")
        box.scroll_into_view_if_needed()
        box.check()
    shoot(page, "preview-sent-ticked", full_page=False)
    page.click("#sent-submit")
    expect(page.locator("h1")).to_have_text("Thank you")
    expect(page.locator("#recorded")).to_contain_text(str(len(SENT)))
    assert total_letters(page) == before + len(SENT)
    assert_no_horizontal_scroll(page, width)
    shoot(page, "thanks")
    page.get_by_role("link", name="Back to the campaign page").click()
    expect(page.locator("#act")).to_be_visible()
    assert total_letters(page) == before + len(SENT)
    assert_no_horizontal_scroll(page, width)
    shoot(page, "campaign-after", full_page=False)


def run(page: Page, base: str, width: int, shoot: Shoot, downloads: Path, recipients: Path) -> None:
    """The whole journey, on the app at `base` serving the directory `recipients`."""
    before = open_campaign_page(page, base, width, shoot)
    switch_language(page, width, shoot)
    offices = submit_with_mistakes(page, width, shoot)
    fix_and_preview(page, offices, width, shoot)
    subject = edit_letter(page, width, shoot)
    check_mailto_and_tel_links(page, subject, recipients, shoot)
    download_pdf(page, offices, downloads)
    download_eml(page, subject, downloads)
    report_sent(page, before, width, shoot)


def no_shots(page: Page, step: str, full_page: bool = True) -> None:
    """A journey without screenshots."""
