"""Test data builders: where the bundled campaign is, and the values tests build letters from."""

from __future__ import annotations

import shutil
from pathlib import Path

from campaign.site import Site

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = ROOT / "recipients.yaml"
TEMPLATES = ROOT / "letter_templates"


def copy_site(folder: Path) -> Site:
    """A Site on a copy of the bundled recipients.yaml and letter_templates/ in `folder`."""
    shutil.copyfile(RECIPIENTS, folder / "recipients.yaml")
    shutil.copytree(TEMPLATES, folder / "letter_templates")
    return Site(folder / "recipients.yaml", folder / "letter_templates", folder / "instance")
