"""The shared YAML reader and checker: lines of syntax errors, typed values, per-language texts."""

from __future__ import annotations

import pytest

from campaign.errors import InvalidData
from campaign.yamlfile.read import Checker, load_document

TEXT = """\
id: 2013
summary:
  en: |-
    First line.
    Second line.
  it: "Riga\\tcon tabulazione"
title:
  en: "One\\nline?"
  de: Titel
tags: [a, "", c]
verified: "last week"
"""


def checked(text: str = TEXT) -> tuple[object, Checker]:
    """The document and a Checker over it."""
    return load_document(text, "f.yaml"), Checker("f.yaml", text.splitlines())


def test_syntax_error_and_non_utf8_byte_have_their_line():
    with pytest.raises(InvalidData, match=r"^f\.yaml:2: YAML syntax error: .*indentation"):
        load_document("a: 1\nb: c: d\nx: 2\n", "f.yaml")
    with pytest.raises(InvalidData, match=r"^f\.yaml:3: is not UTF-8 text"):
        load_document(b"a: 1\nb: 2\nc: \xff\n", "f.yaml")


def test_a_number_where_text_belongs_is_reported_with_its_line_and_the_fix():
    document, checker = checked()
    assert checker.text(document, "id", "id", required=True) == ""
    assert [str(p) for p in checker.problems] == [
        "f.yaml:1: id: id 2013 is not a string (YAML read 2013 as a number); "
        'write it in quotes: "2013"'
    ]


def test_multiline_text_keeps_line_breaks_but_refuses_other_control_characters():
    document, checker = checked()
    summary = checker.localized(document, "summary", "summary", multiline=True)
    assert summary == {"en": "First line.\nSecond line."}
    (problem,) = checker.problems
    assert problem.where == "f.yaml:6" and problem.field == "summary.it"
    assert "control character (U+0009)" in problem.message


def test_one_line_text_refuses_a_line_break_and_unknown_languages():
    document, checker = checked()
    assert checker.localized(document, "title", "title") == {}
    messages = [str(p) for p in checker.problems]
    assert "f.yaml:9: title.de: unknown key 'de'; allowed keys: en, it, ru" in messages
    assert any(m.startswith("f.yaml:8: title.en:") and "on one line" in m for m in messages)


def test_missing_english_and_missing_mapping_say_what_to_add():
    document, checker = checked("summary:\n  it: Testo\n")
    checker.localized(document, "summary", "summary")
    checker.localized(document, "closing", "closing")
    assert [str(p) for p in checker.problems] == [
        "f.yaml:2: summary.en: missing required key 'en'; add `en: ...`",
        "f.yaml:1: closing: missing required key 'closing'; add it, "
        "with a text per language (en, it, ru)",
    ]


def test_lists_and_dates():
    document, checker = checked()
    assert checker.texts(document, "tags", "tags") == ["a", "c"]
    assert checker.date(document, "verified", "verified") == ""
    assert checker.date(load_document("d: 2026-11-22\n", "f.yaml"), "d", "d") == "2026-11-22"
    assert [str(p) for p in checker.problems] == [
        "f.yaml:10: tags[1]: tags[1] is empty; fill it in",
        'f.yaml:11: verified: verified "last week" is not a date; write it as "YYYY-MM-DD"',
    ]


def test_an_impossible_unquoted_date_is_reported_with_its_line():
    text = "id: x\nchronology:\n  - date: 2013-05-32\n"
    with pytest.raises(InvalidData, match=r"campaign\.yaml:3: 2013-05-32 is not a real date"):
        load_document(text, "campaign.yaml")
