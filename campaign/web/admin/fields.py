"""What the console's forms share: a base form, bounded text fields, line ends, flat values.

The forms only bound sizes and shape the input; the core (`editing`, `directory`) does every
real check, and its problems are put next to the fields they concern (`add_errors`). Values
travel as a flat mapping of HTML field names ("title-en", "chronology-2-date") where the
console merges them after a conflict (`merge.merge`): `flat_values` and `reload` turn a form
into that mapping and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Length

from campaign.text import lf


def lf_line_ends(value: Any) -> Any:
    """A text with the line ends of a file: browsers send CRLF, the files keep LF."""
    return lf(value) if isinstance(value, str) else value


def stripped(value: Any) -> Any:
    """A one-word value without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class Limit(Length):
    """At most `limit` characters, said as the rest of the site says it; sets `maxlength`."""

    def __init__(self, limit: int):
        super().__init__(max=limit)

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(too_long(self.max, length))


def too_long(limit: int, length: int) -> str:
    """The message of a field over its limit, in the interface language."""
    return _(
        "Please shorten this to %(limit)d characters (it has %(length)d).",
        limit=limit,
        length=length,
    )


def line_field(label: Any, limit: int, **options: Any) -> StringField:
    """A one-line text field of at most `limit` characters."""
    filters = [lf_line_ends, *options.pop("filters", ())]
    return StringField(label, validators=[Limit(limit)], filters=filters, **options)


def area_field(label: Any, limit: int, **options: Any) -> TextAreaField:
    """A text area of at most `limit` characters, its line ends as LF."""
    filters = [lf_line_ends, *options.pop("filters", ())]
    return TextAreaField(label, validators=[Limit(limit)], filters=filters, **options)


def choice_field(label: Any, limit: int) -> SelectField:
    """A choice from a list; the core checks the choice, the form only its size."""
    return SelectField(label, validators=[Limit(limit)], validate_choice=False)


class ConsoleForm(FlaskForm):
    """A form of the console. CSRFProtect checks every POST of the app, this form's included."""

    class Meta:
        csrf = False

    def fields_with_errors(self) -> list[Field]:
        """The inputs with an error, in the order of the form."""
        return [field for field in leaf_fields(self) if field.errors]

    def refused(self) -> bool:
        """Whether any input has an error."""
        return bool(self.fields_with_errors())


class EditForm(ConsoleForm):
    """A form that saves a file: it carries the version of the file it was opened from."""

    version = HiddenField()


Form = TypeVar("Form", bound=ConsoleForm)


def posted_or(
    form_class: type[Form], version: str, values: Mapping[str, Any] | None = None
) -> Form:
    """The form as posted (POST), or (GET) one opened with `values` at the file's `version`."""
    if request.method == "POST":
        return form_class()  # only what was posted: a missing field is empty, not a default
    return form_class(data={**(values or {}), "version": version})


def add_errors(field: Field, messages: Iterable[str]) -> None:
    """Put messages (e.g. the core's problems) next to a field, after its own."""
    field.errors = [*field.errors, *messages]


def leaf_fields(form: Any) -> Iterator[Field]:
    """The inputs of a form, the ones inside lists and sub-forms included (not the version)."""
    for field in form:
        if isinstance(field, FormField):
            yield from leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from leaf_fields(field.entries)
        elif field.short_name != "version":
            yield field


def by_name(form: Any) -> dict[str, Field]:
    """Each input of a form by its HTML name ("chronology-2-date")."""
    return {field.name: field for field in leaf_fields(form)}


def flat_values(form: Any) -> dict[str, str]:
    """The form's values by HTML name, as a browser would post them (merge works on these)."""
    values = {}
    for field in leaf_fields(form):
        if isinstance(field, BooleanField):
            values[field.name] = "1" if field.data else ""
        else:
            values[field.name] = "" if field.data is None else str(field.data)
    return values


def reload(form: ConsoleForm, values: Mapping[str, str], version: str) -> None:
    """Fill a form with flat values (and a version), as if they had been posted."""
    form.process(formdata=MultiDict({**values, "version": version}))
