"""The letters in the console: each language's body with a live preview, subjects and asks."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import directory, editing, limits
from campaign.directory.addresses import recipient_lines
from campaign.editing import campaign_fields, offices
from campaign.errors import CampaignError, ConflictError, InvalidData
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
from campaign.web.current import download, loaded, site

SUBJECTS_LIMIT = limits.CAMPAIGN_ITEMS["subjects"] * (limits.SUBJECT + 1)  # the textarea
ASK_LIMIT = limits.OFFICE["ask"]


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
        return letter_page(language, offices, office, source, version)
    source, version = request.form.get("source", ""), request.form.get("version", "")
    if request.form.get("action") != "save":
        return letter_page(language, offices, office, source, version)
    try:
        editing.save(site(), body_name(language), version, editing.replaced_by(source), who())
    except ConflictError as conflict:
        return letter_page(
            language, offices, office, source, conflict.current_version, conflict=conflict
        )
    except CampaignError as refused:
        return letter_page(language, offices, office, source, version, error=messages_of(refused))
    flash(_("The %(language)s letter was saved.", language=language), "success")
    return redirect(url_for("admin.letter", language=language, office=office.id), code=303)


@bp.post("/letters/<language>/preview")
def letter_preview(language: str):
    """The live preview as JSON: the letter the unsaved text gives the chosen office."""
    check_language(language)
    offices = open_directory().recipients
    office = chosen_office(offices, language)
    try:
        shown = preview(language, request.form.get("source", ""), office)
    except CampaignError as refused:
        return jsonify(error=messages_of(refused)), 400
    return jsonify(shown)


@bp.post("/letters/<language>/preview.pdf")
def letter_pdf(language: str):
    """The unsaved letter for the chosen office as its printed page (a PDF to open)."""
    check_language(language)
    offices = open_directory().recipients
    office = chosen_office(offices, language)
    source = request.form.get("source", "")
    try:
        made = editing.preview_letter(loaded(), language, source, office)
    except CampaignError as refused:
        version = request.form.get("version", "")
        return letter_page(language, offices, office, source, version, error=messages_of(refused))
    title = localized(loaded().appeal.campaign.title, language)
    pool = current_app.extensions["campaign.guards"].renders
    content = pool.pdf([made], templates_dir=site().templates, title=title)
    return download(content, f"preview-{language}-{office.id}.pdf", "application/pdf", inline=True)


@bp.route("/letters/<language>/subjects", methods=["GET", "POST"])
def subjects(language: str):
    """The subject variants of one language, one a line."""
    check_language(language)
    fields, version = open_campaign()
    text = "\n".join((fields.get("subjects") or {}).get(language, []))
    error, conflict = [], None
    if request.method == "POST":
        text = normalised(request.form.get("subjects", ""))
        version = request.form.get("version", "")
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        try:
            save_subjects(language, lines, version, text)
        except ConflictError as refused:
            conflict, version = refused, refused.current_version
        except CampaignError as refused:
            error = messages_of(refused)
        else:
            flash(_("The %(language)s subjects were saved.", language=language), "success")
            return redirect(url_for("admin.subjects", language=language), code=303)
    return render_template(
        "admin/subjects.html",
        active_page="admin.letters",
        language=language,
        text=text,
        version=version,
        error=error,
        conflict=conflict,
        limit=SUBJECTS_LIMIT,
        subject_limit=limits.SUBJECT,
    ), 409 if conflict else (400 if error else 200)


@bp.route("/letters/<language>/asks", methods=["GET", "POST"])
def asks(language: str):
    """What each office is asked, in one language (saved in recipients.yaml)."""
    check_language(language)
    current = open_directory()
    texts = {office.id: office.ask.get(language, "") for office in current.recipients}
    version, conflict = current.version, None
    errors: dict[str, list[str]] = {}
    others: list[str] = []
    notes: dict[str, str] = {}
    if request.method == "POST":
        version = request.form.get("version", "")
        texts = {key: normalised(request.form.get(f"ask-{key}", "")) for key in texts}
        errors = {key: [too_long()] for key, text in texts.items() if len(text) > ASK_LIMIT}
        if not errors:
            try:
                save_asks(language, texts, version)
            except ConflictError as refused:
                texts, notes = refreshed_asks(current, language, texts, version)
                conflict, version = refused, refused.current_version
            except InvalidData as invalid:
                errors, others = asks_errors(invalid, set(texts))
            except CampaignError as refused:
                others = messages_of(refused)
            else:
                flash(_("The %(language)s asks were saved.", language=language), "success")
                return redirect(url_for("admin.asks", language=language), code=303)
    failed = bool(errors or others)
    return render_template(
        "admin/asks.html",
        active_page="admin.letters",
        language=language,
        offices=current.recipients,
        texts=texts,
        version=version,
        errors=errors,
        others=others,
        conflict=conflict,
        notes=notes,
        limit=ASK_LIMIT,
    ), 409 if conflict else (400 if failed else 200)


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


def letter_page(language, offices, office, source, version, *, error=None, conflict=None):
    """The editor page: the text, the preview of it (or why there is none), versions."""
    shown, preview_error = None, []
    try:
        shown = preview(language, source, office)
    except CampaignError as refused:
        preview_error = messages_of(refused)
    file_name = body_name(language)
    html = render_template(
        "admin/letter.html",
        active_page="admin.letters",
        language=language,
        offices=offices,
        office=office,
        source=source,
        version=version,
        shown=shown,
        preview_error=preview_error,
        error=error or [],
        conflict=conflict,
        file_name=file_name,
        kept=versions.list_versions(site().instance, file_name, 8),
        source_limit=limits.TEMPLATE_SOURCE,
    )
    return html, 409 if conflict else (400 if error else 200)


def save_subjects(language: str, lines: list[str], version: str, text: str) -> None:
    """Save the subject variants of a language in campaign.yaml."""
    if len(text) > SUBJECTS_LIMIT:
        raise CampaignError(too_long())
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


def refreshed_asks(current, language: str, texts: dict[str, str], version: str):
    """After a conflict: my asks over the ones saved now, and notes on what someone else changed."""
    first = opened(site().recipients.name, version)
    if first is None:
        return texts, {}
    before = directory.from_bytes(site().recipients, first).recipients
    now = current.recipients  # read at the start of this request, after the other save

    def asks_of(offices) -> dict[str, str]:
        return {office.id: office.ask.get(language, "") for office in offices}

    return merge.merge(texts, asks_of(before), asks_of(now))


def asks_errors(invalid: InvalidData, office_ids: set[str]) -> tuple[dict, list[str]]:
    """The problems of the asks by office, and the others as sentences."""
    errors: dict[str, list[str]] = {}
    others = []
    for problem in invalid.problems:
        label, _dot, path = problem.field.partition(".")
        if label in office_ids and path.startswith("ask"):
            errors.setdefault(label, []).append(problem.message)
        else:
            others.append(f"{problem.where}: {problem.field}: {problem.message}")
    return errors, others


def normalised(text: str) -> str:
    """A textarea's text with the line ends of a file (the browser sends CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def too_long() -> str:
    """The message of a text over its limit."""
    return _("This text is too long; please shorten it.")
