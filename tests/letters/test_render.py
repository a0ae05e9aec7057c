"""Letters: campaign.yaml, every language renders, the sandbox holds, subjects and dates."""

import datetime as dt

import pytest

from campaign.errors import CampaignError, InvalidData, TemplateError
from campaign.letters import render
from campaign.letters.sandbox import letter_environment
from campaign.letters.senders import make_sender
from campaign.models import Address, Recipient
from tests.builders import TEMPLATES

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def office():
    return Recipient(
        id="it-interior",
        office="Ministry of the Interior",
        office_local="Ministero dell'Interno",
        country="IT",
        language="it",
        address=Address(
            lines=("Piazza del Viminale 1",), postcode="00184", city="Roma", country="IT"
        ),
        salutation={
            "en": "Dear Minister",
            "it": "Egregio Signor Ministro",
            "ru": "Уважаемый министр",
        },
        ask={"en": "open an inquiry", "it": "aprire un'indagine", "ru": "начать расследование"},
        disclosure="full",  # the bundled default is "name"
    )


@pytest.fixture
def sender():
    return make_sender(
        name="Maria Rossi", street="Via Roma 1", postcode="20100", city="Milano", country="IT"
    )


@pytest.fixture
def bundled():
    return render.load(TEMPLATES)


@pytest.fixture
def own_templates(site):
    """A copy of the bundled templates that a test may break."""
    return site.templates


def test_bundled_campaign_is_complete(bundled):
    campaign = bundled.campaign
    assert campaign.title["en"].startswith("Bring Alma Shalabayeva")
    assert {"en", "it", "ru"} <= set(campaign.subjects)
    assert len(campaign.chronology) >= 8
    assert all(event.source in campaign.sources for event in campaign.chronology)
    speakers = {quote.speaker for quote in campaign.quotes}
    assert {"John Dalhuisen", "Hugh Williamson", "UN Watch"} <= speakers
    assert "001_e3158a28d841bfa0.txt" in campaign.sources["appeal"]


@pytest.mark.parametrize(
    ("language", "salutation", "ask", "date"),
    [
        ("en", "Dear Minister,", "I respectfully ask you to open an inquiry.", "22 November 2026"),
        (
            "it",
            "Egregio Signor Ministro,",
            "La prego pertanto di aprire un'indagine.",
            "22 novembre 2026",
        ),
        ("ru", "Уважаемый министр,", "Прошу Вас начать расследование.", "22 ноября 2026\u00a0г."),
    ],
)
def test_each_language_renders(bundled, office, sender, language, salutation, ask, date):
    letter = render.render_letter(bundled, office, sender, language, today=TODAY)
    assert letter.language == language
    assert letter.text.startswith(salutation + "\n\n")
    assert ask in letter.paragraphs
    assert letter.place_date == f"Milano, {date}"
    assert letter.subject in bundled.campaign.subjects[language]
    assert letter.signature[0] == "Maria Rossi"
    assert letter.text.rstrip().endswith(
        "Maria Rossi\nVia Roma 1\n20100 Milano\n" + letter.signature[-1]
    )


def test_office_language_is_the_default(bundled, office, sender):
    assert render.render_letter(bundled, office, sender).language == "it"
    assert render.render_letter(bundled, office, sender, "auto").language == "it"


def test_unknown_language_is_refused(bundled, office, sender):
    with pytest.raises(CampaignError, match='unknown language "fr"'):
        render.render_letter(bundled, office, sender, "fr")


def test_note_is_its_own_paragraph_and_stays_literal(bundled, office):
    note = "I am a teacher in Milan. {{ 7*7 }} <b>bold</b>"
    sender = make_sender(name="A", note=note)
    letter = render.render_letter(bundled, office, sender, "en")
    assert note in letter.paragraphs
    assert "49" not in letter.text


def test_subject_is_stable_per_supporter_and_varies_across_supporters(bundled, office):
    subjects = {
        render.render_letter(bundled, office, make_sender(name=f"Supporter {n}"), "en").subject
        for n in range(40)
    }
    assert len(subjects) > 1
    again = [
        render.render_letter(bundled, office, make_sender(name="X"), "en").subject for _ in range(3)
    ]
    assert len(set(again)) == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hello\n{{ ''.__class__ }}", r"letter\.en\.txt:2: access to attribute '__class__'"),
        ("{{ sender.__class__.__mro__ }}", r"letter\.en\.txt:1: .*unsafe"),
        ("{{ cycler.__init__.__globals__ }}", r"unsafe"),
        ("a\n\n{{ nope }}", r"letter\.en\.txt:3: 'nope' is undefined"),
    ],
)
def test_sandbox_refuses_escapes_with_their_line(bundled, office, sender, source, expected):
    # Compiled past the static check of compile_source: the sandbox at run time holds alone.
    template = letter_environment(TEMPLATES).from_string(source)
    with pytest.raises(TemplateError, match=expected):
        render.render_body(template, "letter.en.txt", office, sender, "en")


@pytest.mark.parametrize(
    ("source", "where", "name"),
    [
        ("Hello\n{{ ''.__class__ }}", "letter.en.txt:2", "__class__"),
        (
            "{% if sender.note %}\n{{ sender['__init__'] }}\n{% endif %}",
            "letter.en.txt:2",
            "__init__",
        ),
        ("{{ cycler.__init__.__globals__ }}", "letter.en.txt:1", "__globals__"),
    ],
)
def test_compiling_refuses_private_names_even_in_branches_never_taken(source, where, name):
    with pytest.raises(TemplateError) as refused:
        render.compile_source(TEMPLATES, "letter.en.txt", source)
    assert refused.value.problem.where == where
    assert f"'{name}' is not available to letters" in refused.value.problem.message


def test_a_call_script_problem_names_its_line_inside_campaign_yaml():
    with pytest.raises(TemplateError) as refused:
        render.compile_source(TEMPLATES, "campaign.yaml: call_script.en", "Hello\n{% if %}")
    assert refused.value.problem.where == "campaign.yaml: call_script.en, line 2"


def test_syntax_error_names_file_and_line(own_templates):
    (own_templates / "letter.ru.txt").write_text("Строка\n{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"letter\.ru\.txt:2: "):
        render.load(own_templates)


def test_missing_body_is_named(own_templates):
    (own_templates / "letter.it.txt").unlink()
    with pytest.raises(TemplateError, match=r"letter\.it\.txt: missing"):
        render.load(own_templates)


def test_campaign_yaml_problems_are_all_reported_with_lines(own_templates):
    path = own_templates / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("id: shalabayeva-2013", "id: 2013", 1)
    text = text.replace("    source: statement\n", "    source: rumour\n", 1)
    text = text.replace('deadline: ""', "deadline: tomorrow", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidData) as caught:
        render.load(own_templates)
    lines = text.splitlines()
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3
    expected_lines = {
        "id": lines.index("id: 2013") + 1,
        "rumour": lines.index("    source: rumour") + 1,
        "deadline": lines.index("deadline: tomorrow") + 1,
    }
    for needle, line in expected_lines.items():
        assert any(m.startswith(f"campaign.yaml:{line}:") and needle in m for m in messages), (
            messages
        )


def test_campaign_yaml_syntax_error_has_its_line(own_templates):
    path = own_templates / "campaign.yaml"
    path.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidData, match=r"campaign\.yaml:\d+: YAML syntax"):
        render.load(own_templates)


@pytest.mark.parametrize(("language", "opening"), [("en", "Good morning"), ("ru", "Здравствуйте")])
def test_call_script_in_the_supporters_language(bundled, office, sender, language, opening):
    script = render.render_call_script(bundled, office, sender, language)
    assert script.startswith(opening)
    assert "Maria Rossi" in script
    assert office.ask[language] in script


def test_background_sources_must_be_known(own_templates):
    path = own_templates / "campaign.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "background_sources: [statement, appeal, quotes]", "background_sources: [appeal, blog]"
    )
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("background_sources: [appeal, blog]") + 1
    with pytest.raises(
        InvalidData, match=rf'campaign\.yaml:{line}: background_sources\[1\]: "blog"'
    ):
        render.load(own_templates)
