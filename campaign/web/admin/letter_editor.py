"""The letters in the console: each language's body with a live preview, subjects and asks."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import directory, editing
from campaign.directory.addresses import recipient_lines
from campaign.editing import campaign_fields, offices
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.limits import SUBJECT
from campaign.models import LANGUAGES, Recipient, localized
from campaign.site import CAMPAIGN_FILE, body_name
from campaign.storage import versions
from campaign.web.admin import bp, merge
from campaign.web.admin.common import (
    messages_of,
    open_campaign,
    open_directory,
    opened,
    save_yaml,
    who,
)
from campaign.web.admin.fields import add_errors, by_name, flat_values, posted_or, reload
from campaign.web.admin.forms import LetterForm, SubjectsForm, asks_form_class
from campaign.web.current import database, download, loaded, site


@bp.get("/letters")
def letters():
    """The letters start with the English one."""
    return redirect(url_for("admin.letter", language="en"))


@bp.route("/letters/<language>", methods=["GET", "POST"])
def letter(language: str):
    """The body of one language: edit, preview (without JavaScript too) and save."""
    check_language(language)
    offices = open_directory().recipients
    office = chosen_office(offices, language)
    if request.method == "GET":
        data, version = editing.open_file(site(), body_name(language))
        source = data.decode("utf-8", "replace")
        form = LetterForm(data={"source": source, "version": version})
        return letter_page(language, offices, office, form)
    form = LetterForm()
    if not form.validate() or not form.saving():
        return letter_page(language, offices, office, form)
    try:
        editing.save(
            site(),
            body_name(language),
            form.version.data or "",
            editing.replaced_by(form.body()),
            who(),
        )
    except ConflictError as conflict:
        form.version.data = conflict.current_version
        return letter_page(language, offices, office, form, conflict=conflict)
    except CampaignError as refused:
        add_errors(form.source, messages_of(refused))
        return letter_page(language, offices, office, form)
    flash(_("The %(language)s letter was saved.", language=language), "success")
    return redirect(url_for("admin.letter", language=language, office=office.id), code=303)


@bp.post("/letters/<language>/preview")
def letter_preview(language: str):
    """The live preview as JSON: the letter the unsaved text gives the chosen office."""
    check_language(language)
    offices = open_directory().recipients
    office = chosen_office(offices, language)
    form = LetterForm()
    if not form.validate():
        return jsonify(error=form.source.errors), 400
    try:
        shown = preview(language, form.body(), office)
    except CampaignError as refused:
        return jsonify(error=messages_of(refused)), 400
    return jsonify(shown)


@bp.post("/letters/<language>/preview.pdf")
def letter_pdf(language: str):
    """The unsaved letter for the chosen office as its printed page (a PDF to open)."""
    check_language(language)
    offices = open_directory().recipients
    office = chosen_office(offices, language)
    form = LetterForm()
    if not form.validate():
        return letter_page(language, offices, office, form)
    try:
        made = editing.preview_letter(loaded(), language, form.body(), office)
    except CampaignError as refused:
        add_errors(form.source, messages_of(refused))
        return letter_page(language, offices, office, form)
    title = localized(loaded().appeal.campaign.title, language)
    pool = current_app.extensions["campaign.guards"].renders
    content = pool.pdf([made], templates_dir=site().templates, title=title)
    return download(content, f"preview-{language}-{office.id}.pdf", "application/pdf", inline=True)


@bp.route("/letters/<language>/subjects", methods=["GET", "POST"])
def subjects(language: str):
    """The subject variants of one language, one a line."""
    check_language(language)
    if request.method == "GET":
        fields, version = open_campaign()
        text = "\n".join((fields.get("subjects") or {}).get(language, []))
        return subjects_page(language, SubjectsForm(data={"subjects": text, "version": version}))
    form = SubjectsForm()
    if not form.validate():
        return subjects_page(language, form)
    try:
        save_subjects(language, form.lines(), form.version.data or "")
    except ConflictError as refused:
        form.version.data = refused.current_version
        return subjects_page(language, form, conflict=refused)
    except CampaignError as refused:
        add_errors(form.subjects, messages_of(refused))
        return subjects_page(language, form)
    flash(_("The %(language)s subjects were saved.", language=language), "success")
    return redirect(url_for("admin.subjects", language=language), code=303)


@bp.route("/letters/<language>/asks", methods=["GET", "POST"])
def asks(language: str):
    """What each office is asked, in one language (saved in recipients.yaml)."""
    check_language(language)
    current = open_directory()
    form_class = asks_form_class(office.id for office in current.recipients)
    form = posted_or(form_class, current.version, asks_of(current.recipients, language))
    others, conflict, notes = [], None, {}
    if request.method == "POST" and form.validate():
        version = form.version.data or ""
        try:
            save_asks(language, form.texts(), version)
        except ConflictError as refused:
            notes = refreshed_asks(current, language, form, version, refused.current_version)
            conflict = refused
        except InvalidData as invalid:
            others = asks_errors(invalid, form)
        except CampaignError as refused:
            others = messages_of(refused)
        else:
            flash(_("The %(language)s asks were saved.", language=language), "success")
            return redirect(url_for("admin.asks", language=language), code=303)
    status = 409 if conflict else (400 if form.refused() or others else 200)
    return render_template(
        "admin/asks.html",
        active_page="admin.letters",
        language=language,
        offices=current.recipients,
        form=form,
        others=others,
        conflict=conflict,
        notes=notes,
    ), status


# --- helpers ------------------------------------------------------------------------------


def check_language(language: str) -> None:
    """404 for a language letters are not written in."""
    if language not in LANGUAGES:
        abort(404)


def chosen_office(offices: tuple[Recipient, ...], language: str) -> Recipient:
    """The office the preview is for: the one asked for, else the first written to in `language`."""
    wanted = request.values.get("office", "")
    for office in offices:
        if office.id == wanted:
            return office
    return next((office for office in offices if office.language == language), offices[0])


def preview(language: str, source: str, office: Recipient) -> dict:
    """The preview of the unsaved text for one office: subject, address and the letter."""
    made = editing.preview_letter(loaded(), language, source, office)
    return {
        "subject": made.subject,
        "address": recipient_lines(office, language),
        "text": made.text,
        "office": office.id,
    }


def letter_page(language, offices, office, form: LetterForm, *, conflict=None):
    """The editor page: the text, the preview of it (or why there is none), versions."""
    shown, preview_error = None, []
    try:
        shown = preview(language, form.body(), office)
    except CampaignError as refused:
        preview_error = messages_of(refused)
    file_name = body_name(language)
    html = render_template(
        "admin/letter.html",
        active_page="admin.letters",
        language=language,
        offices=offices,
        office=office,
        form=form,
        shown=shown,
        preview_error=preview_error,
        conflict=conflict,
        file_name=file_name,
        kept=versions.list_versions(database(), file_name, 8),
    )
    return html, 409 if conflict else (400 if form.refused() else 200)


def subjects_page(language: str, form: SubjectsForm, *, conflict=None):
    """The subjects of one language, with the errors or the conflict of a save."""
    html = render_template(
        "admin/subjects.html",
        active_page="admin.letters",
        language=language,
        form=form,
        conflict=conflict,
        subject_limit=SUBJECT,
    )
    return html, 409 if conflict else (400 if form.refused() else 200)


def save_subjects(language: str, lines: list[str], version: str) -> None:
    """Save the subject variants of a language in campaign.yaml."""
    save_yaml(
        CAMPAIGN_FILE,
        version,
        lambda document: campaign_fields.set_subjects(document, language, lines),
        f"subjects ({language})",
    )


def save_asks(language: str, texts: dict[str, str], version: str) -> None:
    """Save every office's ask in one language, in one safe save of recipients.yaml."""

    def change(document) -> None:
        for office_id, text in texts.items():
            offices.set_ask(document, office_id, language, text.strip())

    save_yaml(site().recipients.name, version, change, f"asks ({language})")


def asks_of(offices, language: str) -> dict[str, str]:
    """Each office's ask in one language, by the name of its field in the asks form."""
    return {f"ask-{office.id}": office.ask.get(language, "") for office in offices}


def refreshed_asks(current, language: str, form, version: str, newest: str) -> dict:
    """After a conflict: my asks over the ones saved now (in the form, at the newest version),
    and notes on what someone else changed."""
    first = opened(site().recipients.name, version)
    if first is None:
        form.version.data = newest
        return {}
    before = directory.from_bytes(site().recipients, first).recipients
    now = current.recipients  # read at the start of this request, after the other save
    merged, notes = merge.merge(
        flat_values(form), asks_of(before, language), asks_of(now, language)
    )
    reload(form, merged, newest)
    return notes


def asks_errors(invalid: InvalidData, form) -> list[str]:
    """Put the problems of the asks next to their offices; the others come back as sentences."""
    fields = by_name(form)
    others = []
    for problem in invalid.problems:
        label, _dot, path = problem.field.partition(".")
        name = f"ask-{label}"
        if name in fields and path.startswith("ask"):
            add_errors(fields[name], [problem.message])
        else:
            others.append(f"{problem.where}: {problem.field}: {problem.message}")
    return others
