"""The console's Print page: a batch of supporters' letters, an event kit, a delivery dossier.

The same core as `campaign batch`, `campaign kit` and `campaign dossier`, through this web
process's render pool. A batch is checked first (a dry run, which also counts the rows
against the console's limit), then printed into a temporary folder that is zipped and
deleted before the answer is sent: nothing of the file stays on the server, and nothing of
it is logged. The upload itself stays in memory (Werkzeug spools only files over 500 KB to
disk, and the console takes at most ADMIN_BATCH_MAX_BYTES).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import tempfile
import time
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField

from campaign import limits
from campaign.errors import CampaignError
from campaign.letters import states
from campaign.letters.pdf import PAPERS
from campaign.letters.render_pool import RenderPool
from campaign.models import LANGUAGES, Recipient
from campaign.production import archive, dossier, kit
from campaign.production.batch import BatchOptions, BatchResult, run_batch
from campaign.production.supporters import COLUMNS, check_size
from campaign.web.admin import bp
from campaign.web.admin.common import messages_of
from campaign.web.admin.fields import ConsoleForm, add_errors, line_field, stripped
from campaign.web.admin.forms import WithinUploadLimit, upload_limit
from campaign.web.admin.transfer import file_name
from campaign.web.current import database, download, loaded
from campaign.web.i18n import LANGUAGE_NAMES, ui_language

BATCH_LIMIT = "ADMIN_BATCH_MAX_BYTES"
PAPER_NAMES = {"a4": "A4", "letter": _l("US Letter")}
PARTS = ("batch", "kit", "dossier")


class BatchForm(ConsoleForm):
    """A supporters' CSV, how to print it, and whether to print or only check."""

    csv = FileField(
        _l("Supporters' CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file to upload.")),
            WithinUploadLimit(BATCH_LIMIT),
        ],
    )
    paper = SelectField(_l("Paper"), default="a4", validate_choice=False)
    duplex = BooleanField(_l("Printed on both sides (each letter starts on a new sheet)"))
    per_supporter = BooleanField(_l("Also one PDF per supporter"))
    action = StringField()  # "check" or "print": the button pressed

    def content(self) -> bytes:
        """The uploaded file's bytes (checked against the limit by `validate`)."""
        return self.csv.data.stream.read(upload_limit(BATCH_LIMIT) + 1)


class KitForm(ConsoleForm):
    """The offices of an event kit, the supporters' language, the campaign page, the paper."""

    offices = SelectMultipleField(_l("Offices"), validate_choice=False)
    language = SelectField(_l("Supporters' language"), validate_choice=False)
    url = line_field(
        _l("The campaign page's address, for the QR code"), limits.CAMPAIGN_URL, filters=[stripped]
    )
    paper = SelectField(_l("Paper"), default="a4", validate_choice=False)


class DossierForm(ConsoleForm):
    """The office of a delivery dossier, and the paper."""

    office = SelectField(_l("Office"), validate_choice=False)
    day = line_field(_l("Handed over on (empty: today)"), 10, filters=[stripped])
    paper = SelectField(_l("Paper"), default="a4", validate_choice=False)


@bp.get("/print")
def production():
    """The three forms: batch, kit, dossier."""
    return production_page()


@bp.post("/print/batch")
def print_batch():
    """Check the uploaded supporters' file; if asked, print it and answer with a zip."""
    form = BatchForm(prefix="batch")
    if not form.validate():
        return production_page(batch=form, status=400)
    data, name = form.content(), file_name(form.csv.data.filename or "supporters.csv")
    options = BatchOptions(
        paper=form.paper.data or "a4",
        duplex=bool(form.duplex.data),
        per_supporter=bool(form.per_supporter.data),
        dry_run=True,
    )
    settings, pool = current_app.config, current_app.extensions["campaign.guards"].renders
    current = loaded()
    try:
        checked = run_batch(  # a dry run: the pool renders nothing
            io.BytesIO(data), name, current, pool=pool, folder=None, options=options
        )
        check_size(checked.supporters + checked.skipped, settings["ADMIN_BATCH_MAX_ROWS"], name)
    except CampaignError as error:
        add_errors(form.csv, messages_of(error))  # about the file: next to it
        return production_page(batch=form, status=400)
    if form.action.data != "print":
        return production_page(batch=form, checked=checked)
    deadline = time.monotonic() + float(settings["ADMIN_BATCH_SECONDS"])
    # A render process of the batch's own, ended with it: the batch holds it from one chunk
    # to the next, and the supporters' PDFs keep this web process's render process.
    own_pool = RenderPool(
        1,
        wait_s=settings["PDF_RENDER_WAIT_S"],
        deadline_s=settings["PDF_DEADLINE_S"],
        retry_after=settings["RETRY_AFTER_S"],
        max_waiting=1,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="campaign-batch-") as temporary:
            folder = Path(temporary) / "batch"
            run_batch(
                io.BytesIO(data),
                name,
                current,
                pool=own_pool,
                folder=folder,
                options=dataclasses.replace(options, dry_run=False),
                deadline=deadline,
            )
            content = archive.zip_folder(folder)
    except CampaignError as error:
        return production_page(batch=form, batch_problems=messages_of(error), status=400)
    finally:
        own_pool.close()
    return download(content, f"batch-{dt.date.today().isoformat()}.zip", "application/zip")


@bp.post("/print/kit")
def print_kit():
    """The event kit of the chosen offices, as a zip."""
    current = loaded()
    form = kit_form(current.directory.recipients)
    offices = chosen_offices(current.directory.recipients, form.offices.data or [])
    if not form.validate() or not offices:
        if not offices:
            form.offices.errors = [*form.offices.errors, _l("Choose at least one office.")]
        return production_page(kit=form, status=400)
    try:
        address = kit.check_url(form.url.data or campaign_url())
    except CampaignError as error:
        add_errors(form.url, messages_of(error))
        return production_page(kit=form, status=400)
    pool = current_app.extensions["campaign.guards"].renders
    try:
        files = kit.make_kit(
            current,
            offices,
            language=form.language.data or "en",
            url=address,
            paper=form.paper.data or "a4",
            pool=pool,
        )
    except CampaignError as error:
        return production_page(kit=form, kit_problems=messages_of(error), status=400)
    return download(archive.zip_files(files), "event-kit.zip", "application/zip")


@bp.post("/print/dossier")
def print_dossier():
    """The delivery dossier of one office, as a PDF."""
    current = loaded()
    form = dossier_form(current.directory.recipients)
    offices = chosen_offices(current.directory.recipients, [form.office.data or ""])
    if not form.validate() or not offices:
        if not offices:
            form.office.errors = [*form.office.errors, _l("Choose an office from the list.")]
        return production_page(dossier=form, status=400)
    office = offices[0]
    pool = current_app.extensions["campaign.guards"].renders
    try:
        handed_over = dossier.handover_day(form.day.data or "")
    except CampaignError as error:
        add_errors(form.day, messages_of(error))
        return production_page(dossier=form, status=400)
    try:
        counted = dossier.office_counts(database(), office.id)
        data = dossier.make_dossier(
            current, office, counted, pool=pool, paper=form.paper.data or "a4", today=handed_over
        )
    except CampaignError as error:
        return production_page(dossier=form, dossier_problems=messages_of(error), status=400)
    return download(data, dossier.dossier_file(office), "application/pdf")


# --- helpers: no business logic, only what the views share ----------------------------------


def production_page(
    *,
    batch: BatchForm | None = None,
    kit: KitForm | None = None,
    dossier: DossierForm | None = None,
    checked: BatchResult | None = None,
    status: int = 200,
    **problems: list[str],
):
    """The Print page with its three forms (those given as posted), and what went wrong."""
    offices = loaded().directory.recipients
    if kit is None:
        kit = kit_form(offices, fresh=True)
    html = render_template(
        "admin/production.html",
        active_page="admin.production",
        batch=batch or BatchForm(formdata=None, prefix="batch"),
        kit=kit,
        dossier=dossier or dossier_form(offices, fresh=True),
        checked=checked,
        columns=COLUMNS,
        limit_kb=upload_limit(BATCH_LIMIT) // 1000,
        limit_rows=current_app.config["ADMIN_BATCH_MAX_ROWS"],
        papers=[(paper, PAPER_NAMES.get(paper, paper)) for paper in PAPERS],
        **{f"{part}_problems": problems.get(f"{part}_problems", []) for part in PARTS},
    )
    return html, status


def kit_form(offices: tuple[Recipient, ...], fresh: bool = False) -> KitForm:
    """The kit form with its choices; a fresh one has every office and the usual address."""
    form = KitForm(formdata=None, prefix="kit") if fresh else KitForm(prefix="kit")
    form.offices.choices = [(office.id, office.office) for office in offices]
    form.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    if fresh:  # every office that takes letters
        form.offices.data = [office.id for office in states.writable(offices)]
        form.language.data = ui_language()
        form.url.data = campaign_url()
    return form


def dossier_form(offices: tuple[Recipient, ...], fresh: bool = False) -> DossierForm:
    """The dossier form with the directory's offices to choose from."""
    form = DossierForm(formdata=None, prefix="dossier") if fresh else DossierForm(prefix="dossier")
    form.office.choices = [(office.id, office.office) for office in offices]
    return form


def chosen_offices(offices: tuple[Recipient, ...], wanted: list[str]) -> list[Recipient]:
    """The offices of the directory named in `wanted`, in the directory's order; an unknown
    id chooses none."""
    known = {office.id for office in offices}
    if not wanted or any(office_id not in known for office_id in wanted):
        return []
    return [office for office in offices if office.id in wanted]


def campaign_url() -> str:
    """The campaign page's address for the QR code: configured, else this site's own page."""
    return current_app.config.get("CAMPAIGN_URL") or url_for("public.campaign_page", _external=True)
