"""Shared fixtures: the bundled campaign, and copies of it that a test may change."""

import shutil

import pytest

from campaign.site import Site
from tests.builders import ROOT, copy_site

RECIPIENTS = ROOT / "recipients.yaml"
TEMPLATES = ROOT / "letter_templates"


@pytest.fixture
def campaign_copy(tmp_path):
    """A copy of recipients.yaml and letter_templates/ in tmp_path, with one office e-mail added.

    The bundled offices have no known e-mail (the source hid them), so tests of mailto links
    give the Italian Ministry of Justice a test address on a reserved domain.
    """
    shutil.copytree(TEMPLATES, tmp_path / "letter_templates")
    text = RECIPIENTS.read_text(encoding="utf-8")
    start = text.index("  - id: it-justice")
    marker = "    emails: []\n"
    position = text.index(marker, start)
    text = (
        text[:position]
        + '    emails: ["office@justice.example"]\n'
        + text[position + len(marker) :]
    )
    (tmp_path / "recipients.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def site(tmp_path) -> Site:
    """A Site on a copy of the bundled campaign in tmp_path, with an empty instance folder."""
    return copy_site(tmp_path)
