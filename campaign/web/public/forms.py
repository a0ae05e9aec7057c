"""The supporter's form: fields, choices in the interface language, and errors per field."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from campaign import limits
from campaign.directory.addresses import countries
from campaign.errors import Problem
from campaign.limits import SENDER as LIMITS
from campaign.models import LANGUAGES, Recipient

SENDER_FIELDS = ("name", "street", "postcode", "city", "country", "email", "note")
AUTO = "auto"  # each office in its own language


class WriteForm(FlaskForm):
    """Who writes, to which offices, in which language. make_sender does the checking."""

    class Meta:
        csrf = False  # CSRFProtect checks every POST of the app, this form's included

    name = StringField(_l("Your name"))
    street = StringField(_l("Street and house number"))
    postcode = StringField(_l("Postcode"))
    city = StringField(_l("Town or city"))
    country = SelectField(_l("Country"), validate_choice=False)
    email = EmailField(_l("E-mail address"))
    note = TextAreaField(_l("A personal note"))
    offices = SelectMultipleField(_l("Offices to write to"), validate_choice=False)
    language = RadioField(_l("Letter language"), default=AUTO, validate_choice=False)

    def set_choices(self, ui_language: str, offices: list[Recipient]) -> None:
        """Countries named in the interface language, the directory's offices, the languages."""
        self.country.choices = [("", _("(not given)")), *countries(ui_language).items()]
        self.offices.choices = [(office.id, office.office) for office in offices]
        self.language.choices = [(AUTO, _("Each office in its own language"))] + [
            (code, all_letters_in(code)) for code in LANGUAGES
        ]

    def sender_values(self) -> dict[str, str]:
        """The sender's fields as typed, for make_sender."""
        return {field: getattr(self, field).data or "" for field in SENDER_FIELDS}

    def add_problems(self, problems: list[Problem]) -> None:
        """Put each problem next to its field, in the interface language."""
        for problem in problems:
            field = getattr(self, problem.where, None)
            if field is not None and not isinstance(field, str):
                field.errors = [*field.errors, problem_message(problem, field.data)]


def all_letters_in(code: str) -> str:
    """The choice "all letters in <language>", in the interface language."""
    texts = {
        "en": _("All letters in English"),
        "it": _("All letters in Italian"),
        "ru": _("All letters in Russian"),
    }
    return texts.get(code, code)


def letter_in(code: str) -> str:
    """The title of the letter's column: "The letter, in <language>"."""
    texts = {
        "en": _("The letter, in English"),
        "it": _("The letter, in Italian"),
        "ru": _("The letter, in Russian"),
    }
    return texts.get(code, code)


def translation_into(code: str) -> str:
    """The title of the translation's column: "Translation into <language>"."""
    texts = {
        "en": _("Translation into English"),
        "it": _("Translation into Italian"),
        "ru": _("Translation into Russian"),
    }
    return texts.get(code, code)


def problem_message(problem: Problem, value: object) -> str:
    """What is wrong with a field, said in the interface language."""
    where = problem.where
    limit = LIMITS.get(where)
    if limit and isinstance(value, str) and "the limit is" in problem.message:
        return _(
            "Please shorten this to %(limit)d characters (it has %(length)d).",
            limit=limit,
            length=len(value.strip()),
        )
    if where == "offices" and problem.message == "paused":
        return _(
            "%(office)s takes no letters for now, so it is no longer offered. Press the button "
            "again to write to the other offices.",
            office=problem.field,
        )
    if where == "offices" and problem.message == "too many":
        return _(
            "Please choose at most %(limit)s offices at once.", limit=limits.LETTERS_PER_REQUEST
        )
    messages = {
        "name": _("Please enter your name: it is the name you sign the letters with."),
        "country": _("Please choose a country from the list."),
        "email": _("This is not a valid e-mail address; check it, or leave the field empty."),
        "offices": _("Please choose at least one office."),
        "language": _("Please choose a letter language from the list."),
    }
    return messages.get(where, problem.message)


def report_label(kind: str) -> str:
    """The name of a kind of report ("what happened next") in the interface language."""
    labels = {
        "returned": _("Returned or bounced"),
        "no_answer": _("No answer"),
        "acknowledged": _("Acknowledged"),
        "answered": _("Answered"),
    }
    return labels.get(kind, kind)


def channel_label(channel: str) -> str:
    """The name of a channel of "I sent it" in the interface language."""
    labels = {
        "post": _("by post"),
        "email": _("by e-mail"),
        "phone": _("by phone"),
        "fax": _("by fax"),
    }
    return labels.get(channel, channel)


def disclosure_label(rule: str) -> str:
    """A disclosure rule in a few words, in the interface language."""
    labels = {
        "full": _("Full: name, address and e-mail"),
        "city": _("City: name, town and country"),
        "name": _("Name only"),
        "organisation": _("Organisation: the name over the organisation's return address"),
    }
    return labels.get(rule, rule)
