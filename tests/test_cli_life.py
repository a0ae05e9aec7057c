"""The appeal's life on the command line: paused offices skipped, the state obeyed."""

import email
import email.policy
import json

import pdfplumber
import pytest
from click.testing import CliRunner

from campaign.cli import main
from tests.builders import THANKS_MARKER, change_campaign, pause_office, write_thanks

PAUSED = "kz-embassy-italy-consular"  # given an e-mail address below, so it would get a draft
SENDER = ["--name", "Maria Rossi", "--city", "Milano", "--email", "maria@example.org"]


@pytest.fixture
def site_emails() -> dict[str, str]:
    """The paused office and another one get a test address: each would have a mailto and .eml."""
    return {PAUSED: "consul@embassy.example", "it-justice": "office@justice.example"}


@pytest.fixture
def run(site, monkeypatch):
    """Run `campaign ARGS` inside the copy of the bundled campaign; return the result."""
    monkeypatch.chdir(site.recipients.parent)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def pdf_text(path) -> tuple[int, str]:
    """The pages of a PDF and all its text."""
    with pdfplumber.open(path) as document:
        return len(document.pages), "\n".join(page.extract_text() or "" for page in document.pages)


def test_export_skips_a_paused_office_in_every_format_and_says_so(site, run):
    pause_office(
        site, PAUSED, reason="Test: the consulate moved.", replacement="kz-foreign-affairs"
    )
    result = run("export", *SENDER, "--out", "out")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Skipped: {PAUSED} is paused: Test: the consulate moved. (write to kz-foreign-affairs "
        "instead)"
    )
    assert "for 7 offices" in result.output
    folder = site.recipients.parent / "out"
    names = {path.name for path in folder.iterdir()}
    assert not any(name.startswith(PAUSED) for name in names), names
    assert {"it-justice.pdf", "it-justice.eml", "kz-foreign-affairs.pdf"} <= names
    pages, text = pdf_text(folder / "letters.pdf")
    assert pages == 7  # one page a letter, none for the paused office
    assert "Via Cassia" not in text and "Консульский" not in text
    assert "Piazzale della Farnesina" in text  # the other offices are all there
    mailto = (folder / "mailto.txt").read_text(encoding="utf-8")
    assert PAUSED not in mailto and "consul@embassy.example" not in mailto
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert PAUSED not in [entry["id"] for entry in manifest["letters"]]
    for eml in folder.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert "consul@embassy.example" not in str(message["To"] or "")


def test_exporting_only_paused_offices_is_an_error(site, run):
    pause_office(site, PAUSED)
    result = run("export", *SENDER, "--to", PAUSED, "--out", "out")
    assert result.exit_code == 1
    assert "no letters to write: every office chosen is paused" in result.output
    assert not (site.recipients.parent / "out").exists()


@pytest.mark.parametrize(
    ("plain", "message"),
    [
        (
            {"state": "paused", "pause_reason": {"en": "Test: the offices are being checked."}},
            "error: the appeal is paused, so no letters are made: Test: the offices are being "
            "checked.",
        ),
        ({"state": "closed"}, "error: the appeal is closed (state: closed in campaign.yaml)"),
        ({"deadline": "2014-01-31"}, "error: the appeal closed on its deadline (2014-01-31)"),
        (
            {"state": "won", "outcome": {"en": "Test outcome."}},
            "error: the appeal is won and there is no thank-you letter (thanks.en.txt)",
        ),
    ],
    ids=["paused", "closed", "deadline", "won-without-thanks"],
)
def test_export_makes_no_letter_when_the_appeal_offers_none(site, run, plain, message):
    change_campaign(site, plain)
    result = run("export", *SENDER, "--out", "out")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(message), result.output
    assert "Traceback" not in result.output
    assert not (site.recipients.parent / "out").exists()


def test_a_won_appeal_exports_the_thank_you_letters(site, run):
    write_thanks(site)
    change_campaign(site, {"state": "won", "outcome": {"en": "Test outcome."}})
    result = run("export", *SENDER, "--to", "it-justice,kz-president", "--out", "out")
    assert result.exit_code == 0, result.output
    assert "The appeal is won: these are the thank-you letters." in result.output
    folder = site.recipients.parent / "out"
    pages, text = pdf_text(folder / "letters.pdf")
    assert pages == 2 and text.count(THANKS_MARKER) == 2
    assert "I respectfully ask" not in text and "La prego" not in text
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["subject"] for entry in manifest["letters"]] == ["Grazie", "Спасибо"]
    message = email.message_from_bytes(
        (folder / "it-justice.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "Grazie" and THANKS_MARKER in message.get_content()


def test_recipients_lists_a_paused_office_with_why(site, run):
    pause_office(
        site, PAUSED, reason="Test: the consulate moved.", replacement="kz-foreign-affairs"
    )
    result = run("recipients")
    assert result.exit_code == 0
    assert (
        f"    PAUSED: {PAUSED} is paused: Test: the consulate moved. (write to "
        "kz-foreign-affairs instead)"
    ) in result.output.splitlines()


def test_check_says_the_state_and_the_paused_offices(site, run):
    pause_office(site, PAUSED)
    write_thanks(site)
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        f"; the appeal is open, paused: {PAUSED}; thank-you letters checked too (24)"
    )


def test_check_refuses_a_replacement_that_is_paused_itself(site, run):
    pause_office(site, "kz-foreign-affairs")
    pause_office(site, PAUSED, replacement="kz-foreign-affairs")
    result = run("check")
    assert result.exit_code == 1
    assert (
        f"{PAUSED}.paused.replacement: kz-foreign-affairs is paused itself, so supporters "
        "could not write to it"
    ) in result.output
