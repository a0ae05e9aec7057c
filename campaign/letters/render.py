"""Letter templates: the sandboxed Jinja environment, campaign.yaml, and rendering one Letter."""

from __future__ import annotations

import datetime as dt
import hashlib
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.dates import format_date
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from campaign.directory.addresses import country_name, sender_lines
from campaign.errors import CampaignError, TemplateError
from campaign.letters.campaign_file import load_campaign
from campaign.letters.sandbox import letter_environment
from campaign.models import LANGUAGES, Campaign, Letter, Recipient, Sender, localized

# Babel locales for the long date: British English writes "22 November 2026".
_DATE_LOCALES = {"en": "en_GB", "it": "it_IT", "ru": "ru_RU"}


def environment(templates_dir: Path, *, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """A sandboxed Jinja environment: organisers edit the templates, so none may reach Python."""
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Templates:
    """The campaign and its compiled letter bodies, one per language."""

    directory: Path
    campaign: Campaign
    bodies: Mapping[str, jinja2.Template]
    call_scripts: Mapping[str, jinja2.Template]


def body_name(language: str) -> str:
    """The file name of the letter body in `language`."""
    return f"letter.{language}.txt"


def load(templates_dir: Path | str) -> Templates:
    """Load campaign.yaml and compile the letter body of every language."""
    directory = Path(templates_dir)
    if not directory.is_dir():
        raise CampaignError(f"{directory}: no such folder; pass --templates DIR with campaign.yaml")
    campaign = load_campaign(directory / "campaign.yaml")
    env = letter_environment(directory)
    bodies = {language: _compile(env, body_name(language)) for language in LANGUAGES}
    call_scripts = {
        language: _compile_string(env, "campaign.yaml: call_script." + language, source)
        for language, source in campaign.call_script.items()
    }
    return Templates(directory, campaign, bodies, call_scripts)


def compile_body(templates: Templates, language: str, source: str) -> jinja2.Template:
    """Compile an edited letter body, raising TemplateError with its line on a syntax error."""
    return compile_source(templates.directory, body_name(language), source)


def compile_source(templates_dir: Path, name: str, source: str) -> jinja2.Template:
    """Compile a letter template held in memory (named `name` in messages) in the sandbox."""
    try:
        return letter_environment(templates_dir).from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{name}:{error.lineno}", str(error.message)) from None


def _compile(env: ImmutableSandboxedEnvironment, name: str) -> jinja2.Template:
    """The template `name`, or a TemplateError naming its file and line."""
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        raise TemplateError(name, "missing; every language needs its letter body") from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{name}:{error.lineno}", str(error.message)) from None


def _compile_string(env: ImmutableSandboxedEnvironment, name: str, source: str) -> jinja2.Template:
    """A template held in campaign.yaml, or a TemplateError naming it."""
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(name, str(error.message)) from None


def render_call_script(
    templates: Templates, recipient: Recipient, sender: Sender, language: str
) -> str:
    """What to say when phoning `recipient`, in the supporter's `language`."""
    template = templates.call_scripts.get(language) or templates.call_scripts["en"]
    name = f"campaign.yaml: call_script.{language}"
    return render_body(template, name, recipient, sender, language).strip()


def letter_language(recipient: Recipient, forced: str | None = None) -> str:
    """The language to write to `recipient` in: the office's own unless one is forced."""
    language = forced if forced and forced != "auto" else recipient.language
    if language not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        raise CampaignError(f'unknown language "{language}"; use auto or one of {known}')
    return language


def render_letter(
    templates: Templates,
    recipient: Recipient,
    sender: Sender,
    language: str | None = None,
    today: dt.date | None = None,
) -> Letter:
    """Render the letter from `sender` to `recipient` in `language` (default: the office's)."""
    language = letter_language(recipient, language)
    campaign = templates.campaign
    body = render_body(templates.bodies[language], body_name(language), recipient, sender, language)
    email = [sender.email] if sender.email else []
    return Letter(
        recipient=recipient,
        sender=sender,
        language=language,
        subject=pick_subject(campaign, language, sender, recipient),
        place_date=place_and_date(sender, language, today or dt.date.today()),
        salutation=localized(recipient.salutation, language) + ",",
        body=body,
        closing=localized(campaign.closing, language),
        signature=(*sender_lines(sender, language), *email),
    )


def render_body(
    template: jinja2.Template,
    name: str,
    recipient: Recipient,
    sender: Sender,
    language: str,
) -> str:
    """The letter body as text; any template failure becomes a TemplateError with its line."""
    context = letter_context(recipient, sender, language)
    try:
        return template.render(context).strip() + "\n"
    except (jinja2.UndefinedError, SecurityError, jinja2.TemplateError, TypeError) as error:
        raise TemplateError(f"{name}:{error_line(error)}", _explain(error)) from None


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
        "recipient": {
            "id": recipient.id,
            "office": recipient.office,
            "office_local": recipient.office_local,
            "person": recipient.person,
            "title": recipient.title,
            "country": recipient.country,
        },
        "ask": localized(recipient.ask, language),
        "language": language,
    }


def error_line(error: Exception, file_name: str = ".txt") -> int:
    """The template line where `error` happened: its own, else from the rewritten traceback."""
    if getattr(error, "lineno", None):
        return error.lineno  # syntax errors know their line
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
    return message


def pick_subject(campaign: Campaign, language: str, sender: Sender, recipient: Recipient) -> str:
    """One subject variant, the same for the same supporter and office every time."""
    variants = campaign.subjects.get(language) or campaign.subjects["en"]
    digest = hashlib.sha256(f"{sender.name}\n{recipient.id}".encode()).digest()
    return variants[int.from_bytes(digest[:4], "big") % len(variants)]


def place_and_date(sender: Sender, language: str, today: dt.date) -> str:
    """'Rome, 22 November 2026': the sender's city and the long date in the letter's language."""
    date = format_date(today, format="long", locale=_DATE_LOCALES[language])
    date = date.replace("\u202f", "\u00a0")  # CLDR's narrow no-break space: not in PT Serif
    return f"{sender.city}, {date}" if sender.city else date
