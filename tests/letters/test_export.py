"""export.write_bundle: all files or none, never over an existing folder, private to the user."""

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from campaign import directory
from campaign.errors import CampaignError
from campaign.letters import export, render
from campaign.letters.senders import make_sender
from tests.builders import RECIPIENTS, TEMPLATES


@pytest.fixture(scope="module")
def letters():
    offices = directory.load(RECIPIENTS).recipients[:2]
    bundle_templates = render.load(TEMPLATES)
    sender = make_sender(name="Maria Rossi", city="Milano", country="IT")
    return [render.render_letter(bundle_templates, office, sender) for office in offices]


def test_bundle_has_every_file_and_a_manifest(tmp_path, letters):
    bundle = export.write_bundle(tmp_path / "out", letters, templates_dir=TEMPLATES)
    names = {path.name for path in bundle.folder.iterdir()}
    assert names == {
        "letters.pdf", "it-interior.pdf", "it-justice.pdf",
        "it-interior.eml", "it-justice.eml", "mailto.txt", "manifest.json",
    }  # fmt: skip
    manifest = json.loads((bundle.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in manifest["letters"]] == ["it-interior", "it-justice"]
    assert manifest["letters"][0]["files"] == ["it-interior.pdf", "it-interior.eml"]
    assert manifest["letters"][0]["subject"] == letters[0].subject
    assert stat.S_IMODE(bundle.folder.stat().st_mode) == 0o700


def test_existing_folder_is_never_touched(tmp_path, letters):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(CampaignError, match="already exists"):
        export.write_bundle(folder, letters, templates_dir=TEMPLATES)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_a_failure_while_writing_leaves_no_folder_behind(tmp_path, letters, monkeypatch):
    written = []
    real_write = Path.write_bytes

    def write_then_fail(path, content):
        if len(written) == 3:
            raise OSError("disk full")
        written.append(path)
        return real_write(path, content)

    monkeypatch.setattr(Path, "write_bytes", write_then_fail)
    with pytest.raises(CampaignError, match=r"out: could not write the letters \(disk full\)"):
        export.write_bundle(tmp_path / "out", letters, templates_dir=TEMPLATES)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("parent", ["/proc/no-such-folder", "/etc/passwd"])
def test_an_out_folder_that_cannot_be_made_is_a_clear_error(letters, parent):
    with pytest.raises(CampaignError, match=r"cannot create it .*choose another --out"):
        export.write_bundle(Path(parent) / "out", letters, templates_dir=TEMPLATES)


def test_default_folder_is_new_and_holds_no_name(tmp_path):
    now = dt.datetime(2026, 11, 22, 10, 30, 0)
    first = export.default_folder(tmp_path, now)
    assert first.name == "letters-2026-11-22-103000"
    first.mkdir()
    assert export.default_folder(tmp_path, now).name == "letters-2026-11-22-103000-2"


@pytest.mark.parametrize("value", ["", "pdf,docx", ",,"])
def test_unknown_formats_are_refused(value):
    with pytest.raises(CampaignError, match="use one or more of pdf,eml,mailto"):
        export.parse_formats(value)
