"""The disclosure rules in the one rulebook: every way in refuses the same things, at their line.

A rule that is no rule, an office's `organisation` while campaign.yaml gives no organisation's
address, a default that needs one, a broken organisation block, a safety note without English:
refused by a console save and, written by hand, by `campaign check`, with the same problems;
the CSV import and the web app's reload refuse them too.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from campaign import directory, editing
from campaign.cli import main
from campaign.editing import campaign_fields, csv_import
from campaign.errors import InvalidData
from campaign.rulebook import load_site
from campaign.storage import safe_files
from campaign.web import create_app
from campaign.yamlfile import dump_document
from tests.builders import ORGANISATION, set_disclosure
from tests.editing.test_rulebook import BadEdit, check_problems, document, update

NOTE_IN_RUSSIAN = {"ru": "Только по-русски."}


def campaign_change(**fields):
    """A change of campaign.yaml's editable fields."""
    return lambda doc: campaign_fields.set_campaign_fields(doc, fields)


BAD_EDITS = {
    "rule-misspelt": document("recipients.yaml", update("it-justice", disclosure="citty")),
    "office-organisation-without-its-address": document(
        "recipients.yaml", update("kz-president", disclosure="organisation")
    ),
    "safety-note-without-english": document(
        "recipients.yaml", update("kz-president", safety_note=NOTE_IN_RUSSIAN)
    ),
    "safety-note-over-its-limit": document(
        "recipients.yaml", update("kz-president", safety_note={"en": "x" * 1001})
    ),
    "default-misspelt": document("campaign.yaml", campaign_change(disclosure="nmae")),
    "default-organisation-without-its-address": document(
        "campaign.yaml", campaign_change(disclosure="organisation")
    ),
    "organisation-without-an-address": document(
        "campaign.yaml", campaign_change(organisation={"name": "Example Rights Foundation"})
    ),
    "organisation-in-no-country": document(
        "campaign.yaml",
        campaign_change(
            organisation={**ORGANISATION, "address": {**ORGANISATION["address"], "country": "XX"}}
        ),
    ),
}


@pytest.mark.parametrize("bad", BAD_EDITS.values(), ids=BAD_EDITS.keys())
def test_the_console_and_campaign_check_refuse_the_same_rule(site, bad: BadEdit):
    path = site.path_of(bad.file)
    before = path.read_bytes()
    with pytest.raises(InvalidData) as refused:
        editing.save(site, bad.file, safe_files.version(before), bad.edit, "maria")
    assert path.read_bytes() == before
    console = refused.value.problems
    path.write_bytes(bad.edit(before))  # the same content, by hand
    assert check_problems(site) == console


def problems_of(site) -> list[str]:
    """The problems the rulebook finds in the files on disk, as `campaign check` prints them."""
    with pytest.raises(InvalidData) as refused:
        load_site(site)
    return [str(problem) for problem in refused.value.problems]


def line_of(path, text: str) -> int:
    """The 1-based line of the first line of the file containing `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


# --- the messages: where, what, and the fix -----------------------------------------------------


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("citty", ' (did you mean "city"?)'),
        ("Name", ' (did you mean "name"?)'),
        ("organization", ' (did you mean "organisation"?)'),
        ("everything", ""),
    ],
)
def test_a_rule_that_is_no_rule_is_refused_at_its_line_with_a_hint(site, written, hint):
    text = site.recipients.read_text(encoding="utf-8")
    site.recipients.write_text(text.replace("disclosure: name", f"disclosure: {written}", 1))
    line = line_of(site.recipients, f"disclosure: {written}")
    assert problems_of(site) == [
        f"{site.recipients}:{line}: kz-embassy-italy-consular.disclosure: "
        f'"{written}" is not a disclosure rule{hint}; use one of full, city, name, organisation'
    ]


def test_a_rule_that_is_not_text_is_refused(site):
    text = site.recipients.read_text(encoding="utf-8")
    site.recipients.write_text(text.replace("disclosure: full", "disclosure: [full]", 1))
    (problem,) = problems_of(site)
    assert problem.endswith(
        "it-interior.disclosure: disclosure is a list, not a line of text; write a single value"
    )


def test_an_office_under_organisation_needs_the_organisations_address(site):
    set_disclosure(site, {"kz-president": "organisation"})
    line = directory.load(site.recipients).line_of("kz-president", "disclosure")
    assert "disclosure: organisation" in site.recipients.read_text().splitlines()[line - 1]
    assert problems_of(site) == [
        f'{site.recipients}:{line}: kz-president.disclosure: "organisation" prints the '
        "organisation's return address instead of the supporter's, but campaign.yaml has none: "
        "add an `organisation:` block there (its name and address, as an office's), or choose "
        "full, city or name for this office"
    ]
    set_disclosure(site, {}, organisation=ORGANISATION)  # the fix the message gives
    assert load_site(site).appeal.campaign.organisation.name == "Example Rights Foundation"


def test_a_default_of_organisation_needs_the_organisations_address(site):
    path = site.templates / "campaign.yaml"
    path.write_text(path.read_text().replace("disclosure: name", "disclosure: organisation"))
    line = line_of(path, "disclosure: organisation")
    (problem,) = problems_of(site)
    assert problem.startswith(f'{path}:{line}: disclosure: "organisation" prints the ')
    assert "add an `organisation:` block with its name and address" in problem


def test_the_organisation_block_is_checked_like_an_office_address(site):
    path = site.templates / "campaign.yaml"
    block = (
        "organisation:\n"
        "  name: Example Rights Foundation\n"
        "  adress:\n"
        "    city: Warszawa\n"
        "  address:\n"
        "    lines: [ul. Testowa 5]\n"
        "    country: Poland\n"
    )
    path.write_text(path.read_text() + block)
    problems = problems_of(site)
    assert [re.sub(r"^.*?:\d+: ", "", problem) for problem in problems] == [
        "organisation.adress: unknown key 'adress' (did you mean 'address'?); allowed keys: "
        "name, address",
        "organisation.address.city: missing required key 'city'; add `city: ...`",
        "organisation.address.country: 'Poland' is not an ISO 3166-1 country code; use the "
        "two-letter code, e.g. IT for Italy, KZ for Kazakhstan",
    ]
    assert all(problem.startswith(f"{path}:") for problem in problems)


def test_a_safety_note_is_checked_like_an_ask(site):
    text = site.recipients.read_text(encoding="utf-8")
    site.recipients.write_text(
        text.replace("    safety_note:\n      en: ", "    safety_note:\n      de: ", 1)
    )
    problems = problems_of(site)
    assert [problem.split(": ", 2)[1:] for problem in problems] == [
        [
            "kz-embassy-italy-consular.safety_note.de",
            "unknown key 'de'; allowed keys: en, it, ru",
        ],
        [
            "kz-embassy-italy-consular.safety_note.en",
            "missing required key 'en'; add `en: ...`",
        ],
    ]


def test_an_empty_safety_note_is_no_note(site):
    set_disclosure(site, {})
    text = site.recipients.read_text(encoding="utf-8")
    start = text.index("    safety_note:\n")
    end = text.index("    # The source makes no demand", start)
    site.recipients.write_text(text[:start] + "    safety_note: {}\n" + text[end:])
    office = load_site(site).directory.get("kz-embassy-italy-consular")
    assert office.safety_note == {}


# --- the command line, the CSV import, the web app's reload --------------------------------------


def test_campaign_check_prints_one_line_per_problem(site, monkeypatch):
    set_disclosure(site, {"kz-president": "organisation", "it-justice": "organisation"})
    monkeypatch.chdir(site.recipients.parent)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert [re.sub(r":\d+: ", ":N: ", line).split(" prints")[0] for line in lines] == [
        'error: recipients.yaml:N: it-justice.disclosure: "organisation"',
        'error: recipients.yaml:N: kz-president.disclosure: "organisation"',
    ]
    assert all("campaign.yaml has none" in line for line in lines)

    set_disclosure(site, {"kz-president": "name", "it-justice": "adress"})
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: recipients.yaml:") and '"adress" is not a disclosure' in line


def test_the_csv_import_refuses_a_rule_that_is_no_rule_at_its_line(site):
    loaded = directory.load(site.recipients)
    data = b"id,disclosure\nit-justice,city\nkz-president,nome\n"
    preview = csv_import.preview_import(data, loaded.document)
    (problem,) = preview.problems
    assert (problem.where, problem.field) == ("import.csv:3", "kz-president.disclosure")
    assert problem.message == (
        '"nome" is not a disclosure rule (did you mean "name"?); use one of full, city, name, '
        "organisation"
    )


def test_the_csv_import_of_an_organisation_rule_is_refused_by_the_rulebook(site):
    loaded = directory.load(site.recipients)
    data = b"id,disclosure,safety_note_en\nkz-president,organisation,Careful.\n"
    preview = csv_import.preview_import(data, loaded.document)
    assert preview.ok  # the row is a valid office; the campaign lacks the address
    edit = editing.in_document(
        lambda doc: csv_import.apply_import(preview, doc), site.recipients.name
    )
    with pytest.raises(InvalidData, match=r"kz-president\.disclosure") as refused:
        editing.save(site, site.recipients.name, loaded.version, edit, "maria")
    (problem,) = refused.value.problems
    assert "campaign.yaml has none" in problem.message


def test_the_csv_import_brings_the_rule_and_the_safety_note(site):
    loaded = directory.load(site.recipients)
    data = b"id,disclosure,safety_note_en,safety_note_it\nit-justice,city,Careful.,Attenzione.\n"
    preview = csv_import.preview_import(data, loaded.document)
    assert preview.ok, preview.problems
    edit = editing.in_document(
        lambda doc: csv_import.apply_import(preview, doc), site.recipients.name
    )
    editing.save(site, site.recipients.name, loaded.version, edit, "maria")
    office = directory.load(site.recipients).get("it-justice")
    assert office.disclosure == "city"
    assert office.safety_note == {"en": "Careful.", "it": "Attenzione."}


def test_the_csv_export_has_the_rule_and_the_safety_note_columns():
    from campaign.directory import interchange

    assert "disclosure" in interchange.COLUMNS
    assert {"safety_note_en", "safety_note_it", "safety_note_ru"} <= set(interchange.COLUMNS)


def test_a_hand_edit_the_rulebook_refuses_keeps_the_last_good_campaign_served(site):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(site.instance),
            "RECIPIENTS": str(site.recipients),
            "TEMPLATES": str(site.templates),
        }
    )
    resources = app.extensions["campaign.resources"]
    assert resources.get().directory.get("kz-president").disclosure == "name"
    document = directory.load(site.recipients).document
    directory_edit = update("kz-president", disclosure="organisation")
    directory_edit(document)
    site.recipients.write_bytes(dump_document(document, site.recipients.name))
    served = resources.get()
    assert served.directory.get("kz-president").disclosure == "name"  # the last good one
    assert any("kz-president.disclosure" in problem for problem in resources.problems)
    assert app.test_client().get("/").status_code == 200
