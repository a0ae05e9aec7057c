"""Letter bodies edited in the console: the sandbox checks, saves, versions, restore, preview."""

import os
import sys
from pathlib import Path

import pytest

from campaign import directory, editing, limits, rulebook
from campaign.errors import CampaignError, ConflictError, InvalidData, TemplateError
from campaign.letters import render, sandbox
from campaign.rulebook import SAMPLE_SENDERS
from campaign.storage import audit, safe_files, versions


@pytest.fixture
def offices(site):
    """The offices every body is checked against."""
    return directory.load(site.recipients).recipients


def body(site, language="en") -> Path:
    """The file of the letter body in `language`."""
    return site.templates / f"letter.{language}.txt"


def save(site, source, who="maria", language="en", version=None):
    """The console's save of a body against the version on disk (or `version`)."""
    name = f"letter.{language}.txt"
    expected = version if version is not None else safe_files.file_version(body(site, language))
    return editing.save(site, name, expected, editing.replaced_by(source), who)


def refusal(site, source, language="en"):
    """The one problem a save of `source` is refused with, where relative to the templates."""
    with pytest.raises(InvalidData) as caught:
        save(site, source, language=language)
    (problem,) = caught.value.problems
    return problem.where.removeprefix(f"{site.templates}/"), problem.message


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
        (
            "{{ 1 / 0 }}\n",
            "letter.en.txt:1",
            "the template fails: ZeroDivisionError: division by zero",
        ),
        ("{{ ask * 60 }}\n", "letter.en.txt", "absurd length; the limit is 10,000"),
        ("{{ 'x' * 1000000 }}\n", "letter.en.txt:1", "would build over 20,000 characters"),
        ("{{ ask|center(100000) }}\n", "letter.en.txt:1", "the number 100000 is too large"),
        ("{{ '%99999s' % ask }}\n", "letter.en.txt:1", "field width of 10,000 or more"),
        ("{{ 9 ** 9 ** 9 }}\n", "letter.en.txt:1", "this power is too large"),
    ],
)
def test_save_body_refuses_with_file_and_line(site, source, where, words):
    before = body(site).read_bytes()
    with pytest.raises(InvalidData) as caught:
        save(site, source)
    (problem,) = caught.value.problems
    assert problem.where == f"{site.templates / where}", caught.value
    assert words in problem.message
    assert body(site).read_bytes() == before
    assert versions.list_versions(site.database, "letter.en.txt") == []
    assert not safe_files.backup_path(body(site)).exists()


def test_an_escape_in_a_branch_the_samples_never_take_is_refused_too(site):
    source = "Hi.\n{% if sender.name == 'x' %}{{ ask.__class__.__mro__ }}{% endif %}\n"
    with pytest.raises(InvalidData, match=r"letter\.en\.txt:2: '__class__' is not available"):
        save(site, source)


def test_a_body_that_breaks_only_without_a_note_is_refused(site):
    source = "Hi.\n{% if not sender.note %}{{ sender.missing }}{% endif %}\n"
    with pytest.raises(InvalidData, match=r"letter\.en\.txt:2: .*has no attribute 'missing'"):
        save(site, source)


def test_a_body_that_breaks_for_one_office_only_is_refused(site):
    source = "{% if recipient.id == 'kz-president' %}{{ recipient.nope }}{% endif %}Hi.\n"
    with pytest.raises(InvalidData, match="has no attribute 'nope'"):
        save(site, source)


def test_a_slow_body_is_stopped_at_its_line(site):
    source = (
        "Hello.\n"
        "{% for a in ask %}{% for b in ask %}{% for c in ask %}{% for d in ask %}"
        "{% endfor %}{% endfor %}{% endfor %}{% endfor %}\n"
    )
    where, message = refusal(site, source)
    assert where == "letter.en.txt:2"
    assert f"takes longer than {limits.RENDER_S:g} s" in message
    assert "simplify the loops" in message


# Each render well within limits.RENDER_S, all the sample renders together over the budget.
SLOWISH = "Hello.\n{% for i in range(600) %}{% for j in range(600) %}{% endfor %}{% endfor %}\n"


def test_renders_over_the_budget_together_are_stopped(site, monkeypatch):
    monkeypatch.setattr(limits, "RENDER_BUDGET_S", 0.3)
    _where, message = refusal(site, SLOWISH)
    assert "takes too long" in message
    assert "the limit for all 8 offices is 0.3 s" in message


def test_renders_over_the_budget_together_are_stopped_at_their_line(site, monkeypatch):
    monkeypatch.setattr(limits, "RENDER_BUDGET_S", 0.3)
    where, _message = refusal(site, SLOWISH)
    assert where == "letter.en.txt:2"


def test_time_limit_restores_the_previous_trace_function():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        with sandbox.time_limit(1):
            pass
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_the_source_itself_has_a_length_limit(site):
    with pytest.raises(InvalidData, match="is 20,002 characters long; the limit is 20,000"):
        save(site, "x" * 20_001)


def test_the_bundled_bodies_pass_the_check(site):
    for language in ("en", "it", "ru"):
        name = f"letter.{language}.txt"
        data, _ = editing.open_file(site, name)
        rulebook.load_site(site, {name: data})


def test_the_live_letters_render_in_the_bounded_sandbox(site):
    loaded = render.load(site.templates)
    assert isinstance(loaded.bodies["en"].environment, sandbox.LetterSandbox)
    assert isinstance(loaded.call_scripts["en"].environment, sandbox.LetterSandbox)


# --- saving, versions, restore -----------------------------------------------------------------


def test_save_body_keeps_the_previous_version_and_writes_the_audit_log(site, offices):
    path = body(site)
    original = path.read_text()
    data, version = editing.open_file(site, "letter.en.txt")
    text = data.decode("utf-8")
    edited = text.replace("I look forward to your reply.", "I look forward to your answer.")
    new_version = save(site, edited.replace("\n", "\r\n"), version=version)
    assert path.read_text() == edited  # CRLF from the browser saved as LF
    assert new_version == safe_files.file_version(path)
    assert safe_files.backup_path(path).read_text() == original
    kept = versions.list_versions(site.database, "letter.en.txt")
    assert [v.who for v in kept] == ["maria", ""]
    assert versions.read(site.database, "letter.en.txt", kept[1].id).decode() == original
    change = audit.recent_changes(site.database)[0]
    assert (change.who, change.file, change.action) == ("maria", "letter.en.txt", "edit")
    assert "your answer" in render.load(site.templates).bodies["en"].render(
        render.letter_context(offices[0], SAMPLE_SENDERS[0], "en")
    )


def test_saving_the_same_text_again_is_no_new_version(site):
    data, version = editing.open_file(site, "letter.en.txt")
    assert save(site, data.decode("utf-8"), version=version) == version
    assert len(versions.list_versions(site.database, "letter.en.txt")) == 1
    assert audit.recent_changes(site.database) == []


def test_two_editors_of_one_body_the_second_gets_the_changed_lines(site):
    data, version = editing.open_file(site, "letter.en.txt")
    text = data.decode("utf-8")
    old_line = text.splitlines()[14]
    assert "Thank you" in old_line
    save(site, text.replace("Thank you", "Many thanks"), version=version)
    with pytest.raises(ConflictError) as caught:
        save(site, text + "\nP.S.\n", who="anna", version=version)
    new_line = old_line.replace("Thank you", "Many thanks")
    assert caught.value.changes == [
        "letter.en.txt: line 15 was changed by someone else since you opened it: "
        f"{old_line} → {new_line}"
    ]
    assert "nothing was saved" in caught.value.message
    assert "Many thanks" in body(site).read_text()


def test_lines_added_by_the_other_editor_are_named(site):
    data, version = editing.open_file(site, "letter.en.txt")
    text = data.decode("utf-8")
    assert len(text.splitlines()) == 15
    save(site, text + "\nP.S. Please answer.\n", version=version)
    with pytest.raises(ConflictError) as caught:
        save(site, text.replace("Thank you", "Many thanks"), who="anna", version=version)
    assert caught.value.changes == ["letter.en.txt: lines 16-17 were added by someone else"]


def test_restore_brings_the_old_text_back_as_a_new_version(site):
    path = body(site)
    original = path.read_text()
    _data, version = editing.open_file(site, "letter.en.txt")
    save(site, "A short new letter: {{ ask }}.\n", version=version)
    oldest = versions.list_versions(site.database, "letter.en.txt")[-1]
    diff = editing.compare_version(site, "letter.en.txt", oldest.id)
    assert "+A short new letter: {{ ask }}.\n" in diff and "-I respectfully ask" in diff
    editing.restore(site, "letter.en.txt", oldest.id, "anna", safe_files.file_version(path))
    assert path.read_text() == original
    kept = versions.list_versions(site.database, "letter.en.txt")
    assert [v.who for v in kept] == ["anna", "maria", ""]
    assert kept[0].digest == oldest.digest
    assert audit.recent_changes(site.database)[0].action == "restore"


def test_restoring_a_version_that_no_longer_renders_is_refused(site):
    versions.record(site.database, "letter.en.txt", b"{{ gone }}\n", "maria")
    broken = versions.list_versions(site.database, "letter.en.txt")[0]
    path = body(site)
    before = path.read_bytes()
    with pytest.raises(InvalidData, match=r"letter\.en\.txt:1: 'gone' is undefined"):
        editing.restore(site, "letter.en.txt", broken.id, "anna", safe_files.file_version(path))
    assert path.read_bytes() == before


def test_preview_letter_renders_unsaved_text_for_any_office(site, offices):
    loaded = rulebook.load_site(site)
    office = next(o for o in offices if o.language == "ru")
    letter = editing.preview_letter(
        loaded, "it", "Testo nuovo per {{ recipient.office }}.\n", office
    )
    assert letter.language == "it" and letter.body == f"Testo nuovo per {office.office}.\n"
    assert letter.salutation.endswith(",")
    with pytest.raises(TemplateError, match=r"letter\.it\.txt:1: '__globals__' is not available"):
        editing.preview_letter(loaded, "it", "{{ x.__globals__ }}", office)


def test_the_editable_files_and_where_they_are(site):
    assert site.editable_files() == (
        "recipients.yaml",
        "campaign.yaml",
        "letter.en.txt",
        "letter.it.txt",
        "letter.ru.txt",
    )
    assert site.path_of("recipients.yaml") == site.recipients
    assert site.path_of("letter.it.txt") == site.templates / "letter.it.txt"
    for name in ("print.html", "../organisers.json"):
        with pytest.raises(CampaignError, match="is not a file the console edits"):
            site.path_of(name)


def test_a_failed_write_of_the_copy_after_the_save_is_said_and_completed_later(site, monkeypatch):
    # The save is its database transaction (version, audit entry, published version): a copy
    # that cannot be written after it is behind, served from the database, and written later.
    path = body(site)
    before = path.read_bytes()
    _data, version = editing.open_file(site, "letter.en.txt")
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == path:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match=r"saved and published.*could not be written"):
        save(site, "A new letter: {{ ask }}.\n", version=version)
    assert path.read_bytes() == before
    assert [v.who for v in versions.list_versions(site.database, "letter.en.txt")] == ["maria", ""]
    assert [change.who for change in audit.recent_changes(site.database)] == ["maria"]
    synced = editing.publishing.sync(site)  # the disk still full: the published one is served
    assert synced.served == {"letter.en.txt": b"A new letter: {{ ask }}.\n"}
    monkeypatch.setattr(os, "replace", real_replace)
    assert editing.publishing.sync(site).served == {}  # room again: the copy is written
    assert path.read_bytes() == b"A new letter: {{ ask }}.\n"
