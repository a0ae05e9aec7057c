"""The console's smaller forms: a letter body, subjects, asks, signing in, a CSV import, a
restore.

The office and campaign forms, with their conversions to the files' shapes, are in
`office_form` and `campaign_form`. Every form only bounds sizes (`campaign.limits`) and shapes
the input; the core checks it.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, StringField, ValidationError

from campaign import limits
from campaign.limits import CAMPAIGN_ITEMS, OFFICE, SUBJECT, TEMPLATE_SOURCE
from campaign.web.admin.common import console_path
from campaign.web.admin.fields import ConsoleForm, EditForm, Limit, area_field, line_field, stripped

# organisers.NAME allows 1 to 64 characters; limits.py has no organiser name (yet).


class LetterForm(EditForm):
    """The body of a letter (a template), and which button was pressed."""

    source = area_field(None, TEMPLATE_SOURCE)  # labelled by the page, with the file name
    action = StringField()

    def body(self) -> str:
        """The template source as typed (line ends as LF)."""
        return self.source.data or ""

    def saving(self) -> bool:
        """Whether the organiser pressed "Save" (else "Preview")."""
        return self.action.data == "save"


class SubjectsForm(EditForm):
    """The subject variants of one language, one a line."""

    subjects = area_field(
        _l("Subject variants, one a line"), CAMPAIGN_ITEMS["subjects"] * (SUBJECT + 1)
    )

    def lines(self) -> list[str]:
        """The subjects typed, without blank lines and outer spaces."""
        return [line.strip() for line in (self.subjects.data or "").split("\n") if line.strip()]


class AsksForm(EditForm):
    """What each office is asked in one language: a field "ask-<office id>" per office."""

    def texts(self) -> dict[str, str]:
        """Each office's ask as typed, by office id."""
        prefix = "ask-"
        return {
            field.name[len(prefix) :]: field.data or ""
            for field in self
            if field.name.startswith(prefix)
        }


def asks_form_class(office_ids: Iterable[str]) -> type[AsksForm]:
    """The asks form for these offices (the directory decides which fields it has)."""
    fields = {f"ask-{office_id}": area_field(office_id, OFFICE["ask"]) for office_id in office_ids}
    return type("AsksForm", (AsksForm,), fields)


class SignInForm(ConsoleForm):
    """An organiser's name and password."""

    name = line_field(_l("Organiser name"), limits.ORGANISER_NAME, filters=[stripped])
    password = PasswordField(_l("Password"), validators=[Limit(limits.PASSWORD)])


def code_field() -> StringField:
    """The code of the authenticator app, or a recovery code."""
    return line_field(_l("Code"), limits.SECOND_FACTOR_CODE, filters=[stripped])


class CodeForm(ConsoleForm):
    """A code from the app (or a recovery code): the second step of signing in, new codes."""

    code = code_field()


class FactorSetupForm(ConsoleForm):
    """The first code from the app, confirming the secret the page showed (carried back)."""

    secret = HiddenField()
    code = code_field()


class FactorOffForm(ConsoleForm):
    """The password and a code: turning the second factor off asks for both."""

    password = PasswordField(_l("Password"), validators=[Limit(limits.PASSWORD)])
    code = code_field()


class WithinUploadLimit:
    """A file of at most ADMIN_IMPORT_MAX_BYTES (limits.UPLOAD_BYTES unless configured)."""

    def __call__(self, form, field) -> None:
        limit = upload_limit()
        stream = field.data.stream
        size = len(stream.read(limit + 1))  # no further: a larger file is refused unread
        stream.seek(0)
        if size > limit:
            message = _("The file is larger than %(kb)d KB; split it.", kb=limit // 1000)
            raise ValidationError(message)


def upload_limit() -> int:
    """The largest CSV the console imports, in bytes."""
    return int(current_app.config["ADMIN_IMPORT_MAX_BYTES"])


class ImportForm(ConsoleForm):
    """The upload of a CSV to preview an import."""

    csv = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file to upload.")), WithinUploadLimit()],
    )

    def content(self) -> bytes:
        """The uploaded file's bytes (checked against the limit by `validate`)."""
        return self.csv.data.stream.read(upload_limit() + 1)

    def file_name(self) -> str:
        """The name the browser gave the file."""
        return self.csv.data.filename or ""


class ImportConfirmForm(EditForm):
    """The previewed CSV carried back (see `carry`), to import it."""

    name = HiddenField()
    blob = HiddenField()
    signed = HiddenField()


class RestoreForm(ConsoleForm):
    """Bring back a kept version of a file (the history's "Restore" buttons)."""

    version_id = HiddenField()
    expected = HiddenField()  # the version of the file the page showed
    back = HiddenField()  # the console page the button was on

    def back_to(self, fallback: str) -> str:
        """Where to go afterwards: the page of the button if it is a console page."""
        return console_path(self.back.data, fallback)
