"""Render one Letter: the appeal's compiled bodies and call scripts, filled in for one office.

Every template is compiled by `compile_source`, the one way in: it refuses an over-long source,
a syntax error and a reach for a private name, each at its line, and renders in the one sandbox
(`sandbox.letter_environment`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from campaign import limits
from campaign.directory.addresses import country_name
from campaign.directory.schema import LETTER_KEYS
from campaign.errors import CampaignError, TemplateError
from campaign.letters import disclosure
from campaign.letters.campaign_file import parse_campaign
from campaign.letters.sandbox import letter_environment, refused_parts, where, within
from campaign.models import LANGUAGES, Campaign, Letter, Recipient, Sender, localized
from campaign.site import CAMPAIGN_FILE, body_name, thanks_name
from campaign.storage import safe_files
from campaign.text import long_date, utf8


@dataclass(frozen=True)
class Appeal:
    """The campaign and its compiled letter bodies and call scripts, one per language."""

    folder: Path  # letter_templates/
    campaign: Campaign
    bodies: Mapping[str, jinja2.Template]
    call_scripts: Mapping[str, jinja2.Template]
    # The thank-you letters (thanks.<language>.txt, all or none), offered when the appeal is
    # won; `thanks_only` marks the Appeal whose bodies are them (letters.states.thanks_appeal).
    thanks: Mapping[str, jinja2.Template] = field(default_factory=dict)
    thanks_only: bool = False

    def body_file(self, language: str) -> str:
        """The file the body of `language` comes from, for messages."""
        return thanks_name(language) if self.thanks_only else body_name(language)


def load(templates_dir: Path | str, replaced: Mapping[str, bytes] | None = None) -> Appeal:
    """campaign.yaml and every language's body, compiled; `replaced` gives files' new content."""
    folder = Path(templates_dir)
    if not folder.is_dir():
        raise CampaignError(f"{folder}: no such folder; pass --templates DIR with campaign.yaml")
    replaced = replaced or {}
    campaign = parse_campaign(_read(folder, CAMPAIGN_FILE, replaced), CAMPAIGN_FILE)
    bodies = {
        language: compile_source(folder, body_name(language), _body(folder, language, replaced))
        for language in LANGUAGES
    }
    call_scripts = {
        language: compile_source(folder, f"{CAMPAIGN_FILE}: call_script.{language}", source)
        for language, source in campaign.call_script.items()
    }
    return Appeal(folder, campaign, bodies, call_scripts, _thanks(folder, campaign, replaced))


def _thanks(
    folder: Path, campaign: Campaign, replaced: Mapping[str, bytes]
) -> dict[str, jinja2.Template]:
    """The thank-you letters, compiled: one in every language, or none at all."""
    found: dict[str, bytes] = {}
    for language in LANGUAGES:
        name = thanks_name(language)
        data = replaced[name] if name in replaced else safe_files.read_if_exists(folder / name)
        if data is not None:
            found[language] = data
    if not found:
        return {}
    for language in LANGUAGES:
        if language not in found:
            written = ", ".join(thanks_name(other) for other in found)
            verb = "exists" if len(found) == 1 else "exist"
            raise TemplateError(
                thanks_name(language),
                f"missing; {written} {verb}, and a thank-you letter needs one in every "
                f"language ({', '.join(LANGUAGES)}), like the appeal: write it, or remove the "
                "others",
            )
    if "en" not in campaign.thanks_subjects:
        raise TemplateError(
            CAMPAIGN_FILE,
            "thanks_subjects is missing: the thank-you letters need their subject lines, a list "
            "per language as under subjects (English required)",
        )
    return {
        language: compile_source(folder, thanks_name(language), utf8(data, thanks_name(language)))
        for language, data in found.items()
    }


def compile_source(templates_dir: Path, name: str, source: str) -> jinja2.Template:
    """Compile a letter template (named `name` in messages); TemplateError at its line."""
    if len(source) > limits.TEMPLATE_SOURCE:
        raise TemplateError(
            name, f"is {len(source):,} characters long; the limit is {limits.TEMPLATE_SOURCE:,}"
        )
    environment = letter_environment(templates_dir)
    try:
        parsed = environment.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(where(name, error.lineno), str(error.message)) from None
    for line, what in refused_parts(parsed):
        hint = (
            "a template may use only the values listed at the top of the file "
            "(sender, recipient, ask, language)"
        )
        raise TemplateError(where(name, line), what if "{%" in what else f"{what}; {hint}")
    return environment.from_string(parsed)


def _read(folder: Path, name: str, replaced: Mapping[str, bytes]) -> bytes:
    """A file's content: the replacement given, else the file on disk."""
    if name in replaced:
        return replaced[name]
    data = safe_files.read_if_exists(folder / name)
    if data is None:
        raise TemplateError(name, "missing; restore it (every language needs its letter body)")
    return data


def _body(folder: Path, language: str, replaced: Mapping[str, bytes]) -> str:
    """The source of a letter body, or TemplateError when it is not UTF-8 text."""
    return utf8(_read(folder, body_name(language), replaced), body_name(language))


def render_call_script(appeal: Appeal, recipient: Recipient, sender: Sender, language: str) -> str:
    """What to say when phoning `recipient`, in the supporter's `language`."""
    template = appeal.call_scripts.get(language) or appeal.call_scripts["en"]
    name = f"campaign.yaml: call_script.{language}"
    sender = disclosure.disclosed(sender, disclosure.rule_for(appeal.campaign, recipient))
    return render_body(template, name, recipient, sender, language).strip()


def letter_language(recipient: Recipient, forced: str | None = None) -> str:
    """The language to write to `recipient` in: the office's own unless one is forced."""
    language = forced if forced and forced != "auto" else recipient.language
    if language not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        raise CampaignError(f'unknown language "{language}"; use auto or one of {known}')
    return language


def render_letter(
    appeal: Appeal,
    recipient: Recipient,
    sender: Sender,
    language: str | None = None,
    today: dt.date | None = None,
) -> Letter:
    """Render the letter from `sender` to `recipient` in `language` (default: the office's)."""
    language = letter_language(recipient, language)
    campaign = appeal.campaign
    # From here on the sender is what this office may learn: the body, the date line, the
    # letterhead and every draft see nothing else.
    rule = disclosure.rule_for(campaign, recipient)
    sender = disclosure.disclosed(sender, rule)
    organisation = campaign.organisation if rule == "organisation" else None
    name = appeal.body_file(language)  # the appeal's body, or the thank-you letter's
    body = render_body(appeal.bodies[language], name, recipient, sender, language)
    return Letter(
        recipient=recipient,
        sender=sender,
        language=language,
        subject=pick_subject(campaign, language, sender, recipient),
        place_date=place_and_date(sender, language, today or dt.date.today()),
        salutation=localized(recipient.salutation, language) + ",",
        body=body,
        closing=localized(campaign.closing, language),
        signature=disclosure.block_of(sender, rule, organisation, language).signature,
        disclosure=rule,
        organisation=organisation,
    )


def render_body(
    template: jinja2.Template,
    name: str,
    recipient: Recipient,
    sender: Sender,
    language: str,
) -> str:
    """The letter body as text; any template failure becomes a TemplateError with its line.

    Every render, for every supporter, runs under a time budget (limits.RENDER_S): a branch
    that the checks' sample supporters never take cannot hold a worker either.
    """
    context = letter_context(recipient, sender, language)
    slow = f"this letter takes longer than {limits.RENDER_S:g} s to write; simplify the loops"
    try:
        with within(limits.RENDER_S, name, slow, template):
            return template.render(context).strip() + "\n"
    except TemplateError:
        raise
    except Exception as error:  # undefined names, the sandbox, 1/0, overflow, recursion, ...
        raise TemplateError(where(name, error_line(error)), _explain(error)) from None


def letter_context(recipient: Recipient, sender: Sender, language: str) -> dict:
    """What a letter template may use: plain dicts and strings only, never Python objects."""
    return {
        "sender": {
            "name": sender.name,
            "street": sender.street,
            "postcode": sender.postcode,
            "city": sender.city,
            "country": country_name(sender.country, language),
            "email": sender.email,
            "note": sender.note,
        },
        "recipient": {key: getattr(recipient, key) for key in LETTER_KEYS},
        "ask": localized(recipient.ask, language),
        "language": language,
    }


def error_line(error: Exception, file_name: str = ".txt") -> int:
    """The template line where `error` happened: its own, else from the rewritten traceback."""
    line = getattr(error, "lineno", None)
    if isinstance(line, int) and line:
        return line  # syntax errors know their line
    frames = traceback.extract_tb(error.__traceback__)
    lines = [
        frame.lineno
        for frame in frames
        if frame.filename.endswith(file_name) or "<template>" in frame.filename
    ]
    return lines[-1] if lines and lines[-1] else 0


def _explain(error: Exception) -> str:
    """What went wrong in words an organiser can act on."""
    message = str(error).rstrip(".")
    if "unsafe" in message:
        return f"{message}; templates may use only the values listed at the top of the file"
    if isinstance(error, jinja2.UndefinedError):
        return f"{message}; check the spelling against the values listed at the top of the file"
    if isinstance(error, jinja2.TemplateError):
        return message
    return f"the template fails: {type(error).__name__}: {message}"


def pick_subject(campaign: Campaign, language: str, sender: Sender, recipient: Recipient) -> str:
    """One subject variant, the same for the same supporter and office every time."""
    variants = campaign.subjects.get(language) or campaign.subjects["en"]
    digest = hashlib.sha256(f"{sender.name}\n{recipient.id}".encode()).digest()
    return variants[int.from_bytes(digest[:4], "big") % len(variants)]


def place_and_date(sender: Sender, language: str, today: dt.date) -> str:
    """'Rome, 22 November 2026': the sender's city and the long date in the letter's language."""
    date = long_date(today, language)
    date = date.replace("\u202f", "\u00a0")  # CLDR's narrow no-break space: not in PT Serif
    return f"{sender.city}, {date}" if sender.city else date
