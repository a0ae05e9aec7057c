"""Test data builders: where the bundled campaign is, and the values tests build letters from."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = ROOT / "recipients.yaml"
TEMPLATES = ROOT / "letter_templates"
