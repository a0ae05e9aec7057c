"""The `campaign` command, driven with click's runner."""

import email
import email.policy
import json
import urllib.parse

import pdfplumber
import pytest
from click.testing import CliRunner

from campaign import limits
from campaign.cli import main
from campaign.letters import render_pool

SENDER = [
    "--name", "Maria Rossi", "--street", "Via Roma 1", "--postcode", "20100",
    "--city", "Milano", "--country", "IT", "--email", "maria@example.org",
]  # fmt: skip


@pytest.fixture
def site_emails() -> dict[str, str]:
    """The Italian Ministry of Justice gets a test address, for the mailto links."""
    return {"it-justice": "office@justice.example"}


@pytest.fixture
def campaign_copy(site):
    """The folder of the copy of the bundled campaign."""
    return site.recipients.parent


@pytest.fixture
def run(campaign_copy, monkeypatch):
    """Run `campaign ARGS` inside a copy of the bundled campaign; return the result."""
    monkeypatch.chdir(campaign_copy)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_check_passes_on_the_bundled_campaign(run):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "ok: 8 offices, 3 languages, 24 letters" in result.output


def test_the_files_are_found_from_the_web_apps_settings_too(campaign_copy, tmp_path, monkeypatch):
    """CAMPAIGN_RECIPIENTS and CAMPAIGN_TEMPLATES, as gunicorn is started with, from elsewhere."""
    monkeypatch.chdir(tmp_path)  # no recipients.yaml here
    monkeypatch.setenv("CAMPAIGN_RECIPIENTS", str(campaign_copy / "recipients.yaml"))
    monkeypatch.setenv("CAMPAIGN_TEMPLATES", str(campaign_copy / "letter_templates"))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "ok: 8 offices" in result.output
    monkeypatch.setenv("CAMPAIGN_RECIPIENTS", str(tmp_path / "missing.yaml"))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code != 0 and "missing.yaml" in result.output


def test_check_reports_each_problem_with_file_and_line(run, campaign_copy):
    path = campaign_copy / "recipients.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    bad_country = next(i for i, line in enumerate(lines) if line == "    country: KZ")
    lines[bad_country] = "    country: QQ"
    bad_mail = lines.index("      - office@justice.example")
    lines[bad_mail] = "      - foo@"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (campaign_copy / "letter_templates" / "letter.en.txt").write_text("{{ ''.__class__ }}\n")
    result = run("check")
    assert result.exit_code == 1
    errors = result.output.splitlines()
    assert any(f"recipients.yaml:{bad_country + 1}:" in e and "QQ" in e for e in errors), errors
    assert any(f"recipients.yaml:{bad_mail + 1}:" in e and "foo@" in e for e in errors), errors
    assert "Traceback" not in result.output


def test_check_reports_a_template_escape(run, campaign_copy):
    (campaign_copy / "letter_templates" / "letter.en.txt").write_text("Hi\n{{ ''.__class__ }}\n")
    result = run("check")
    assert result.exit_code == 1
    assert "letter.en.txt:2: '__class__' is not available to letters" in result.output


def test_recipients_table_and_json(run):
    table = run("recipients")
    assert table.exit_code == 0
    assert "kz-nsc-atyrau" in table.output and "Atyrau" in table.output
    listed = json.loads(run("recipients", "--json").output)
    assert len(listed) == 8
    assert listed[0]["id"] == "it-interior"
    assert listed[0]["phones"][0] in ("+390636064651", {"number": "+390636064651"}) or (
        "+390636064651" in json.dumps(listed[0]["phones"])
    )


def test_export_writes_every_file_and_refuses_to_overwrite(run, campaign_copy):
    result = run("export", *SENDER, "--out", "out")
    assert result.exit_code == 0, result.output
    folder = campaign_copy / "out"
    names = {p.name for p in folder.iterdir()}
    assert {
        "letters.pdf",
        "mailto.txt",
        "manifest.json",
        "it-interior.pdf",
        "it-interior.eml",
    } <= names
    assert "Wrote 19 files for 8 offices" in result.output
    again = run("export", *SENDER, "--out", "out")
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_export_manifest_and_mailto(run, campaign_copy):
    # In English and with a name only, the letter fits the mailto budget; in Italian it does not.
    args = ["--name", "Maria Rossi", "--language", "en", "--to", "it-justice,kz-nsc-atyrau"]
    assert run("export", *args, "--out", "o").exit_code == 0
    manifest = json.loads((campaign_copy / "o" / "manifest.json").read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in manifest["letters"]}
    assert set(by_id) == {"it-justice", "kz-nsc-atyrau"}
    assert by_id["kz-nsc-atyrau"]["language"] == "en"
    assert by_id["kz-nsc-atyrau"]["mailto"] is None
    assert "No e-mail address is known" in by_id["kz-nsc-atyrau"]["mailto_reason"]
    link = by_id["it-justice"]["mailto"]
    address, _, query_string = link.removeprefix("mailto:").partition("?")
    assert link.startswith("mailto:") and address == "office@justice.example"
    query = dict(pair.split("=", 1) for pair in query_string.split("&"))
    assert urllib.parse.unquote(query["subject"]) == by_id["it-justice"]["subject"]
    assert urllib.parse.unquote(query["body"]).startswith("Dear Sir or Madam,\r\n\r\n")
    lines = (campaign_copy / "o" / "mailto.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"it-justice\t{link}"
    assert lines[1].startswith("kz-nsc-atyrau\tno link: No e-mail address is known")


def test_export_language_forced_and_formats(run, campaign_copy):
    result = run("export", *SENDER, "--language", "en", "--format", "eml", "--out", "o")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (campaign_copy / "o").iterdir()}
    assert not any(name.endswith(".pdf") for name in names)
    raw = (campaign_copy / "o" / "kz-president.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    assert message["To"] is None
    assert message.get_content().startswith("Dear Mr President,")


def test_export_letter_paper(run, campaign_copy):
    assert (
        run("export", *SENDER, "--to", "kz-president", "--paper", "letter", "--out", "o").exit_code
        == 0
    )
    with pdfplumber.open(campaign_copy / "o" / "letters.pdf") as document:
        page = document.pages[0]
        assert (round(page.width), round(page.height)) == (612, 792)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "A", "--email", "foo@"], '--email: "foo@" is not a valid e-mail address'),
        (["--name", "A", "--to", "it-nowhere"], "unknown office id 'it-nowhere'"),
        (["--name", "A", "--language", "fr"], "Invalid value for '--language'"),
        (["--name", "n" * 500], "--name: is 500 characters long; the limit is 100"),
        (["--name", "A", "--country", "XX"], '--country: "XX" is not a country code'),
        (["--name", "A", "--format", "pdf,docx"], "--format 'pdf,docx': use one or more of"),
        (["--name", "A", "--paper", "a5"], "Invalid value for '--paper'"),
    ],
)
def test_bad_input_gets_one_clear_line(run, args, message):
    result = run("export", *args, "--out", "never")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_html_in_a_note_is_printed_as_the_literal_text(run, campaign_copy):
    note = '<img src="file:///etc/passwd"> {{ 7*7 }}'
    result = run("export", "--name", "A", "--note", note, "--to", "it-interior", "--out", "o")
    assert result.exit_code == 0, result.output
    with pdfplumber.open(campaign_copy / "o" / "letters.pdf") as document:
        text = " ".join(page.extract_text() for page in document.pages)
    assert '<img src="file:///etc/passwd"> {{ 7*7 }}' in text


def test_missing_directory_is_one_line(run):
    result = run("--recipients", "nowhere.yaml", "recipients")
    assert result.exit_code == 1
    assert result.output.startswith("error: nowhere.yaml")


def test_a_long_italian_letter_has_no_mailto_and_says_why(run, campaign_copy):
    assert run("export", *SENDER, "--to", "it-justice", "--out", "o").exit_code == 0
    manifest = json.loads((campaign_copy / "o" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["letters"][0]
    assert entry["mailto"] is None
    assert "too long for a mail link" in entry["mailto_reason"]


def test_check_refuses_a_print_layout_that_export_could_not_split(run, campaign_copy):
    page = campaign_copy / "letter_templates" / "print.html"
    evil = '<a rel="attachment" href="file:///etc/passwd">x</a>'
    page.write_text(page.read_text().replace("<body>", "<body>" + evil, 1))
    result = run("check")
    assert result.exit_code == 1
    assert result.output.count("something is printed before the first letter") == 1
    assert "Traceback" not in result.output


def test_an_attachment_link_inside_a_letter_is_refused_quietly_and_exports(run, campaign_copy):
    page = campaign_copy / "letter_templates" / "print.html"
    link = '<a rel="attachment" href="file:///etc/passwd">x</a>'
    text = page.read_text()
    marker = '<section class="letter"'
    start = text.index(marker)
    end = text.index(">", start) + 1
    page.write_text(text[:end] + link + text[end:])
    assert run("check").exit_code == 0
    out = campaign_copy / "out"
    result = run("export", "--name", "Maria Rossi", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert b"root:" not in (out / "letters.pdf").read_bytes()  # /etc/passwd never fetched


def test_a_pdf_past_its_deadline_is_stopped_and_said_in_one_line(run, monkeypatch):
    monkeypatch.setattr(limits, "CLI_PDF_DEADLINE_S", 0.01)
    monkeypatch.setattr(render_pool, "_shared", None)  # a pool with that deadline
    result = run("export", *SENDER, "--out", "o")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: the letters took longer than 0.01 s to lay out and were stopped; shorten "
        "them, or print fewer at once"
    ]
    assert "Traceback" not in result.output
