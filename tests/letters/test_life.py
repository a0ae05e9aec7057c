"""The appeal's life in campaign.yaml: its state, the update log, the thank-you letters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from campaign import rulebook
from campaign.errors import InvalidData
from campaign.letters import render, states
from campaign.letters.campaign_file import parse_campaign
from campaign.letters.senders import make_sender
from tests.builders import (
    TEMPLATES,
    THANKS_MARKER,
    change_campaign,
    pause_office,
    write_thanks,
)

BUNDLED = (TEMPLATES / "campaign.yaml").read_bytes()
TODAY = dt.date(2026, 11, 22)
# The lines of `state: open` and of `updates: []` in the bundled file (problems name them).
STATE = BUNDLED.split(b"\n").index(b"state: open") + 1
UPDATES = BUNDLED.split(b"\n").index(b"updates: []") + 1


def parsed(old: bytes, new: bytes):
    """The bundled campaign.yaml with one text replaced, parsed."""
    assert old in BUNDLED
    return parse_campaign(BUNDLED.replace(old, new))


def problems_of(old: bytes, new: bytes) -> list[str]:
    """What parsing the bundled campaign.yaml with `old` replaced by `new` reports."""
    with pytest.raises(InvalidData) as refused:
        parsed(old, new)
    return [str(problem) for problem in refused.value.problems]


def with_updates(yaml: str) -> bytes:
    """The bundled campaign.yaml with `yaml` as its update log."""
    assert b"updates: []" in BUNDLED
    return BUNDLED.replace(b"updates: []", yaml.encode())


# --- the state ------------------------------------------------------------------------------


def test_the_bundled_appeal_is_open_with_an_empty_log():
    campaign = parse_campaign(BUNDLED)
    assert (campaign.state, campaign.updates, campaign.pause_reason) == ("open", (), {})
    assert states.state_of(campaign) == "open"


@pytest.mark.parametrize("state", ["open", "closed"])
def test_open_and_closed_need_no_note(state):
    assert parsed(b"state: open", f"state: {state}".encode()).state == state


def test_a_pause_needs_its_reason_and_a_win_its_outcome():
    for state, key in (("paused", "pause_reason"), ("won", "outcome")):
        found = problems_of(b"state: open", f"state: {state}".encode())
        assert len(found) == 1
        assert (
            f"campaign.yaml:{STATE}: {key}: the appeal is {state}, so `{key}:` must say it"
            in found[0]
        )
        assert "English required" in found[0]


def test_a_pause_with_its_reason_in_two_languages():
    campaign = parsed(
        b"state: open",
        b"state: paused\npause_reason:\n  en: The offices are being checked.\n  it: Verifica.\n",
    )
    assert campaign.state == "paused"
    assert campaign.pause_reason == {"en": "The offices are being checked.", "it": "Verifica."}


def test_the_reason_is_checked_like_every_text():
    found = problems_of(
        b"state: open",
        b"state: paused\npause_reason:\n  it: Solo italiano.\n  de: Nein.\n",
    )
    assert any("pause_reason.de: unknown key 'de'" in problem for problem in found), found
    assert any("pause_reason.en: missing required key 'en'" in problem for problem in found)
    long = "x" * 2001
    found = problems_of(b"state: open", f"state: won\noutcome:\n  en: {long}\n".encode())
    assert found == [
        f"campaign.yaml:{STATE + 2}: outcome.en: en is 2,001 characters long; the limit is 2,000"
    ]


def test_an_unknown_state_names_the_four():
    found = problems_of(b"state: open", b"state: finished")
    assert found == [
        f'campaign.yaml:{STATE}: state: state "finished" is not one of open, paused, won, closed'
    ]


def test_the_old_open_key_is_refused_with_the_fix():
    found = problems_of(b"state: open", b"open: false")
    assert found == [
        f"campaign.yaml:{STATE}: open: `open:` is replaced by `state:`; write `state: open` (or "
        "paused, won, closed) instead of this line"
    ]


def test_a_deadline_closes_an_open_or_paused_appeal_but_not_a_won_one():
    deadline = b'deadline: "2026-11-21"'
    past = parsed(b'deadline: ""', deadline)
    assert states.state_of(past, TODAY) == "closed"
    assert states.state_of(past, dt.date(2026, 11, 21)) == "open"  # the last day is still open
    paused = dataclasses.replace(past, state="paused", pause_reason={"en": "Checking."})
    assert states.state_of(paused, TODAY) == "closed"
    won = dataclasses.replace(past, state="won", outcome={"en": "She is home."})
    assert states.state_of(won, TODAY) == "won"
    assert states.deadline_passed(won, TODAY)


# --- the update log ---------------------------------------------------------------------------


def test_updates_with_a_source_a_web_address_or_both():
    campaign = parse_campaign(
        with_updates(
            "updates:\n"
            "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: First.\n"
            "  - date: 2013-10-01\n    url: https://example.org/news/1\n    text:\n"
            "      en: Second.\n      ru: Второе.\n"
            "  - date: 2013-09-15\n    source: quotes\n    url: http://example.org/x?a=1\n"
            "    text:\n      en: Third.\n"
        )
    )
    assert [(u.date, u.source, u.url) for u in campaign.updates] == [
        ("2013-09-01", "appeal", ""),
        ("2013-10-01", "", "https://example.org/news/1"),
        ("2013-09-15", "quotes", "http://example.org/x?a=1"),
    ]
    assert campaign.updates[1].text == {"en": "Second.", "ru": "Второе."}


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            "  - date: 2013-09-01\n    text:\n      en: No source.\n",
            f"campaign.yaml:{UPDATES + 1}: updates[0].source: an update needs its source: the id "
            "of a "
            "document under sources (source: ...), a web address where it is published (url: "
            "https://...), or both",
        ),
        (
            "  - date: 2013-09-01\n    source: press\n    text:\n      en: Unknown source.\n",
            f'campaign.yaml:{UPDATES + 2}: updates[0].source: "press" is not in sources: '
            "statement, "
            "appeal, quotes",
        ),
        (
            "  - date: 2013-09-01\n    url: example.org/news\n    text:\n      en: No scheme.\n",
            f'campaign.yaml:{UPDATES + 2}: updates[0].url: "example.org/news" is not a web '
            "address: a web "
            "address starts with https:// (or http://)",
        ),
        (
            "  - date: 2013-09-01\n    url: https://example.org/a b\n    text:\n      en: Space.\n",
            "updates[0].url: \"https://example.org/a b\" is not a web address: a web address has "
            "no spaces",
        ),
        (
            "  - date: 2013-09-01\n    url: javascript:alert(1)\n    text:\n      en: Script.\n",
            "is not a web address: a web address starts with https://",
        ),
        (
            "  - date: 2013-09-01\n    url: https://localhost/\n    text:\n      en: No site.\n",
            "is not a web address: a web address names a site after https://",
        ),
        (
            '  - date: "1 September 2013"\n    source: appeal\n    text:\n      en: Bad date.\n',
            f'campaign.yaml:{UPDATES + 1}: updates[0].date: date "1 September 2013" is not a '
            "date; write "
            'it as "YYYY-MM-DD"',
        ),
        (
            "  - date: 2013-09-01\n    source: appeal\n    text:\n      it: Solo italiano.\n",
            "updates[0].text.en: missing required key 'en'",
        ),
        (
            "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: Typo.\n"
            "    ulr: https://example.org/\n",
            "updates[0].ulr: unknown key 'ulr' (did you mean 'url'?)",
        ),
        (
            "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: " + "x" * 1001 + "\n",
            "updates[0].text.en: en is 1,001 characters long; the limit is 1,000",
        ),
        ("  - just a line\n", "updates[0]: each update must be a mapping starting with '- date"),
    ],
    ids=["no-source", "unknown-source", "no-scheme", "space", "javascript", "no-dot",
         "bad-date", "no-english", "typo", "too-long", "not-a-mapping"],
)  # fmt: skip
def test_every_bad_update_is_refused_at_its_line(update, message):
    with pytest.raises(InvalidData) as refused:
        parse_campaign(with_updates("updates:\n" + update))
    found = [str(problem) for problem in refused.value.problems]
    assert any(message in problem for problem in found), found


def test_too_many_updates_are_refused():
    entry = "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: One.\n"
    with pytest.raises(InvalidData, match="updates has 201 items; the limit is 200"):
        parse_campaign(with_updates("updates:\n" + entry * 201))


# --- the thank-you letters ------------------------------------------------------------------


def test_thank_you_letters_are_offered_only_once_won(site):
    write_thanks(site)
    appeal = render.load(site.templates)
    assert set(appeal.thanks) == {"en", "it", "ru"}
    assert states.letters_offered(appeal) is appeal  # open: the appeal itself
    change_campaign(site, {"state": "won", "outcome": {"en": "Test outcome."}})
    won = render.load(site.templates)
    offered = states.letters_offered(won)
    assert offered is not None and offered.thanks_only and offered.call_scripts == {}
    office = rulebook.load_site(site).directory.get("it-interior")
    letter = render.render_letter(offered, office, make_sender(name="Anna"), today=TODAY)
    assert THANKS_MARKER in letter.body and letter.subject == "Grazie"
    assert letter.language == "it" and letter.salutation == "Egregio Signor Ministro,"


def test_a_won_appeal_without_thanks_offers_nothing_and_says_why(site):
    change_campaign(site, {"state": "won", "outcome": {"en": "She is home."}})
    appeal = render.load(site.templates)
    assert states.letters_offered(appeal) is None
    with pytest.raises(states.NoLetters, match="the appeal is won and there is no thank-you"):
        states.require_letters(appeal)


@pytest.mark.parametrize(
    ("state", "plain", "message"),
    [
        ("paused", {"pause_reason": {"en": "Checking."}}, "the appeal is paused, so no letters "
         "are made: Checking."),
        ("closed", {}, "the appeal is closed (state: closed in campaign.yaml)"),
    ],
)  # fmt: skip
def test_no_letters_when_paused_or_closed(site, state, plain, message):
    change_campaign(site, {"state": state, **plain})
    with pytest.raises(states.NoLetters, match=message.replace("(", r"\(").replace(")", r"\)")):
        states.require_letters(render.load(site.templates))


def test_thanks_in_one_language_only_is_refused(site):
    (site.templates / "thanks.en.txt").write_text("Thank you.\n", encoding="utf-8")
    with pytest.raises(InvalidData) as refused:
        rulebook.load_site(site)
    found = [str(problem) for problem in refused.value.problems]
    assert found == [
        f"{site.templates / 'thanks.it.txt'}: missing; thanks.en.txt exists, and a thank-you "
        "letter needs one in every language (en, it, ru), like the appeal: write it, or remove "
        "the others"
    ]


def test_thanks_without_their_subjects_is_refused(site):
    for language in ("en", "it", "ru"):
        (site.templates / f"thanks.{language}.txt").write_text("Thank you.\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="thanks_subjects is missing"):
        rulebook.load_site(site)


def test_a_thanks_letter_is_checked_in_the_sandbox_like_the_appeal(site):
    write_thanks(site)
    (site.templates / "thanks.ru.txt").write_text("{{ ''.__class__ }}\n", encoding="utf-8")
    with pytest.raises(InvalidData) as refused:
        rulebook.load_site(site)
    found = [str(problem) for problem in refused.value.problems]
    assert len(found) == 1 and f"{site.templates / 'thanks.ru.txt'}:1:" in found[0], found
    (site.templates / "thanks.ru.txt").write_text("{{ sender.nmae }}\n", encoding="utf-8")
    with pytest.raises(InvalidData, match=r"thanks\.ru\.txt:1: .*nmae"):
        rulebook.load_site(site)


# --- paused offices ---------------------------------------------------------------------------


def test_writable_leaves_out_the_paused_offices(site):
    pause_office(site, "kz-embassy-italy-consular", replacement="kz-foreign-affairs")
    offices = rulebook.load_site(site).directory.recipients
    assert "kz-embassy-italy-consular" not in [office.id for office in states.writable(offices)]
    assert len(states.writable(offices)) == len(offices) - 1
    paused = next(office for office in offices if states.is_paused(office))
    assert states.paused_note(paused) == (
        "kz-embassy-italy-consular is paused: Test pause of kz-embassy-italy-consular: its "
        "address is being checked. (write to kz-foreign-affairs instead)"
    )
