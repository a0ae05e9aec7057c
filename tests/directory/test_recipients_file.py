"""The recipient directory: the bundled file, and validation with line numbers.

Saving it is the one edit pipeline's: tests/editing/test_pipeline.py.
"""

from __future__ import annotations

from pathlib import Path

import phonenumbers
import pytest

from campaign import directory
from campaign.errors import CampaignError, InvalidData
from campaign.models import LANGUAGES
from tests.builders import OFFICE_IDS
from tests.builders import RECIPIENTS as BUNDLED

OBFUSCATED = {"it-interior", "it-justice", "kz-embassy-italy-consular", "kz-foreign-affairs"}

# A small valid directory; the comments give the line numbers the tests refer to.
VALID = """\
recipients:
  - id: it-test
    office: Test Office
    country: IT
    language: it
    salutation:
      en: Dear Sir or Madam
      it: Gentili Signore e Signori
    address:
      lines:
        - Via Roma 1
      postcode: "00184"
      city: Roma
      region: RM
      country: IT
    phones:
      - "+390636064651"  # source: "+3 90636 064 651"
    emails:
      - office@example.org
    ask:
      en: do something
      it: fare qualcosa
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    """Write `text` to a file in tmp_path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_lines(changes: dict[int, str | None], text: str = VALID) -> str:
    """`text` with 1-based lines replaced (None deletes the line)."""
    lines = text.splitlines()
    for number, new in changes.items():
        lines[number - 1] = new
    return "\n".join(line for line in lines if line is not None) + "\n"


def problems_of(path: Path) -> list[str]:
    """The problems load() reports for `path`, as strings."""
    with pytest.raises(InvalidData) as caught:
        directory.load(path)
    return [str(problem) for problem in caught.value.problems]


# --- the bundled directory --------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> directory.Directory:
    return directory.load(BUNDLED)


def test_bundled_has_the_eight_offices(bundled):
    assert bundled.ids == OFFICE_IDS
    assert len(bundled.version) == 64


def test_bundled_unknown_emails_are_empty_with_a_note(bundled):
    for recipient in bundled.recipients:
        assert recipient.emails == ()
        if recipient.id in OBFUSCATED:
            assert "obfuscator" in recipient.email_note
            assert "not known" in recipient.email_note
        else:
            assert recipient.email_note == "The source lists no e-mail for this office."


def test_bundled_phones_are_e164_with_their_source_form(bundled):
    interior = bundled.get("it-interior").phones
    assert [phone.e164 for phone in interior] == ["+390636064651"]
    assert interior[0].source == "+3 90636 064 651"
    assert interior[0].display == "+39 06 3606 4651"
    for recipient in bundled.recipients:
        for phone in recipient.phones + recipient.faxes:
            number = phonenumbers.parse(phone.e164)
            assert phonenumbers.is_valid_number(number), (recipient.id, phone)
            assert phone.e164 == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )


def test_bundled_duplicate_atyrau_phone_appears_once(bundled):
    phones = bundled.get("kz-nsc-atyrau").phones
    assert [phone.e164 for phone in phones] == ["+77122271276"]


def test_bundled_postcodes_are_strings_with_leading_zeros(bundled):
    assert bundled.get("it-interior").address.postcode == "00184"
    assert bundled.get("kz-general-prosecutor").address.postcode == "010000"
    for recipient in bundled.recipients:
        assert isinstance(recipient.address.postcode, str)


def test_bundled_people_only_where_the_source_names_them(bundled):
    people = {r.id: r.person for r in bundled.recipients if r.person}
    assert people == {
        "it-interior": "Angelino Alfano",
        "it-foreign-affairs": "Emma Bonino",
        "kz-president": "Nursultan Nazarbayev",
        "kz-foreign-affairs": "Erlan Idrisov",
    }


def test_bundled_texts_in_every_language_and_fit_the_letter(bundled):
    for recipient in bundled.recipients:
        assert set(recipient.salutation) == set(LANGUAGES)
        assert set(recipient.ask) == set(LANGUAGES)
        for salutation in recipient.salutation.values():
            assert not salutation.endswith((",", "!"))
        for ask in recipient.ask.values():
            assert ask[0].islower() and not ask.endswith(".")
        assert recipient.verified == "2026-11-22"


def test_get_unknown_id_lists_the_known_ones(bundled):
    with pytest.raises(CampaignError, match="unknown office id 'nope'; known ids: it-interior"):
        bundled.get("nope")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(CampaignError, match=r"nothere\.yaml: no such file"):
        directory.load(tmp_path / "nothere.yaml")


def test_to_plain_parses_back_to_the_same_recipient(bundled):
    plain = {"recipients": [directory.to_plain(r) for r in bundled.recipients]}
    again = directory.parse(plain, "plain")
    assert [directory.to_plain(r) for r in again] == plain["recipients"]


# --- validation: every error class with its line --------------------------------------


def test_valid_sample_loads(tmp_path):
    loaded = directory.load(write(tmp_path, VALID))
    (recipient,) = loaded.recipients
    assert recipient.line == 2
    assert recipient.emails == ("office@example.org",)
    assert recipient.phones[0].source == "+3 90636 064 651"


@pytest.mark.parametrize(
    ("changes", "line", "field", "words"),
    [
        ({19: "      - office@"}, 19, "it-test.emails[0]", "not a valid e-mail address"),
        ({17: '      - "+39 12"'}, 17, "it-test.phones[0]", "not a valid phone number in IT"),
        ({17: '      - "call us"'}, 17, "it-test.phones[0]", "not a phone number"),
        ({4: "    country: XX"}, 4, "it-test.country", "not an ISO 3166-1 country code"),
        ({4: "    country: it"}, 4, "it-test.country", 'write it in capitals: "IT"'),
        ({15: "      country: Italy"}, 15, "it-test.address.country", "ISO 3166-1"),
        ({5: "    language: de"}, 5, "it-test.language", "use one of en, it, ru"),
        ({3: None}, 2, "it-test.office", "missing required key 'office'"),
        ({3: "    office: ''"}, 3, "it-test.office", "office is empty"),
        ({13: None}, 10, "it-test.address.city", "missing required key 'city'"),
        ({8: None}, 7, "it-test.salutation.it", "missing required key 'it'"),
        ({21: None}, 21, "it-test.ask.en", "missing required key 'en'"),
        ({3: "    ofice: Test Office"}, 3, "it-test.ofice", "did you mean 'office'?"),
        ({12: "      postcode: 00184"}, 12, "it-test.address.postcode", 'quotes: "00184"'),
        ({2: "  - id: It_Test"}, 2, "recipients[0].id", "not a slug"),
        ({3: '    office: "Test\\nOffice"'}, 3, "it-test.office", "control character (U+000A)"),
        ({18: "    emails: []", 19: None}, 18, "it-test.email_note", "email_note must say why"),
        ({22: "      de: etwas tun"}, 22, "it-test.ask.de", "unknown key 'de'"),
        ({17: "      - {sorce: x}"}, 17, "it-test.phones[0].sorce", "unknown key 'sorce'"),
    ],
)
def test_each_problem_is_reported_with_its_line(tmp_path, changes, line, field, words):
    problems = problems_of(write(tmp_path, with_lines(changes)))
    matching = [p for p in problems if f"r.yaml:{line}: {field}:" in p]
    assert matching, problems
    assert words in matching[0]


def test_unquoted_postcode_message_shows_the_number_and_the_fix(tmp_path):
    (problem,) = problems_of(write(tmp_path, with_lines({12: "      postcode: 00184"})))
    assert problem.endswith(
        'postcode 184 is not a string (YAML read 00184 as a number); write it in quotes: "00184"'
    )


def test_no_read_as_a_bool_is_reported(tmp_path):
    # YAML 1.1 (PyYAML, or a %YAML 1.1 directive) reads NO as false: the Norway problem.
    text = "%YAML 1.1\n---\n" + with_lines({4: "    country: NO"})
    (problem,) = problems_of(write(tmp_path, text))
    assert "r.yaml:6: it-test.country: country False is not a string" in problem
    assert 'yes/no value); write it in quotes: "NO"' in problem


def test_no_stays_a_string_in_yaml_1_2(tmp_path):
    loaded = directory.load(write(tmp_path, with_lines({4: "    country: NO"})))
    assert loaded.recipients[0].country == "NO"


def test_unquoted_date_is_reported_where_text_is_expected(tmp_path):
    (problem,) = problems_of(write(tmp_path, with_lines({3: "    office: 2013-08-27"})))
    assert "r.yaml:3: it-test.office:" in problem and "as a date" in problem


def test_verified_may_be_a_date_or_an_iso_string(tmp_path):
    for written in ("2026-11-22", '"2026-11-22"'):
        path = write(tmp_path, VALID + f"    verified: {written}\n")
        assert directory.load(path).recipients[0].verified == "2026-11-22"
    path = write(tmp_path, VALID + '    verified: "last week"\n')
    assert "r.yaml:23: it-test.verified:" in problems_of(path)[0]


def test_duplicate_id_is_reported_at_the_second_entry(tmp_path):
    entry = VALID.split("\n", 1)[1]
    (problem,) = problems_of(write(tmp_path, VALID + entry))
    assert "r.yaml:23: it-test.id: duplicate id 'it-test' (first used on line 2)" in problem


def test_duplicate_phone_is_reported(tmp_path):
    text = with_lines({17: '      - "+390636064651"\n      - "+39 06 3606 4651"'})
    (problem,) = problems_of(write(tmp_path, text))
    assert "r.yaml:18: it-test.phones[1]:" in problem and "already listed as phones[0]" in problem


def test_ambiguous_phone_is_kept_as_written(tmp_path):
    path = write(tmp_path, with_lines({17: '      - {source: "06 3606 46?1"}'}))
    (phone,) = directory.load(path).recipients[0].phones
    assert (phone.source, phone.e164, phone.display) == ("06 3606 46?1", "", "06 3606 46?1")


def test_yaml_syntax_error_is_a_problem_with_its_line(tmp_path):
    (problem,) = problems_of(write(tmp_path, with_lines({3: "    office: Test: Office"})))
    assert problem.startswith(str(tmp_path / "r.yaml") + ":3: YAML syntax error")


def test_duplicate_key_is_a_problem_with_its_line(tmp_path):
    (problem,) = problems_of(write(tmp_path, with_lines({4: "    office: Again"})))
    assert ":4: YAML syntax error" in problem and "duplicate key" in problem


def test_not_a_directory_at_all(tmp_path):
    (problem,) = problems_of(write(tmp_path, "- just a list\n"))
    assert "r.yaml:1: recipients: the file must hold 'recipients:'" in problem


def test_all_problems_are_reported_at_once(tmp_path):
    text = with_lines(
        {
            4: "    country: XX",
            5: "    language: de",
            12: "      postcode: 00184",
            17: '      - "+39 12"',
            19: "      - office@",
        }
    )
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 5, problems
    for line in (4, 5, 12, 17, 19):
        assert any(f"r.yaml:{line}: it-test." in problem for problem in problems), line
