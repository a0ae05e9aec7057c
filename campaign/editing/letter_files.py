"""Edit the letters and the campaign from the console: validated, saved safely, versioned, logged.

A letter body is compiled in the sandbox and rendered for every office, with a sample
supporter who writes a note and one who does not, before it is saved: a syntax error, a reach
for Python internals, an undefined name, an absurdly long letter or a render slower than
RENDER_BUDGET_S is refused with its file and line. campaign.yaml fields (title, summary,
background, chronology, quotes, deadline, open, subjects) are edited in place in the round-trip
document and checked as `campaign check` checks them. Every save is `safe_files.safe_write`
(lock, version check, atomic write, backup), keeps the new version in the instance folder's
history, and writes the audit log. Each office's ask lives in recipients.yaml: `edits.set_ask`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from campaign import directory
from campaign.check import SAMPLE_SENDER
from campaign.editing import offices as edits
from campaign.errors import CampaignError, ConflictError, InvalidData, Problem, TemplateError
from campaign.letters import render
from campaign.letters.campaign_file import parse_campaign
from campaign.letters.sandbox import TooSlow, letter_environment, private_names, time_limit
from campaign.letters.senders import make_sender
from campaign.models import LANGUAGES, Campaign, Letter, Recipient, Sender
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile.edit import set_fields, to_plain
from campaign.yamlfile.read import dump_document, load_document

CAMPAIGN_FILE = "campaign.yaml"
BODY_MAX_CHARS = 10_000  # a rendered body; the supporters' form refuses longer ones
SOURCE_MAX_CHARS = 20_000  # the template source as typed
SUBJECT_MAX_CHARS = 200  # one subject variant
RENDER_BUDGET_S = 2.0  # all the renders of one check together
CAMPAIGN_FIELDS = (
    "title",
    "summary",
    "background",
    "deadline",
    "open",
    "chronology",
    "quotes",
    "subjects",
)
CAMPAIGN_KEYS = (  # the order of campaign.yaml, for a key that is new
    "id",
    "organiser",
    "title",
    "summary",
    "background",
    "deadline",
    "open",
    "sources",
    "chronology",
    "quotes",
    "subjects",
    "closing",
    "call_script",
)
_ORDERS = {
    **dict.fromkeys(("title", "summary", "background", "subjects", "text"), LANGUAGES),
    "chronology": ("date", "source", "text"),
    "quotes": ("text", "speaker", "role", "organisation", "source", "date"),
}
SAMPLE_SENDERS = (SAMPLE_SENDER, make_sender(name="Sample Supporter"))  # with and without note


# --- letter bodies ---------------------------------------------------------------------------


def open_body(
    templates_dir: str | os.PathLike[str], language: str, *, instance: str | os.PathLike[str]
) -> tuple[str, str]:
    """The body of `language` for the editor, and its version to send back with the save."""
    data, version = versions.remember(instance, _body_path(templates_dir, language))
    return data.decode("utf-8"), version


def check_body(
    templates_dir: str | os.PathLike[str],
    language: str,
    source: str,
    offices: Sequence[Recipient],
) -> None:
    """Refuse (TemplateError, with file and line) a body that would fail any office's letter."""
    name = render.body_name(_language(language))
    template = _compiled(templates_dir, name, source)
    start = time.monotonic()
    try:
        with time_limit(RENDER_BUDGET_S):
            for recipient in offices:
                for sender in SAMPLE_SENDERS:
                    body = _render(template, name, recipient, sender, language)
                    _check_length(name, recipient, body)
    except TooSlow as slow:
        line = template.get_corresponding_lineno(slow.line) if slow.line else 0
        seconds = time.monotonic() - start
        raise TemplateError(
            f"{name}:{line}" if line else name,
            f"rendering the letters takes too long (stopped after {seconds:.1f} s, the limit "
            f"for all {len(offices)} offices is {RENDER_BUDGET_S:g} s); simplify the loops",
        ) from None


def save_body(
    templates_dir: str | os.PathLike[str],
    language: str,
    source: str,
    offices: Sequence[Recipient],
    who: str,
    *,
    instance: str | os.PathLike[str],
    expected_version: str,
    action: str = "edit",
) -> str:
    """Check and save the body of `language`; return its new version. Nothing on refusal."""
    versions.check_who(who)
    path = _body_path(templates_dir, language)
    text = normalise_text(source)
    check_body(templates_dir, language, text, offices)
    data = text.encode("utf-8")
    current = safe_files.read_if_exists(path)
    if current == data and safe_files.version(current) == expected_version:
        return expected_version
    try:
        safe_files.safe_write(
            path, data, expected_version, on_saved=versions.keeper(instance, path.name, who)
        )
    except ConflictError as error:
        raise _text_conflict(instance, path, expected_version, error) from None
    audit.record(instance, who, path.name, action, summary=f"letter body ({language})")
    return safe_files.version(data)


def preview_letter(
    templates_dir: str | os.PathLike[str],
    language: str,
    source: str,
    recipient: Recipient,
    sender: Sender = SAMPLE_SENDER,
    today: dt.date | None = None,
) -> Letter:
    """The letter `source` would give `recipient` (the live preview), checked like a save."""
    name = render.body_name(_language(language))
    template = _compiled(templates_dir, name, normalise_text(source))
    loaded = render.load(templates_dir)
    edited = dataclasses.replace(loaded, bodies={**loaded.bodies, language: template})
    try:
        with time_limit(RENDER_BUDGET_S):
            letter = render.render_letter(edited, recipient, sender, language, today)
    except TooSlow:
        raise TemplateError(
            name, "rendering the letter takes too long; simplify the loops"
        ) from None
    _check_length(name, recipient, letter.body)
    return letter


def normalise_text(source: str) -> str:
    """Text from a browser as a file keeps it: LF line ends, one final newline."""
    if not isinstance(source, str):
        raise CampaignError("the letter must be text")
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


# --- campaign.yaml ---------------------------------------------------------------------------


def open_campaign(
    templates_dir: str | os.PathLike[str], *, instance: str | os.PathLike[str]
) -> tuple[dict[str, Any], str]:
    """The editable campaign fields as plain values, and the version to send back."""
    data, version = versions.remember(instance, Path(templates_dir) / CAMPAIGN_FILE)
    return campaign_fields(load_document(data, CAMPAIGN_FILE)), version


def campaign_fields(document: Any) -> dict[str, Any]:
    """The editable fields of a campaign.yaml document as plain values (dates as ISO text)."""
    fields = {key: to_plain(document.get(key)) for key in CAMPAIGN_FIELDS}
    fields["open"] = document.get("open", True)
    fields["deadline"] = fields["deadline"] or ""
    return fields


def set_campaign_fields(document: Any, plain: Mapping[str, Any]) -> None:
    """Write the fields given in `plain` into a campaign.yaml document, in place."""
    for key in plain:
        if key not in CAMPAIGN_FIELDS:
            raise CampaignError(
                f"'{key}' cannot be edited here; the fields are: {', '.join(CAMPAIGN_FIELDS)}"
            )
    set_fields(document, dict(plain), CAMPAIGN_KEYS, orders=_ORDERS)


def set_subjects(document: Any, language: str, subjects: Sequence[str]) -> None:
    """Replace the subject variants of one language in a campaign.yaml document."""
    current = to_plain(document.get("subjects")) or {}
    set_campaign_fields(document, {"subjects": {**current, _language(language): list(subjects)}})


def check_campaign_file(templates_dir: str | os.PathLike[str], data: bytes) -> Campaign:
    """The campaign in `data`, checked as `campaign check` does (InvalidData / TemplateError)."""
    campaign = parse_campaign(data, CAMPAIGN_FILE)
    long_subjects = [
        Problem(
            CAMPAIGN_FILE,
            f"is {len(subject)} characters long; the limit is {SUBJECT_MAX_CHARS}",
            f"subjects.{language}[{index}]",
        )
        for language, variants in campaign.subjects.items()
        for index, subject in enumerate(variants)
        if len(subject) > SUBJECT_MAX_CHARS
    ]
    if long_subjects:
        raise InvalidData(long_subjects)
    for language, source in campaign.call_script.items():
        render.compile_source(
            Path(templates_dir), f"{CAMPAIGN_FILE}: call_script.{language}", source
        )
    return campaign


def edit_campaign(
    templates_dir: str | os.PathLike[str],
    expected_version: str,
    change: Callable[[Any], None],
    who: str,
    summary: str = "",
    *,
    instance: str | os.PathLike[str],
) -> Campaign:
    """Apply `change(document)` to campaign.yaml as it is now; check it and save it safely."""
    versions.check_who(who)
    path = Path(templates_dir) / CAMPAIGN_FILE
    data = safe_files.read_if_exists(path)
    if data is None:
        raise CampaignError(f"{path}: no such file")
    if safe_files.version(data) != expected_version:
        raise _campaign_conflict(instance, expected_version, data, change)
    document = load_document(data, CAMPAIGN_FILE)
    before = campaign_fields(document)
    change(document)
    new = dump_document(document, CAMPAIGN_FILE)
    if new == data:
        return parse_campaign(data, CAMPAIGN_FILE)
    campaign = check_campaign_file(templates_dir, new)
    try:
        safe_files.safe_write(
            path, new, expected_version, on_saved=versions.keeper(instance, CAMPAIGN_FILE, who)
        )
    except ConflictError:
        current = safe_files.read_if_exists(path)
        raise _campaign_conflict(instance, expected_version, current, change, base=data) from None
    changes = _campaign_changes(before, campaign_fields(document))
    _log_campaign(instance, who, changes, summary)
    return campaign


# --- versions ----------------------------------------------------------------------------------


def editable_files() -> tuple[str, ...]:
    """The files the console edits and keeps versions of."""
    return ("recipients.yaml", CAMPAIGN_FILE, *(render.body_name(lang) for lang in LANGUAGES))


def file_path(
    file_name: str,
    *,
    templates_dir: str | os.PathLike[str],
    recipients_path: str | os.PathLike[str],
) -> Path:
    """Where an editable file is."""
    if file_name == "recipients.yaml":
        return Path(recipients_path)
    if file_name not in editable_files():
        raise CampaignError(f"{file_name!r} is not a file the console edits")
    return Path(templates_dir) / file_name


def compare_version(
    file_name: str,
    version_id: str,
    *,
    instance: str | os.PathLike[str],
    templates_dir: str | os.PathLike[str],
    recipients_path: str | os.PathLike[str],
) -> str:
    """A unified diff from a kept version to the file as it is now ("" when the same)."""
    path = file_path(file_name, templates_dir=templates_dir, recipients_path=recipients_path)
    old = versions.read(instance, file_name, version_id).decode("utf-8")
    current = (safe_files.read_if_exists(path) or b"").decode("utf-8")
    return versions.diff(old, current, f"{file_name} ({version_id})", f"{file_name} (now)")


def restore(
    file_name: str,
    version_id: str,
    who: str,
    *,
    instance: str | os.PathLike[str],
    templates_dir: str | os.PathLike[str],
    recipients_path: str | os.PathLike[str],
    expected_version: str,
) -> str:
    """Bring back a kept version of an editable file, as a checked save; return the new version."""
    versions.check_who(who)
    if file_name == "recipients.yaml":
        restored = edits.restore_directory(
            recipients_path, version_id, who, instance=instance, expected_version=expected_version
        )
        return restored.version
    old = versions.read(instance, file_name, version_id)
    if file_name == CAMPAIGN_FILE:
        return _restore_campaign(templates_dir, old, version_id, who, instance, expected_version)
    language = file_name.split(".")[1] if file_name in editable_files() else ""
    return save_body(
        templates_dir,
        language,
        old.decode("utf-8"),
        directory.load(recipients_path).recipients,
        who,
        instance=instance,
        expected_version=expected_version,
        action="restore",
    )


# --- helpers -----------------------------------------------------------------------------------


def _language(language: str) -> str:
    """`language` if letters are written in it."""
    if language not in LANGUAGES:
        raise CampaignError(f"unknown language '{language}'; use one of {', '.join(LANGUAGES)}")
    return language


def _body_path(templates_dir: str | os.PathLike[str], language: str) -> Path:
    """The file of the letter body in `language`."""
    return Path(templates_dir) / render.body_name(_language(language))


def _compiled(templates_dir: str | os.PathLike[str], name: str, source: str) -> jinja2.Template:
    """The compiled template, after the checks that need no rendering."""
    if len(source) > SOURCE_MAX_CHARS:
        raise TemplateError(
            name, f"is {len(source):,} characters long; the limit is {SOURCE_MAX_CHARS:,}"
        )
    template = render.compile_source(Path(templates_dir), name, source)
    for line, attribute in private_names(letter_environment(templates_dir).parse(source)):
        raise TemplateError(
            f"{name}:{line}",
            f"'{attribute}' is not available to letters; a template may use only the values "
            "listed at the top of the file (sender, recipient, ask, language)",
        )
    return template


def _render(template: Any, name: str, recipient: Recipient, sender: Sender, language: str) -> str:
    """One body, any failure (even one the sandbox does not expect) as a TemplateError."""
    try:
        return render.render_body(template, name, recipient, sender, language)
    except TemplateError:
        raise
    except Exception as error:  # ZeroDivisionError, OverflowError, RecursionError, ...
        line = render.error_line(error)
        where = f"{name}:{line}" if line else name
        raise TemplateError(where, f"the template fails: {error}") from None


def _check_length(name: str, recipient: Recipient, body: str) -> None:
    """Refuse an absurdly long letter body."""
    if len(body) > BODY_MAX_CHARS:
        raise TemplateError(
            name,
            f"the letter to {recipient.id} would be {len(body):,} characters long, an absurd "
            f"length; the limit is {BODY_MAX_CHARS:,} (about four pages)",
        )


def _text_conflict(
    instance: str | os.PathLike[str], path: Path, expected: str, error: ConflictError
) -> ConflictError:
    """A conflict on a text file, with the lines someone else changed when they are known."""
    base = versions.find(instance, path.name, expected)
    current = safe_files.read_if_exists(path)
    changes = []
    if base is not None and current is not None:
        changes = versions.changed_lines(path.name, base.decode(), current.decode())
    headline = (
        f"{path.name} was changed by someone else since you opened it, so nothing was saved; "
        "copy your text, reload, and make your change again"
    )
    return ConflictError(headline, changes, safe_files.version(current))


def _campaign_conflict(
    instance: str | os.PathLike[str],
    expected: str,
    current: bytes | None,
    change: Callable[[Any], None] | None,
    base: bytes | None = None,
) -> ConflictError:
    """A conflict on campaign.yaml, naming the fields someone else changed."""
    base = base if base is not None else versions.find(instance, CAMPAIGN_FILE, expected)
    headline = (
        f"{CAMPAIGN_FILE} was changed by someone else since you opened it, so nothing was saved; "
        "reload it and make your change again"
    )
    try:
        theirs_before = campaign_fields(load_document(base, CAMPAIGN_FILE)) if base else None
        theirs_after = campaign_fields(load_document(current, CAMPAIGN_FILE)) if current else None
    except InvalidData:
        theirs_before = theirs_after = None
    if theirs_before is None or theirs_after is None:
        return ConflictError(headline, [], safe_files.version(current))
    mine = set()
    if change is not None and base is not None:
        document = load_document(base, CAMPAIGN_FILE)
        try:
            change(document)
            mine = {c.field for c in _campaign_changes(theirs_before, campaign_fields(document))}
        except (CampaignError, KeyError, TypeError, ValueError):
            mine = set()
    lines = [
        f"{CAMPAIGN_FILE}: {c.field} was changed by someone else since you opened it: "
        f"{c.old} → {c.new}" + ("; you changed it too" if c.field in mine else "")
        for c in _campaign_changes(theirs_before, theirs_after)
    ] or [f"{CAMPAIGN_FILE}: other parts of the file were changed since you opened it"]
    lines.sort(key=lambda line: "you changed it too" not in line)
    return ConflictError(headline, lines, safe_files.version(current))


def _campaign_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[edits.FieldChange, ...]:
    """The campaign fields that differ, field by field."""
    return edits.field_changes(before, after, CAMPAIGN_FIELDS, _ORDERS)


def _log_campaign(
    instance: str | os.PathLike[str],
    who: str,
    changes: Sequence[edits.FieldChange],
    summary: str,
) -> None:
    """The audit entry of a campaign.yaml save."""
    fields = [change.field for change in changes]
    action = "edit"
    if fields == ["open"]:
        action = "open" if changes[0].new == "True" else "close"
    described = ", ".join(fields)
    audit.record(
        instance,
        who,
        CAMPAIGN_FILE,
        action,
        summary=" — ".join(part for part in (summary, described) if part),
        fields=fields,
    )


def _restore_campaign(
    templates_dir: str | os.PathLike[str],
    old: bytes,
    version_id: str,
    who: str,
    instance: str | os.PathLike[str],
    expected_version: str,
) -> str:
    """Put a kept campaign.yaml back, checked, versioned and logged."""
    path = Path(templates_dir) / CAMPAIGN_FILE
    current = safe_files.read_if_exists(path)
    if safe_files.version(current) != expected_version:
        raise _campaign_conflict(instance, expected_version, current, None)
    try:
        safe_files.safe_write(
            path,
            old,
            expected_version,
            validate=lambda data: check_campaign_file(templates_dir, data),
            on_saved=versions.keeper(instance, CAMPAIGN_FILE, who),
        )
    except ConflictError:
        current = safe_files.read_if_exists(path)
        raise _campaign_conflict(instance, expected_version, current, None) from None
    audit.record(instance, who, CAMPAIGN_FILE, "restore", summary=f"restored {version_id}")
    return safe_files.version(old)
