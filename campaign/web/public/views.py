"""The supporters' pages: the campaign, the form, the preview, the downloads, "I sent it"."""

from __future__ import annotations

import dataclasses

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from campaign import limits
from campaign.directory import channels
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.letters import drafts, pdf, states
from campaign.models import Letter, localized
from campaign.rulebook import Loaded
from campaign.storage import counts
from campaign.storage.database import DatabaseError
from campaign.text import one_line
from campaign.web.current import database, download, loaded
from campaign.web.guards import client_key
from campaign.web.i18n import ui_language
from campaign.web.public import preview as build
from campaign.web.public.campaign_page import campaign_view, offices_view, updates_view
from campaign.web.public.forms import WriteForm

bp = Blueprint("public", __name__)


@bp.get("/")
def campaign_page():
    """The campaign: what happened, who says so, whom to write to, and the call to act."""
    current = loaded()
    return render_template(
        "campaign.html", page=campaign_view(current, ui_language()), total=counts.total(database())
    )


@bp.route("/write", methods=["GET", "POST"])
def write():
    """The form; a valid POST answers with the preview of the letters."""
    current = offered_or_none()
    if current is None:
        return no_letters_page(), 403 if request.method == "POST" else 200
    form = writing_form(current)
    if request.method == "GET" or request.form.get("relang"):
        if request.method == "GET":
            form.offices.data = [o.id for o in states.writable(current.directory.recipients)]
        return write_page(current, form)
    letters = build.render_letters(current, read(form, current))
    return preview_page(current, form, letters, standard=build.standard_ids(letters, letters))


@bp.post("/preview")
def preview():
    """The preview again, with the supporter's edits (the "Update links" button)."""
    current = open_campaign()
    form = writing_form(current)
    letters, errors, standard = edited_letters(current, form)
    return preview_page(current, form, letters, errors, standard=standard)


@bp.post("/preview/links")
def preview_links():
    """The drafts of the edited letters as JSON, for the live update of the links."""
    current = open_campaign()
    form = writing_form(current)
    letters, errors, _standard = edited_letters(current, form)
    if errors:
        return jsonify(errors=errors), 400
    return jsonify({letter.recipient.id: draft_links(letter) for letter in letters})


@bp.post("/letters.pdf")
def all_letters_pdf():
    """All the letters in one PDF."""
    return letters_pdf(None)


@bp.post("/letters/<office_id>.pdf")
def office_pdf(office_id: str):
    """One office's letter as a PDF."""
    return letters_pdf(office_id)


@bp.post("/letters/<office_id>.eml")
def office_eml(office_id: str):
    """One office's letter as an unsent e-mail draft."""
    current, guards = open_campaign(), current_app.extensions["campaign.guards"]
    form = writing_form(current)
    letters, errors, standard = edited_letters(current, form)
    if errors:
        return preview_page(current, form, letters, errors, standard=standard)
    letter = one_of(letters, office_id)
    guards.limiter.hit(client_key())
    try:
        content = drafts.eml(letter)
    except InvalidData as error:  # an address the e-mail package cannot write into a header
        form.add_problems([Problem("email", str(problem)) for problem in error.problems])
        return write_page(current, form), 400
    return download(content, drafts.eml_filename(letter), "message/rfc822")


@bp.post("/sent")
def sent():
    """Count the letters a supporter says they sent, once a receipt; nothing about them is kept."""
    current = loaded()
    reported = [value.partition(":")[::2] for value in request.form.getlist("sent")]
    receipt = request.form.get("receipt", "")
    # A repeat of a report already counted (the browser, or a proxy retrying after a worker
    # died) gets the same answer, without using up the client's reports.
    if not counts.is_counted(database(), receipt, reported):
        current_app.extensions["campaign.guards"].sent_limiter.hit(client_key())
    try:
        number = counts.record_many(
            database(), reported, reachable=reachable(current), receipt=receipt
        )
    except DatabaseError:
        raise  # busy or down, not a wrong report: 503 with Retry-After (error_pages)
    except CampaignError:
        abort(400)
    # The letters just counted travel to the thanks page (the supporter's browser only), so
    # that it can offer to report later what came of each one.
    letters = [f"{office}:{channel}" for office, channel in dict.fromkeys(map(tuple, reported))]
    return redirect(url_for("public.thanks", sent=letters, n=number), code=303)


@bp.get("/thanks")
def thanks():
    """Thank you, with the new total, and where to say later what came of the letters."""
    number = request.args.get("n", 0, type=int)
    sent = request.args.getlist("sent")[: limits.LETTERS_PER_REQUEST * 4]
    return render_template(
        "thanks.html",
        number=max(number, 0),
        total=counts.total(database()),
        report_url=url_for("public.report", sent=sent),
    )


# --- helpers: no business logic, only the calls the views share ---------------------------


def reachable(current: Loaded) -> dict[str, tuple[str, ...]]:
    """Each office's channels: the only ones "I sent it" may count."""
    return {office.id: channels(office) for office in current.directory.recipients}


def offered_or_none() -> Loaded | None:
    """The campaign with the letters offered now (the appeal, or the thank-you letters once it
    is won), or None when it makes no letters (paused, closed)."""
    current = loaded()
    offered = states.letters_offered(current.appeal)
    return None if offered is None else dataclasses.replace(current, appeal=offered)


def open_campaign() -> Loaded:
    """The campaign with the letters offered now, or the page saying why there are none (403)."""
    current = offered_or_none()
    if current is None:
        abort(Response(no_letters_page(), 403))
    return current


def no_letters_page() -> str:
    """Why no letters are made now: the appeal is paused, closed, or won without thanks."""
    return render_template("closed.html", page=campaign_view(loaded(), ui_language()))


def write_page(current: Loaded, form: WriteForm) -> str:
    """The form, with the offices that take no letters shown (but not to be chosen)."""
    views = offices_view(current.directory.recipients, ui_language())
    paused = {view.id: view for view in views if view.paused}
    return render_template(
        "write.html", form=form, paused=paused, thanks=current.appeal.thanks_only
    )


def read(form: WriteForm, current: Loaded) -> build.Request:
    """The request of a posted form, or the form again with its errors (400)."""
    try:
        return build.read_request(form, current)
    except InvalidData as error:
        form.add_problems(error.problems)
        abort(Response(write_page(current, form), 400))


def writing_form(current: Loaded) -> WriteForm:
    """The form bound to the posted data, its choices in the interface language."""
    form = WriteForm()
    form.set_choices(ui_language(), list(current.directory.recipients))
    return form


def edited_letters(current: Loaded, form: WriteForm) -> tuple[list[Letter], dict, frozenset[str]]:
    """The letters as edited in the preview, the errors of the edits (field -> message), and
    the offices whose letter is still as the template wrote it (build.standard_ids)."""
    written = build.render_letters(current, read(form, current))
    letters, problems = build.apply_edits(written, request.form)
    errors = {problem.where: problem.message for problem in problems}
    return letters, errors, build.standard_ids(written, letters)


def preview_page(
    current: Loaded,
    form: WriteForm,
    letters: list[Letter],
    errors=None,
    *,
    standard: frozenset[str] = frozenset(),
):
    """The preview: one card per office, or the same with the errors of the edits (400).

    `standard`: the offices whose letter is still the template's, with no note: their cards
    say, once, that a personal letter carries more weight.
    """
    language, typed_email = ui_language(), one_line(form.email.data or "")  # as make_sender
    cards = [
        build.card(current, letter, language, typed_email, letter.recipient.id in standard)
        for letter in letters
    ]
    html = render_template(
        "preview.html",
        form=form,
        cards=cards,
        thanks=current.appeal.thanks_only,
        updates=updates_view(current.appeal.campaign, language),
        sources=current.appeal.campaign.sources,
        errors=errors or {},
        edits=request.form,
        subject_limit=limits.SUBJECT,
        body_limit=limits.BODY,
        paragraph_limit=limits.PARAGRAPHS,
        page_limit=limits.PDF_PAGES,
        receipt=counts.new_receipt(),  # makes the "I sent it" form's report count once
    )
    return html, 400 if errors else 200


def draft_links(letter: Letter) -> dict:
    """The mailto link (or why none), the webmail links and the copy texts of one letter."""
    mailto = drafts.mailto(letter)
    return {
        "mailto": mailto.link,
        "mailto_code": mailto.code,
        "webmail": drafts.webmail_links(letter),
        "copy": drafts.plain_copy(letter),
    }


def one_of(letters: list[Letter], office_id: str) -> Letter:
    """The letter to `office_id` among the chosen ones, or 404."""
    for letter in letters:
        if letter.recipient.id == office_id:
            return letter
    abort(404)


def letters_pdf(office_id: str | None):
    """The PDF of all letters, or of one office's letter; bounded and rate-limited."""
    current, guards = open_campaign(), current_app.extensions["campaign.guards"]
    guards.renders.refuse_when_full()  # 503 at once, before the letters are even written
    form = writing_form(current)
    letters, errors, standard = edited_letters(current, form)
    if errors:
        return preview_page(current, form, letters, errors, standard=standard)
    chosen = [one_of(letters, office_id)] if office_id else letters
    paper = request.form.get("paper", "a4")
    if paper not in pdf.PAPERS:
        paper = "a4"
    guards.limiter.hit(client_key())
    title = localized(current.appeal.campaign.title, chosen[0].language)
    content = guards.renders.pdf(
        chosen, paper=paper, templates_dir=current.appeal.folder, title=title
    )
    return download(content, f"{office_id or 'letters'}.pdf", "application/pdf")
