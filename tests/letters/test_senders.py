"""The supporter's details: limits, e-mail, country, and literal text."""

import pytest

from campaign.errors import InvalidData
from campaign.letters.senders import LIMITS, make_sender


def fields_of(error: InvalidData) -> set[str]:
    return {problem.where for problem in error.problems}


def test_a_full_sender_is_tidied():
    sender = make_sender(
        name="  Anna\r\nBcc: x@y.z ",
        city="Milano",
        country="it",
        email="anna@EXAMPLE.org",
        note="Line one.\r\n\r\nLine two.\x00",
    )
    assert sender.name == "Anna Bcc: x@y.z"
    assert sender.country == "IT"
    assert sender.email == "anna@example.org"
    assert sender.note == "Line one.\n\nLine two."


def test_every_bad_field_is_named_at_once():
    with pytest.raises(InvalidData) as caught:
        make_sender(name="", email="foo@", country="XX", note="x" * (LIMITS["note"] + 1))
    assert fields_of(caught.value) == {"name", "email", "country", "note"}
    messages = str(caught.value)
    assert '"foo@" is not a valid e-mail address' in messages
    assert f"the limit is {LIMITS['note']}" in messages


def test_a_500_character_name_is_refused():
    with pytest.raises(InvalidData, match="name: is 500 characters long; the limit is 100"):
        make_sender(name="n" * 500)


def test_html_and_jinja_stay_as_typed():
    sender = make_sender(name="<img src=x> {{ 1+1 }}", note="<script>alert(1)</script>")
    assert sender.name == "<img src=x> {{ 1+1 }}"
    assert sender.note == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "hidden",
    ["\u202e", "\u202a", "\u2066", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"],
)
def test_direction_and_invisible_characters_are_removed(hidden):
    sender = make_sender(name=f"Ma{hidden}ria Rossi", city=f"Mi{hidden}lano", note=f"a{hidden}b")
    assert (sender.name, sender.city, sender.note) == ("Maria Rossi", "Milano", "ab")
