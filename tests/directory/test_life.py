"""The appeal's life in recipients.yaml: paused offices and their replacements, talking points."""

from __future__ import annotations

import pytest

from campaign import directory
from campaign.editing import csv_import, offices
from campaign.errors import InvalidData
from campaign.models import Pause
from campaign.yamlfile import dump_document, load_document
from tests.builders import OFFICE_IDS
from tests.builders import RECIPIENTS as BUNDLED

# Two offices: B is paused (the block at line 12), A takes letters. Line numbers are used below.
TWO = """\
recipients:
  - id: office-a
    office: Office A
    country: IT
    language: it
    salutation: {en: Dear Sir, it: Egregio Signore}
    address: {lines: [Via Roma 1], city: Roma, country: IT}
    emails: [a@example.org]
    ask: {en: act, it: agire}
  - id: office-b
    office: Office B
    country: IT
    language: it
    salutation: {en: Dear Sir, it: Egregio Signore}
    address: {lines: [Via Roma 2], city: Roma, country: IT}
    emails: [b@example.org]
    ask: {en: act, it: agire}
    paused:
      reason:
        en: It moved.
        ru: Переехало.
      replacement: office-a
"""


def problems(text: str) -> list[str]:
    """What parsing the directory `text` reports."""
    with pytest.raises(InvalidData) as refused:
        directory.parse(load_document(text, "r.yaml"), "r.yaml", text=text)
    return [str(problem) for problem in refused.value.problems]


def parse(text: str):
    """The offices of the directory `text`."""
    return directory.parse(load_document(text, "r.yaml"), "r.yaml", text=text)


def test_the_bundled_offices_take_letters_and_have_points_in_three_languages():
    loaded = directory.load(BUNDLED)
    assert [office.pause for office in loaded.recipients] == [None] * len(OFFICE_IDS)
    for office in loaded.recipients:
        assert set(office.talking_points) == {"en", "it", "ru"}, office.id
        sizes = {len(points) for points in office.talking_points.values()}
        assert sizes == {3}, office.id  # the same points in each language


def test_a_paused_office_with_its_reason_and_replacement():
    office_a, office_b = parse(TWO)
    assert office_a.pause is None
    assert office_b.pause == Pause(
        reason={"en": "It moved.", "ru": "Переехало."}, replacement="office-a"
    )


def test_an_empty_pause_means_the_office_takes_letters():
    for empty in ("    paused: {}\n", "    paused:\n"):
        text = TWO.split("    paused:\n")[0] + empty
        assert parse(text)[1].pause is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      replacement: office-a", "      replacement: office-c",
         "r.yaml:22: office-b.paused.replacement: 'office-c' is not an office of the directory; "
         "known ids: office-a"),
        ("      replacement: office-a", "      replacement: office-b",
         "r.yaml:22: office-b.paused.replacement: office-b cannot replace itself"),
        ("        en: It moved.\n", "",
         "r.yaml:20: office-b.paused.reason.en: missing required key 'en'"),
        ("      replacement: office-a", "      replacement: office-a\n      until: 2027-01-01",
         "office-b.paused.until: unknown key 'until'; allowed keys: reason, replacement"),
        ("        en: It moved.", "        en: " + "x" * 1001,
         "office-b.paused.reason.en: en is 1,001 characters long; the limit is 1,000"),
        ("    paused:\n      reason:\n        en: It moved.\n        ru: Переехало.\n"
         "      replacement: office-a\n", "    paused: yes\n",
         "office-b.paused: paused must be a mapping of 'name: value' lines: reason and "
         "replacement"),
    ],
    ids=["unknown", "itself", "no-english", "unknown-key", "too-long", "not-a-mapping"],
)  # fmt: skip
def test_every_bad_pause_is_refused_at_its_line(old, new, message):
    assert old in TWO
    found = problems(TWO.replace(old, new))
    assert any(message in problem for problem in found), found


def test_a_replacement_that_is_paused_itself_is_refused_so_there_is_no_cycle():
    cycle = TWO.replace(
        "    ask: {en: act, it: agire}\n  - id: office-b",
        "    ask: {en: act, it: agire}\n    paused:\n      reason: {en: Closed.}\n"
        "      replacement: office-b\n  - id: office-b",
    )
    found = problems(cycle)
    assert found == [
        "r.yaml:12: office-a.paused.replacement: office-b is paused itself, so supporters could "
        "not write to it; name an office that takes letters",
        "r.yaml:25: office-b.paused.replacement: office-a is paused itself, so supporters could "
        "not write to it; name an office that takes letters",
    ]


def test_talking_points_are_checked_like_the_subjects():
    base = TWO.split("    paused:\n")[0]
    ok = base + "    talking_points:\n      en: [One point., Another point.]\n      ru: [Одно.]\n"
    assert parse(ok)[1].talking_points == {"en": ("One point.", "Another point."), "ru": ("Одно.",)}
    assert parse(base + "    talking_points: {}\n")[1].talking_points == {}
    found = problems(base + "    talking_points:\n      it: [Solo italiano.]\n")
    assert found == ["r.yaml:19: office-b.talking_points.en: en is missing or empty; add a list"]
    found = problems(base + "    talking_points:\n      en: [" + "x" * 301 + "]\n")
    assert any(
        "talking_points.en[0]: en[0] is 301 characters long; the limit is 300" in p for p in found
    ), found
    nine = ", ".join(f"Point {n}." for n in range(9))
    found = problems(base + f"    talking_points:\n      en: [{nine}]\n")
    assert any("en has 9 items; the limit is 8" in problem for problem in found), found


def test_the_console_pauses_and_unpauses_an_office_in_place():
    document = load_document(BUNDLED.read_bytes(), BUNDLED.name)
    before = dump_document(document, BUNDLED.name)
    pause = {"reason": {"en": "Its address is being checked."}, "replacement": "it-justice"}
    offices.update_office(document, "it-interior", {"paused": pause})
    paused = dump_document(document, BUNDLED.name).decode()
    block = (
        "    paused:\n      reason:\n        en: Its address is being checked.\n"
        "      replacement: it-justice\n    tags: [italy, government]\n"
    )
    assert block in paused  # after the talking points and their comment, before the tags
    assert directory.from_bytes(BUNDLED, paused.encode()).get("it-interior").pause.replacement == (
        "it-justice"
    )
    offices.update_office(document, "it-interior", {"paused": {}})
    assert dump_document(document, BUNDLED.name) == before  # no `paused: {}` left behind


def test_the_csv_import_checks_each_row_alone_and_keeps_the_pause():
    text = TWO
    document = load_document(text, "r.yaml")
    csv_text = "id,office\noffice-b,Office B renamed\n"
    preview = csv_import.preview_import(csv_text.encode(), document)
    assert preview.ok, preview.problems  # its replacement is not in the row: not a problem
    csv_import.apply_import(preview, document)
    office_b = parse(dump_document(document, "r.yaml").decode())[1]
    assert (office_b.office, office_b.pause.replacement) == ("Office B renamed", "office-a")


def test_to_plain_round_trips_a_pause_and_points():
    office_b = parse(TWO)[1]
    plain = directory.to_plain(office_b)
    assert plain["paused"] == {
        "reason": {"en": "It moved.", "ru": "Переехало."},
        "replacement": "office-a",
    }
    again = directory.parse({"recipients": [directory.to_plain(parse(TWO)[0]), plain]}, "plain")
    assert again[1].pause == office_b.pause
