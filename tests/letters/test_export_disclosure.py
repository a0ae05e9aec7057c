"""`campaign export` follows each office's disclosure rule: the PDFs, the drafts, mailto.txt,
the manifest, and what the command says."""

from __future__ import annotations

import email
import email.policy
import json
from urllib.parse import unquote

import pdfplumber
import pytest
from click.testing import CliRunner

from campaign.cli import main

MM = 72 / 25.4
SUPPORTER = [
    "--name", "Maria Rossi", "--street", "Via Zanardelli 7", "--postcode", "34121",
    "--city", "Trieste", "--country", "IT", "--email", "maria.rossi@example.net",
]  # fmt: skip
HIDDEN = ("Via Zanardelli 7", "34121", "Trieste", "maria.rossi@example.net")


@pytest.fixture
def site_emails() -> dict[str, str]:
    """Two offices with an address: one under `full`, one under `name`."""
    return {"it-justice": "office@justice.example", "kz-nsc-atyrau": "office@nsc.example"}


@pytest.fixture
def exported(site, monkeypatch, tmp_path):
    """The bundled campaign's letters exported for the supporter: the folder and the output."""
    monkeypatch.chdir(site.recipients.parent)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", *SUPPORTER, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def first_page(path) -> tuple[str, str]:
    """The letterhead's text and the whole first page's text of a PDF."""
    with pdfplumber.open(path) as document:
        page = document.pages[0]
        letterhead = page.within_bbox((100 * MM, 10 * MM, 191 * MM, 44.9 * MM)).extract_text()
        return letterhead or "", page.extract_text() or ""


def test_the_pdfs_follow_each_offices_rule(exported):
    out, _ = exported
    letterhead, _ = first_page(out / "it-justice.pdf")
    assert letterhead.splitlines() == [
        "Maria Rossi",
        "Via Zanardelli 7",
        "34121 Trieste",
        "Italia",
        "maria.rossi@example.net",
    ]
    letterhead, text = first_page(out / "kz-general-prosecutor.pdf")
    assert letterhead.splitlines() == ["Maria Rossi"]
    assert all(hidden not in text for hidden in HIDDEN)
    with pdfplumber.open(out / "letters.pdf") as document:
        pages = [page.extract_text() or "" for page in document.pages]
    kazakh = [text for text in pages if "Уважаем" in text]
    assert len(kazakh) == 5 and all(h not in t for t in kazakh for h in HIDDEN)


def test_the_drafts_follow_each_offices_rule(exported):
    out, _ = exported
    policy = email.policy.default
    full = email.message_from_bytes((out / "it-justice.eml").read_bytes(), policy=policy)
    assert full["From"] == "Maria Rossi <maria.rossi@example.net>"
    assert "Via Zanardelli 7" in full.get_content()
    for office in ("kz-nsc-atyrau", "kz-president"):
        raw = (out / f"{office}.eml").read_bytes()
        message = email.message_from_bytes(raw, policy=policy)
        assert message["From"] is None
        assert message.get_content().rstrip().endswith("Maria Rossi")
        assert all(hidden.encode() not in raw for hidden in HIDDEN)
    links = dict(line.split("\t") for line in (out / "mailto.txt").read_text().splitlines())
    assert links["kz-nsc-atyrau"].startswith("mailto:") or "no link" in links["kz-nsc-atyrau"]
    assert all(hidden not in unquote(links["kz-nsc-atyrau"]) for hidden in HIDDEN)


def test_the_manifest_and_the_output_name_each_rule(exported):
    out, output = exported
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rules = {entry["id"]: entry["disclosure"] for entry in manifest["letters"]}
    assert rules["it-interior"] == "full" and rules["kz-president"] == "name"
    assert "  it-interior: your name, address and e-mail\n" in output
    assert "  kz-president: your name only\n" in output
    assert "an e-mail, a call or a fax shows more" in output
