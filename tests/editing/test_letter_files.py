"""Letters and the campaign edited in the console: sandbox checks, saves, versions, restore."""

import os
import shutil
from pathlib import Path

import pytest

from campaign import directory
from campaign.editing import letter_files as letter_edits
from campaign.errors import CampaignError, ConflictError, InvalidData, TemplateError
from campaign.letters import render, sandbox
from campaign.storage import audit, safe_files, versions
from tests.builders import ROOT


@pytest.fixture
def site(tmp_path):
    """A copy of the templates and the directory, and an instance folder."""
    shutil.copytree(ROOT / "letter_templates", tmp_path / "letter_templates")
    shutil.copyfile(ROOT / "recipients.yaml", tmp_path / "recipients.yaml")
    return tmp_path


@pytest.fixture
def offices(site):
    """The offices every body is checked against."""
    return directory.load(site / "recipients.yaml").recipients


def templates_dir(site):
    """The templates folder of the site."""
    return site / "letter_templates"


def instance(site):
    """The instance folder of the site."""
    return site / "instance"


def save(site, offices, source, who="maria", language="en", version=None):
    """save_body against the version on disk (or `version`)."""
    path = templates_dir(site) / render.body_name(language)
    return letter_edits.save_body(
        templates_dir(site),
        language,
        source,
        offices,
        who,
        instance=instance(site),
        expected_version=version if version is not None else safe_files.file_version(path),
    )


# --- refusals: the body is checked before anything is written ---------------------------------


@pytest.mark.parametrize(
    ("source", "where", "words"),
    [
        ("Dear {{ sender.name }\n", "letter.en.txt:1", "unexpected '}'"),
        ("One.\n\n{% if sender.note %}\nno end\n", "letter.en.txt:3", "endif"),
        ("One.\n{{ ''.__class__ }}\n", "letter.en.txt:2", "'__class__' is not available"),
        ("{{ ask['__len__'] }}\n", "letter.en.txt:1", "'__len__' is not available"),
        ("One.\n\nTwo {{ sender.nmae }}.\n", "letter.en.txt:3", "'dict object' has no attr"),
        ("{{ campaign.title }}\n", "letter.en.txt:1", "'campaign' is undefined"),
        ("{{ 1 / 0 }}\n", "letter.en.txt:1", "the template fails: division by zero"),
        ("{{ ask * 60 }}\n", "letter.en.txt", "absurd length; the limit is 10,000"),
        ("{{ 'x' * 1000000 }}\n", "letter.en.txt:1", "would build over 20,000 characters"),
        ("{{ ask|center(100000) }}\n", "letter.en.txt:1", "the number 100000 is too large"),
        ("{{ '%99999s' % ask }}\n", "letter.en.txt:1", "field width of 10,000 or more"),
        ("{{ 9 ** 9 ** 9 }}\n", "letter.en.txt:1", "this power is too large"),
    ],
)
def test_save_body_refuses_with_file_and_line(site, offices, source, where, words):
    path = templates_dir(site) / "letter.en.txt"
    before = path.read_bytes()
    with pytest.raises(TemplateError) as caught:
        save(site, offices, source)
    assert caught.value.problem.where == where, caught.value
    assert words in caught.value.problem.message
    assert path.read_bytes() == before
    assert versions.list_versions(instance(site), "letter.en.txt") == []


def test_an_escape_in_a_branch_the_samples_never_take_is_refused_too(site, offices):
    source = "Hi.\n{% if sender.name == 'x' %}{{ ask.__class__.__mro__ }}{% endif %}\n"
    with pytest.raises(TemplateError, match=r"letter\.en\.txt:2: '__class__' is not available"):
        save(site, offices, source)


def test_a_body_that_breaks_only_without_a_note_is_refused(site, offices):
    source = "Hi.\n{% if not sender.note %}{{ sender.missing }}{% endif %}\n"
    with pytest.raises(TemplateError, match=r"letter\.en\.txt:2: .*has no attribute 'missing'"):
        save(site, offices, source)


def test_a_body_that_breaks_for_one_office_only_is_refused(site, offices):
    source = "{% if recipient.id == 'kz-president' %}{{ recipient.nope }}{% endif %}Hi.\n"
    with pytest.raises(TemplateError, match="has no attribute 'nope'"):
        save(site, offices, source)


def test_a_slow_body_is_stopped_at_its_line(site, offices, monkeypatch):
    monkeypatch.setattr(letter_edits, "RENDER_BUDGET_S", 0.3)
    source = (
        "Hello.\n"
        "{% for a in ask %}{% for b in ask %}{% for c in ask %}{% for d in ask %}"
        "{% endfor %}{% endfor %}{% endfor %}{% endfor %}\n"
    )
    with pytest.raises(TemplateError) as caught:
        save(site, offices, source)
    assert caught.value.problem.where == "letter.en.txt:2"
    assert "takes too long" in caught.value.problem.message
    assert "the limit for all 8 offices is 0.3 s" in caught.value.problem.message


def test_time_limit_restores_the_previous_trace_function():
    import sys

    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        with sandbox.time_limit(1):
            pass
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_the_source_itself_has_a_length_limit(site, offices):
    with pytest.raises(TemplateError, match="is 20,002 characters long; the limit is 20,000"):
        save(site, offices, "x" * 20_001)


def test_the_bundled_bodies_pass_the_check(site, offices):
    for language in ("en", "it", "ru"):
        text, _ = letter_edits.open_body(templates_dir(site), language, instance=instance(site))
        letter_edits.check_body(templates_dir(site), language, text, offices)


def test_the_live_letters_render_in_the_bounded_sandbox(site):
    loaded = render.load(templates_dir(site))
    assert isinstance(loaded.bodies["en"].environment, sandbox.LetterSandbox)
    assert isinstance(loaded.call_scripts["en"].environment, sandbox.LetterSandbox)


# --- saving, versions, restore -----------------------------------------------------------------


def test_save_body_keeps_the_previous_version_and_writes_the_audit_log(site, offices):
    path = templates_dir(site) / "letter.en.txt"
    original = path.read_text()
    text, version = letter_edits.open_body(templates_dir(site), "en", instance=instance(site))
    edited = text.replace("I look forward to your reply.", "I look forward to your answer.")
    new_version = save(site, offices, edited.replace("\n", "\r\n"), version=version)
    assert path.read_text() == edited  # CRLF from the browser saved as LF
    assert new_version == safe_files.file_version(path)
    assert safe_files.backup_path(path).read_text() == original
    kept = versions.list_versions(instance(site), "letter.en.txt")
    assert [v.who for v in kept] == ["maria", ""]
    assert versions.read(instance(site), "letter.en.txt", kept[1].id).decode() == original
    change = audit.recent_changes(instance(site))[0]
    assert (change.who, change.file, change.action) == ("maria", "letter.en.txt", "edit")
    assert "your answer" in render.load(templates_dir(site)).bodies["en"].render(
        render.letter_context(offices[0], letter_edits.SAMPLE_SENDER, "en")
    )


def test_saving_the_same_text_again_is_no_new_version(site, offices):
    text, version = letter_edits.open_body(templates_dir(site), "en", instance=instance(site))
    assert save(site, offices, text, version=version) == version
    assert len(versions.list_versions(instance(site), "letter.en.txt")) == 1
    assert audit.recent_changes(instance(site)) == []


def test_two_editors_of_one_body_the_second_gets_the_changed_lines(site, offices):
    text, version = letter_edits.open_body(templates_dir(site), "en", instance=instance(site))
    save(site, offices, text.replace("Thank you", "Many thanks"), version=version)
    with pytest.raises(ConflictError) as caught:
        save(site, offices, text + "\nP.S.\n", who="anna", version=version)
    assert caught.value.changes == [
        "letter.en.txt: line 15 was changed by someone else since you opened it"
    ]
    assert "Many thanks" in (templates_dir(site) / "letter.en.txt").read_text()


def test_restore_brings_the_old_text_back_as_a_new_version(site, offices):
    path = templates_dir(site) / "letter.en.txt"
    original = path.read_text()
    _text, version = letter_edits.open_body(templates_dir(site), "en", instance=instance(site))
    save(site, offices, "A short new letter: {{ ask }}.\n", version=version)
    oldest = versions.list_versions(instance(site), "letter.en.txt")[-1]
    diff = letter_edits.compare_version(
        "letter.en.txt",
        oldest.id,
        instance=instance(site),
        templates_dir=templates_dir(site),
        recipients_path=site / "recipients.yaml",
    )
    assert "+A short new letter: {{ ask }}.\n" in diff and "-I respectfully ask" in diff
    letter_edits.restore(
        "letter.en.txt",
        oldest.id,
        "anna",
        instance=instance(site),
        templates_dir=templates_dir(site),
        recipients_path=site / "recipients.yaml",
        expected_version=safe_files.file_version(path),
    )
    assert path.read_text() == original
    kept = versions.list_versions(instance(site), "letter.en.txt")
    assert [v.who for v in kept] == ["anna", "maria", ""]
    assert kept[0].digest == oldest.digest
    assert audit.recent_changes(instance(site))[0].action == "restore"


def test_restoring_a_version_that_no_longer_renders_is_refused(site, offices):
    versions.record(instance(site), "letter.en.txt", b"{{ gone }}\n", "maria")
    broken = versions.list_versions(instance(site), "letter.en.txt")[0]
    path = templates_dir(site) / "letter.en.txt"
    before = path.read_bytes()
    with pytest.raises(TemplateError, match="'gone' is undefined"):
        letter_edits.restore(
            "letter.en.txt",
            broken.id,
            "anna",
            instance=instance(site),
            templates_dir=templates_dir(site),
            recipients_path=site / "recipients.yaml",
            expected_version=safe_files.file_version(path),
        )
    assert path.read_bytes() == before


def test_version_store_refuses_paths_and_keeps_at_most_keep(site, monkeypatch):
    with pytest.raises(CampaignError, match="is not a file the console edits"):
        versions.list_versions(instance(site), "../organisers.json")
    with pytest.raises(CampaignError, match="has no version"):
        versions.read(instance(site), "letter.en.txt", "../../organisers")
    monkeypatch.setattr(versions, "KEEP", 3)
    for number in range(5):
        versions.record(instance(site), "letter.en.txt", f"text {number}\n".encode(), "maria")
    kept = versions.list_versions(instance(site), "letter.en.txt")
    assert len(kept) == 3
    assert versions.read(instance(site), "letter.en.txt", kept[0].id) == b"text 4\n"
    assert os.stat(versions.folder(instance(site), "letter.en.txt")).st_mode & 0o077 == 0


def test_diff_is_a_unified_diff():
    assert versions.diff("a\nb\n", "a\nc\n", "old", "new") == (
        "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    assert versions.diff("same\n", "same\n") == ""


def test_preview_letter_renders_unsaved_text_for_any_office(site, offices):
    office = next(o for o in offices if o.language == "ru")
    letter = letter_edits.preview_letter(
        templates_dir(site), "it", "Testo nuovo per {{ recipient.office }}.\n", office
    )
    assert letter.language == "it" and letter.body == f"Testo nuovo per {office.office}.\n"
    assert letter.salutation.endswith(",")
    with pytest.raises(TemplateError, match=r"letter\.it\.txt:1: '__globals__' is not available"):
        letter_edits.preview_letter(templates_dir(site), "it", "{{ x.__globals__ }}", office)


# --- campaign.yaml -------------------------------------------------------------------------------


def edit_campaign(site, change, who="maria", version=None):
    """edit_campaign against the version on disk (or `version`)."""
    path = templates_dir(site) / "campaign.yaml"
    return letter_edits.edit_campaign(
        templates_dir(site),
        version if version is not None else safe_files.file_version(path),
        change,
        who,
        instance=instance(site),
    )


def test_campaign_edit_changes_only_its_lines_and_is_versioned(site):
    path = templates_dir(site) / "campaign.yaml"
    before = path.read_text()
    fields, version = letter_edits.open_campaign(templates_dir(site), instance=instance(site))
    assert fields["deadline"] == "" and fields["open"] is True
    assert fields["chronology"][0]["date"] == "2013-05-29"
    title = {**fields["title"], "it": "Riportate a casa Alma e Alua"}
    campaign = edit_campaign(
        site,
        lambda doc: letter_edits.set_campaign_fields(
            doc, {"title": title, "deadline": "2026-12-31", "open": False}
        ),
        version=version,
    )
    assert (campaign.deadline, campaign.is_open) == ("2026-12-31", False)
    after = path.read_text()
    pairs = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert pairs == [
        ("  it: Riportare in Europa Alma Shalabayeva e sua figlia Alua", f"  it: {title['it']}"),
        ('deadline: ""', 'deadline: "2026-12-31"'),
        ("open: true", "open: false"),
    ]
    assert [v.who for v in versions.list_versions(instance(site), "campaign.yaml")] == [
        "maria",
        "",
    ]
    change = audit.recent_changes(instance(site))[0]
    assert change.fields == ("title.it", "deadline", "open")


def test_closing_the_appeal_alone_is_logged_as_close(site):
    edit_campaign(site, lambda doc: letter_edits.set_campaign_fields(doc, {"open": False}))
    assert audit.recent_changes(instance(site))[0].action == "close"


def test_a_bad_deadline_is_refused_and_nothing_is_written(site):
    path = templates_dir(site) / "campaign.yaml"
    before = path.read_bytes()
    with pytest.raises(InvalidData, match=r'campaign\.yaml:\d+: deadline: deadline "31/12/2026"'):
        edit_campaign(
            site, lambda doc: letter_edits.set_campaign_fields(doc, {"deadline": "31/12/2026"})
        )
    assert path.read_bytes() == before
    assert audit.recent_changes(instance(site)) == []


def test_multiline_background_and_a_new_chronology_event(site):
    fields, _ = letter_edits.open_campaign(templates_dir(site), instance=instance(site))
    background = {**fields["background"], "en": "First paragraph.\n\nSecond paragraph."}
    event = {"date": "2013-09-01", "source": "appeal", "text": {"en": "Something happened."}}
    campaign = edit_campaign(
        site,
        lambda doc: letter_edits.set_campaign_fields(
            doc, {"background": background, "chronology": [*fields["chronology"], event]}
        ),
    )
    assert campaign.background["en"] == "First paragraph.\n\nSecond paragraph."
    assert campaign.chronology[-1].date == "2013-09-01"
    text = (templates_dir(site) / "campaign.yaml").read_text()
    assert "  en: |-\n    First paragraph.\n\n    Second paragraph.\n" in text
    assert "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: Something" in text


def test_an_event_with_an_unknown_source_is_refused(site):
    fields, _ = letter_edits.open_campaign(templates_dir(site), instance=instance(site))
    event = {"date": "2013-09-01", "source": "rumour", "text": {"en": "x"}}
    with pytest.raises(InvalidData, match='"rumour" is not in sources'):
        edit_campaign(
            site,
            lambda doc: letter_edits.set_campaign_fields(
                doc, {"chronology": [*fields["chronology"], event]}
            ),
        )


def test_subject_variants_are_checked_and_saved(site):
    campaign = edit_campaign(
        site, lambda doc: letter_edits.set_subjects(doc, "it", ["Un oggetto", "Un altro"])
    )
    assert campaign.subjects["it"] == ("Un oggetto", "Un altro")
    with pytest.raises(InvalidData, match=r"subjects\.it\[0\]: is 201 characters long"):
        edit_campaign(site, lambda doc: letter_edits.set_subjects(doc, "it", ["x" * 201]))
    with pytest.raises(InvalidData, match="control character"):
        edit_campaign(site, lambda doc: letter_edits.set_subjects(doc, "it", ["a\u2028b"]))


def test_fields_outside_the_console_are_refused(site):
    with pytest.raises(CampaignError, match="'call_script' cannot be edited here"):
        edit_campaign(site, lambda doc: letter_edits.set_campaign_fields(doc, {"call_script": {}}))


def test_campaign_conflict_names_the_fields(site):
    _fields, version = letter_edits.open_campaign(templates_dir(site), instance=instance(site))
    edit_campaign(
        site,
        lambda doc: letter_edits.set_campaign_fields(doc, {"deadline": "2026-12-31"}),
        version=version,
    )
    with pytest.raises(ConflictError) as caught:
        edit_campaign(
            site,
            lambda doc: letter_edits.set_campaign_fields(doc, {"deadline": "2027-01-31"}),
            who="anna",
            version=version,
        )
    assert caught.value.changes == [
        "campaign.yaml: deadline was changed by someone else since you opened it: "
        "(empty) → 2026-12-31; you changed it too"
    ]


def test_restore_campaign_and_failed_write_leaves_it_intact(site, monkeypatch):
    path = templates_dir(site) / "campaign.yaml"
    original = path.read_bytes()
    edit_campaign(site, lambda doc: letter_edits.set_campaign_fields(doc, {"open": False}))
    oldest = versions.list_versions(instance(site), "campaign.yaml")[-1]
    closed = path.read_bytes()
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == path:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    arguments = {
        "instance": instance(site),
        "templates_dir": templates_dir(site),
        "recipients_path": site / "recipients.yaml",
    }
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match="could not save"):
        letter_edits.restore(
            "campaign.yaml",
            oldest.id,
            "anna",
            expected_version=safe_files.version(closed),
            **arguments,
        )
    assert path.read_bytes() == closed
    monkeypatch.undo()
    letter_edits.restore(
        "campaign.yaml", oldest.id, "anna", expected_version=safe_files.version(closed), **arguments
    )
    assert path.read_bytes() == original
