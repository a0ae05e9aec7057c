"""One rulebook: what the console refuses `campaign check` refuses, and what both accept serves.

(a) Each bad edit is refused by the console's way in (a save of the edit pipeline, or the CSV
import's preview) and, written to disk by hand instead, by `campaign check`: with the same
problems, at the same file. (b) The bundled campaign and valid variations of it pass the check
and the web app serves the campaign page, the form and the letters for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from campaign import directory, editing, limits
from campaign.check import check_campaign
from campaign.editing import campaign_fields, csv_import
from campaign.editing import offices as edits
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.site import Site
from campaign.storage import audit, safe_files
from campaign.web import create_app
from campaign.yamlfile import dump_document
from tests.web.pages import write_data

SLOW = "Hi.\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}\n"


@dataclass(frozen=True)
class BadEdit:
    """An edit that breaks the campaign: the file it changes and the change."""

    file: str
    edit: editing.Edit


def body(source: str) -> BadEdit:
    """The English letter body replaced by `source`."""
    return BadEdit("letter.en.txt", editing.replaced_by(source))


def document(file: str, change: Callable) -> BadEdit:
    """A change of the round-trip document of a YAML file."""
    return BadEdit(file, editing.in_document(change, file))


def call_script(document):
    """A call script that fails for one office only."""
    document["call_script"]["en"] = (
        "Good morning. {% if recipient.id == 'kz-president' %}{{ recipient.nope }}{% endif %}"
    )


def update(office_id: str, **fields):
    """A change of some fields of one office."""
    return lambda document: edits.update_office(document, office_id, fields)


BAD_EDITS = {
    "body-syntax-error": body("Dear {{ sender.name }\n"),
    "body-escape-in-a-branch-for-some-supporters": body(
        "Hi.\n{% if sender.note %}{{ ''.__class__ }}{% endif %}\n"
    ),
    "body-too-long-for-one-office": body(
        "{% if recipient.id == 'kz-president' %}{{ 'x' * 9000 }}{{ 'y' * 9000 }}{% endif %}Hi.\n"
    ),
    "body-too-slow": body(SLOW),
    "call-script-failing-for-one-office": document("campaign.yaml", call_script),
    "subject-too-long": document(
        "campaign.yaml",
        lambda doc: campaign_fields.set_subjects(doc, "it", ["x" * (limits.SUBJECT + 1)]),
    ),
    "office-name-too-long": document(
        "recipients.yaml", update("it-justice", office="x" * (limits.OFFICE["office"] + 1))
    ),
    "phone-kept-as-a-formula": document(
        "recipients.yaml", update("it-justice", phones=[{"source": '=HYPERLINK("http://x")'}])
    ),
}


def named_files(problems: list[Problem]) -> set[str]:
    """The names of the files the problems are in."""
    return {Path(problem.where.split(":")[0]).name for problem in problems}


def check_problems(site: Site) -> list[Problem]:
    """What `campaign check` reports for the files as they are on disk."""
    problems, summary = check_campaign(site)
    assert problems and not summary
    return problems


# --- (a) what one refuses, all refuse ---------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_EDITS.values(), ids=BAD_EDITS.keys())
def test_the_console_and_campaign_check_refuse_the_same_edit(site, bad):
    path = site.path_of(bad.file)
    before = path.read_bytes()
    with pytest.raises(InvalidData) as refused:
        editing.save(site, bad.file, safe_files.version(before), bad.edit, "maria")
    assert path.read_bytes() == before  # the console wrote nothing
    assert audit.recent_changes(site.database) == []
    console = refused.value.problems
    assert named_files(console) == {bad.file}

    path.write_bytes(bad.edit(before))  # the same content, written by hand
    assert check_problems(site) == console


def test_an_imported_office_over_a_limit_is_refused_by_the_preview_and_by_the_check(site):
    loaded = directory.load(site.recipients)
    data = f"id,ask_en\nit-justice,{'a' * (limits.OFFICE['ask'] + 1)}\n".encode()
    preview = csv_import.preview_import(data, loaded.document)
    assert not preview.ok
    (console,) = preview.problems
    assert (console.where, console.field) == ("import.csv:2", "it-justice.ask.en")
    with pytest.raises(CampaignError, match=r"import\.csv has 1 problem"):
        csv_import.apply_import(preview, loaded.document)

    (row,) = preview.rows  # the same office, written into recipients.yaml by hand
    edits.update_office(loaded.document, row.id, row.plain)
    site.recipients.write_bytes(dump_document(loaded.document, site.recipients.name))
    (checked,) = check_problems(site)
    assert named_files([checked]) == {"recipients.yaml"}
    assert (checked.field, checked.message) == (console.field, console.message)
    assert "is 2,001 characters long; the limit is 2,000" in checked.message


def test_a_print_layout_reaching_python_internals_is_refused_by_every_save_and_the_check(site):
    layout = site.templates / "print.html"
    layout.write_text(
        layout.read_text(encoding="utf-8").replace("<html", "{{ ''.__class__ }}<html", 1),
        encoding="utf-8",
    )
    with pytest.raises(CampaignError, match=r"'print\.html' is not a file the console edits"):
        editing.save(site, "print.html", "", editing.replaced_by("x"), "maria")
    letter = site.path_of("letter.en.txt")
    before = letter.read_bytes()
    with pytest.raises(InvalidData) as refused:  # any save checks the whole campaign
        editing.save(
            site, "letter.en.txt", safe_files.version(before), editing.replaced_by("Hi.\n"), "m"
        )
    assert letter.read_bytes() == before
    console = refused.value.problems
    assert named_files(console) == {"print.html"}
    assert any("'__class__' is not available" in problem.message for problem in console)
    assert check_problems(site) == console


def break_print_layout(site: Site, before: str, inserted: str) -> None:
    """print.html with `inserted` put in front of `before`, as an organiser edits it by hand."""
    layout = site.templates / "print.html"
    text = layout.read_text(encoding="utf-8")
    assert before in text
    layout.write_text(text.replace(before, inserted + before, 1), encoding="utf-8")


def test_a_print_layout_failing_for_a_supporter_without_email_is_refused(site):
    break_print_layout(
        site,
        '<p class="place-date">',
        "{% if not letter.sender_email %}{{ letter.nope }}{% endif %}",
    )
    letter = site.path_of("letter.en.txt")
    before = letter.read_bytes()
    with pytest.raises(InvalidData) as refused:
        editing.save(
            site, "letter.en.txt", safe_files.version(before), editing.replaced_by("Hi.\n"), "m"
        )
    assert named_files(refused.value.problems) == {"print.html"}
    assert named_files(check_problems(site)) == {"print.html"}


def test_a_slow_print_layout_is_stopped_within_the_budget(site, monkeypatch):
    monkeypatch.setattr(limits, "RENDER_BUDGET_S", 0.2)
    loop = "{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}"
    break_print_layout(site, "<html", loop)
    problems = check_problems(site)
    assert named_files(problems) == {"print.html"}
    assert any("takes too long" in problem.message for problem in problems)


def test_a_missing_directory_is_reported_at_its_own_path(site):
    site.recipients.unlink()
    (problem,) = check_problems(site)
    assert named_files([problem]) == {"recipients.yaml"}, problem
    assert "no such file" in problem.message


# --- (b) what the check accepts, the app serves ---------------------------------------------


def bundled(site: Site) -> None:
    """The bundled campaign as it is."""


def add_minimal_office(site: Site) -> None:
    """An office with only the required fields, added in the console."""
    office = {
        "id": "it-senate",
        "office": "Senate of the Italian Republic",
        "country": "IT",
        "language": "it",
        "salutation": {"en": "Dear Senators", "it": "Onorevoli Senatori"},
        "address": {"lines": ["Piazza Madama"], "city": "Roma", "country": "IT"},
        "email_note": "The source lists no e-mail for this office.",
        "ask": {"en": "hold a hearing", "it": "tenere un'audizione"},
    }
    save(site, "recipients.yaml", lambda doc: edits.add_office(doc, office))


def add_english_only_office(site: Site) -> None:
    """An office written to in English, with its texts in English only."""
    office = {
        "id": "uk-foreign-office",
        "office": "Foreign, Commonwealth and Development Office",
        "country": "GB",
        "language": "en",
        "salutation": {"en": "Dear Foreign Secretary"},
        "address": {"lines": ["King Charles Street"], "city": "London", "country": "GB"},
        "email_note": "The source lists no e-mail for this office.",
        "ask": {"en": "raise the case with Kazakhstan"},
    }
    save(site, "recipients.yaml", lambda doc: edits.add_office(doc, office))


EVERY_VALUE = """\
From {{ sender.name }}, {{ sender.street }}, {{ sender.postcode }} {{ sender.city }}, \
{{ sender.country }} ({{ sender.email }}); in {{ language }}.

To {{ recipient.office }} ({{ recipient.id }}, {{ recipient.country }})\
{% if recipient.office_local %}, {{ recipient.office_local }}{% endif %}\
{% if recipient.person %}, {{ recipient.title }} {{ recipient.person }}{% endif %}.
{% if sender.note %}

{{ sender.note }}
{% endif %}

I respectfully ask you to {{ ask }}.
"""


def body_with_every_value(site: Site) -> None:
    """An English body that uses every value a letter template may use."""
    data = site.path_of("letter.en.txt").read_bytes()
    editing.save(
        site, "letter.en.txt", safe_files.version(data), editing.replaced_by(EVERY_VALUE), "maria"
    )


def save(site: Site, file: str, change: Callable) -> None:
    """One console save of a change to a YAML file."""
    version = safe_files.file_version(site.path_of(file))
    editing.save(site, file, version, editing.in_document(change, file), "maria")


VALID = [bundled, add_minimal_office, add_english_only_office, body_with_every_value]


@pytest.mark.parametrize("variation", VALID, ids=[variation.__name__ for variation in VALID])
def test_what_the_check_accepts_the_app_serves(site, variation):
    variation(site)
    problems, summary = check_campaign(site)
    assert problems == [] and summary.startswith("ok: "), problems
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(site.instance),
            "RECIPIENTS": str(site.recipients),
            "TEMPLATES": str(site.templates),
        }
    )
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/write").status_code == 200
    offices = list(directory.load(site.recipients).ids)
    response = client.post("/write", data=write_data(client, offices=offices))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    for office_id in offices:  # a letter for every office, the new ones too
        assert f'id="card-{office_id}"' in page and f"/letters/{office_id}.pdf" in page
    if variation is body_with_every_value:
        assert "From Maria Rossi, Via Roma 1, 20100 Milano, Italy (maria@example.org)" in page
        assert (
            "To Presidential Administration of the Republic of Kazakhstan (kz-president, KZ), "
            "Администрация Президента Республики Казахстан, President of the Republic of "
            "Kazakhstan Nursultan Nazarbayev." in page
        )
        assert "I teach history in Milan." in page
