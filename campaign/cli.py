"""The `campaign` command: check, list offices, export letters; organiser accounts; the database."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign import directory
from campaign.check import check_campaign
from campaign.directory import channels
from campaign.directory.addresses import one_line
from campaign.errors import CampaignError, InvalidData
from campaign.letters import disclosure, export, render, render_pool, states
from campaign.letters.pdf import PAPERS
from campaign.letters.senders import make_sender
from campaign.limits import SENDER as LIMITS
from campaign.models import DEFAULT_LANGUAGE, LANGUAGES, Recipient, Sender
from campaign.rulebook import load_site
from campaign.site import DATABASE_URL_VARIABLE, Site

if TYPE_CHECKING:
    from campaign.storage.database import Database

# The commands of the organisers and db groups import the storage modules when they run, and
# batch, kit and dossier what they need (pikepdf, segno, the storage) when they run too:
# check, recipients and export start without SQLAlchemy and Alembic (a third of a second).


def reports_errors(command: Callable) -> Callable:
    """Turn a CampaignError into its lines on stderr and exit code 1: never a traceback."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CampaignError as error:
            for line in str(error).splitlines():
                click.echo(f"error: {line}", err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.option(
    "--recipients",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="CAMPAIGN_RECIPIENTS",
    default="recipients.yaml",
    show_default=True,
    help="The recipient directory (env CAMPAIGN_RECIPIENTS, as the web app's).",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="CAMPAIGN_TEMPLATES",
    default="letter_templates",
    show_default=True,
    help="The folder with campaign.yaml and the letter bodies (env CAMPAIGN_TEMPLATES).",
)
@click.option(
    "--instance",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="CAMPAIGN_INSTANCE",
    default="instance",
    show_default=True,
    help="The instance folder: the secret key, the SQLite database (env CAMPAIGN_INSTANCE).",
)
@click.option(
    "--database",
    "database_url",
    envvar=DATABASE_URL_VARIABLE,
    default="",
    help="The shared state: postgresql://USER:PASSWORD@HOST/NAME; default the SQLite file "
    f"campaign.sqlite3 in the instance folder (env {DATABASE_URL_VARIABLE}).",
)
@click.version_option(package_name="campaign")
@click.pass_context
def main(
    ctx: click.Context, recipients: Path, templates_dir: Path, instance: Path, database_url: str
) -> None:
    """Advocacy letters: print-ready PDFs, e-mail drafts and call scripts for every office."""
    ctx.obj = Site(recipients, templates_dir, instance, database_url)


@main.command()
@click.pass_obj
@reports_errors
def check(site: Site) -> None:
    """Validate every file and render every letter for every office and language."""
    problems, summary = check_campaign(site)
    if problems:
        raise InvalidData(problems)
    click.echo(summary)
    if site.database_url and not site.database_url.startswith("sqlite"):
        # Several hosts may serve this campaign: say where this host's files are not served.
        from campaign.editing import publishing

        for line in publishing.differences(_database_site(site)):
            click.echo(f"warning: {line}", err=True)


@main.command()
@click.pass_obj
@reports_errors
def publish(site: Site) -> None:
    """Check this host's files, then publish the ones edited here to every host."""
    from campaign.editing import publishing

    for line in publishing.publish_local(_database_site(site)):
        click.echo(line)


def _database_site(site: Site) -> Site:
    """The site, its database opened as the web app opens it."""
    _database(site)
    return site


@main.command("recipients")
@click.option("--json", "as_json", is_flag=True, help="Print the directory as JSON.")
@click.pass_obj
@reports_errors
def list_recipients(site: Site, as_json: bool) -> None:
    """List the offices of the directory."""
    offices = directory.load(site.recipients).recipients
    if as_json:
        click.echo(
            json.dumps([directory.to_plain(r) for r in offices], ensure_ascii=False, indent=2)
        )
        return
    for recipient in offices:
        channels = ", ".join(_channels(recipient)) or "post only"
        click.echo(f"{recipient.id}  [{recipient.language}, {channels}]")
        click.echo(f"    {recipient.office}")
        click.echo(f"    {one_line(recipient.address)}")
        if states.is_paused(recipient):
            click.echo(f"    PAUSED: {states.paused_note(recipient)}")


def _channels(recipient: Recipient) -> list[str]:
    """The ways an office can be reached besides post, with how many numbers or addresses."""
    counts = {"email": recipient.emails, "phone": recipient.phones, "fax": recipient.faxes}
    return [
        f"{len(counts[channel])} {CHANNEL_WORDS[channel]}"
        for channel in channels(recipient)
        if channel in counts
    ]


@main.command("export")
@click.option("--name", required=True, help=f"Your name, as you sign (up to {LIMITS['name']}).")
@click.option("--street", default="", help="Your street and house number.")
@click.option("--postcode", default="", help="Your postcode.")
@click.option("--city", default="", help="Your town or city.")
@click.option("--country", default="", help="Your country, as an ISO code: IT, GB, DE, ...")
@click.option("--email", default="", help="Your e-mail address (optional).")
@click.option("--note", default="", help=f"A personal paragraph (up to {LIMITS['note']}).")
@click.option(
    "--language",
    type=click.Choice(["auto", *LANGUAGES]),
    default="auto",
    show_default=True,
    help="auto: each office in its own language.",
)
@click.option("--to", "office_ids", default="", help="Only these offices: ID,ID (default all).")
@click.option("--format", "formats", default="pdf,eml,mailto", show_default=True)
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Folder to create (must not exist).")
@click.pass_obj
@reports_errors
def export_letters(site: Site, office_ids: str, formats: str, paper: str, out, **fields):
    """Write your letters to a new folder under exports/ (or --out)."""
    language = fields.pop("language")
    sender = _sender_or_error(fields)
    wanted = export.parse_formats(formats)
    if "pdf" in wanted:
        render_pool.shared().prepare()  # the PDF workers warm up while the files are checked
    loaded = load_site(site)
    appeal = states.require_letters(loaded.appeal)  # the appeal, or the thank-you letters
    known = loaded.directory
    chosen = [known.get(i.strip()) for i in office_ids.split(",") if i.strip()] or known.recipients
    offices = _writable(chosen)
    letters = [render.render_letter(appeal, r, sender, language) for r in offices]
    if appeal.thanks_only:
        click.echo("The appeal is won: these are the thank-you letters.")
    folder = out or export.default_folder(Path("exports"))
    bundle = export.write_bundle(
        folder,
        letters,
        formats=wanted,
        paper=paper,
        templates_dir=site.templates,
        title=loaded.appeal.campaign.title["en"],
    )
    click.echo(f"Wrote {len(bundle.files)} files for {len(letters)} offices to {bundle.folder}/")
    for name in bundle.files:
        click.echo(f"  {bundle.folder / name}")
    click.echo("What each letter shows the office of you (an e-mail, a call or a fax shows more):")
    for letter in letters:
        click.echo(f"  {letter.recipient.id}: {disclosure.IN_WORDS[letter.disclosure]}")


CHANNEL_WORDS = {"email": "e-mail", "phone": "phone", "fax": "fax"}


def _writable(chosen: tuple[Recipient, ...] | list[Recipient]) -> tuple[Recipient, ...]:
    """The chosen offices that take letters; each paused one is named, and skipped."""
    for office in chosen:
        if states.is_paused(office):
            click.echo(f"Skipped: {states.paused_note(office)}")
    offices = states.writable(chosen)
    if not offices:
        raise CampaignError("no letters to write: every office chosen is paused (see above)")
    return offices


def _sender_or_error(fields: dict) -> Sender:
    """The Sender, or an error naming each option that is wrong."""
    try:
        return make_sender(**fields)
    except InvalidData as error:
        raise CampaignError(
            "\n".join(f"--{problem.where}: {problem.message}" for problem in error.problems)
        ) from None


# --- print production: a batch of supporters, an event kit, a delivery dossier ----------------


@main.command("batch")
@click.argument("supporters", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--out", type=click.Path(path_type=Path), help="Folder to create (must not exist).")
@click.option("--per-supporter", is_flag=True, help="Also each supporter's letters as one PDF.")
@click.option("--dry-run", is_flag=True, help="Check every row; print nothing.")
@click.option(
    "--duplex", is_flag=True, help="For printing on both sides: each letter on a new sheet."
)
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)
@click.pass_obj
@reports_errors
def batch_letters(site: Site, supporters: Path, out, per_supporter, dry_run, duplex, paper):
    """Print the letters of every supporter in a CSV file: one PDF per office, in file order.

    Columns: name, street, postcode, city, country, email, note, language, offices (only name
    is required). Bad rows are reported at their line and skipped; the others are printed.
    """
    from campaign.production import batch

    loaded = load_site(site)
    folder = None if dry_run else out or export.default_folder(Path("exports"), prefix="batch")
    options = batch.BatchOptions(paper, duplex, per_supporter, dry_run)
    label = "Checking" if dry_run else "Printing"
    with supporters.open("rb") as stream, _progress_bar(stream, label) as bar:
        result = batch.run_batch(
            stream,
            supporters.name,
            loaded,
            pool=render_pool.shared(),
            folder=folder,
            options=options,
            progress=bar.update if bar else None,
            report=lambda problem: _notice(f"not printed: {problem}", bar),
        )
    click.echo(batch.summary_text(result), nl=False)
    if folder is not None:
        click.echo(f"Wrote {len(result.files)} files to {folder}/")
    if result.skipped or result.missing:
        raise CampaignError(batch.not_printed(result))


class _Bar:
    """A progress bar on stderr: the share of the file read, pages a second, time left."""

    def __init__(self, bar) -> None:
        self.bar, self.started, self.text = bar, time.monotonic(), ""

    def update(self, read: int, letters: int, pages: int) -> None:
        seconds = max(time.monotonic() - self.started, 1e-6)
        rate = f", {pages / seconds:.1f} pages/s" if pages else ""
        self.text = f"{letters:,} letters{rate}"
        self.bar.update(max(read - self.bar.pos, 0))
        self.bar.render_progress()  # the rate changes while the last letters print, too


@contextlib.contextmanager
def _progress_bar(stream, label: str) -> Iterator[_Bar | None]:
    """A bar when stderr is a terminal, else none (a log or a pipe gets only the summary)."""
    size = os.fstat(stream.fileno()).st_size
    if not sys.stderr.isatty() or not size:
        yield None
        return
    with click.progressbar(
        length=size, label=label, file=sys.stderr, show_eta=True, show_percent=True
    ) as bar:
        shown = _Bar(bar)
        bar.item_show_func = lambda _item: shown.text
        yield shown


def _notice(text: str, bar: _Bar | None) -> None:
    """A line on stderr, on a line of its own above the progress bar."""
    click.echo(("\r\x1b[2K" if bar else "") + text, err=True)


@main.command("kit")
@click.argument("office_ids", nargs=-1, metavar="[OFFICE]...")
@click.option(
    "--url",
    envvar="CAMPAIGN_URL",
    default="",
    help="The campaign page's address, for the QR code (env CAMPAIGN_URL).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The supporters' language (the talking points also come in each office's).",
)
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Folder to create (must not exist).")
@click.pass_obj
@reports_errors
def event_kit(site: Site, office_ids: tuple[str, ...], url, language, paper, out) -> None:
    """An event kit for OFFICE... (default every office): a letter to write by hand and
    talking points for each, and a case card with a QR code to the campaign page."""
    from campaign.production import kit

    kit.check_url(url)
    loaded = load_site(site)
    folder = out or export.default_folder(Path("exports"), prefix="kit")
    export.check_new(folder)
    offices = [loaded.directory.get(i) for i in office_ids] or list(
        states.writable(loaded.directory.recipients)
    )
    files = kit.make_kit(
        loaded, offices, language=language, url=url, paper=paper, pool=render_pool.shared()
    )
    export.write_new_folder(folder, files)
    click.echo(f"Wrote the kit for {len(offices)} offices to {folder}/")
    for name in files:
        click.echo(f"  {folder / name}")


@main.command("dossier")
@click.argument("office_id")
@click.option("--date", "day", default="", help="The day it is handed over (default today).")
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="The PDF to write.")
@click.pass_obj
@reports_errors
def delivery_dossier(site: Site, office_id: str, day: str, paper: str, out) -> None:
    """The delivery dossier of OFFICE_ID: the letters counted, the appeal, the campaign."""
    from campaign.production import dossier

    loaded = load_site(site)
    office = loaded.directory.get(office_id)
    handed_over = dossier.handover_day(day)
    target = out or Path("exports") / dossier.dossier_file(office)
    export.check_new(target)
    counted = dossier.office_counts(_database(site), office.id)
    data = dossier.make_dossier(
        loaded, office, counted, pool=render_pool.shared(), paper=paper, today=handed_over
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as file:
        file.write(data)
    click.echo(f"Wrote the dossier of {office.id} ({counted.total} letters counted) to {target}")


@main.group("organisers")
def organisers_group() -> None:
    """Organiser accounts for the web console: add, list, remove, password, second factor."""


@organisers_group.command("add")
@click.argument("name")
@click.pass_obj
@reports_errors
def add_organiser(site: Site, name: str) -> None:
    """Create the account NAME; asks for the password twice."""
    from campaign.storage import organisers

    database = _database(site)
    organisers.check_name(name)
    if organisers.exists(database, name):
        raise organisers.AccountError(f"there is already an organiser called {name!r}")
    password = _new_password(name)
    organisers.add(database, name, password)
    click.echo(f"Added organiser {name}")


@organisers_group.command("list")
@click.pass_obj
@reports_errors
def list_organisers(site: Site) -> None:
    """List the organiser names."""
    from campaign.storage import organisers

    for name in organisers.names(_database(site)):
        click.echo(name)


@organisers_group.command("remove")
@click.argument("name")
@click.confirmation_option(prompt="Remove this organiser? Their sessions end at once.")
@click.pass_obj
@reports_errors
def remove_organiser(site: Site, name: str) -> None:
    """Delete the account NAME."""
    from campaign.storage import organisers

    organisers.remove(_database(site), name)
    click.echo(f"Removed organiser {name}")


@organisers_group.command("password")
@click.argument("name")
@click.pass_obj
@reports_errors
def change_password(site: Site, name: str) -> None:
    """Give NAME a new password (asked twice); signs NAME out everywhere."""
    from campaign.storage import organisers

    database = _database(site)
    if not organisers.exists(database, name):
        raise organisers.AccountError(f"there is no organiser called {name!r}")
    organisers.set_password(database, name, _new_password(name))
    click.echo(f"Changed the password of {name}; their other sessions have ended")


SETUP_TRIES = 3  # first codes typed before 2fa-on gives up (nothing is turned on then)


@organisers_group.command("2fa-on")
@click.argument("name")
@click.pass_obj
@reports_errors
def second_factor_on(site: Site, name: str) -> None:
    """Turn on the second factor: scan the QR code, type a first code, keep the recovery codes."""
    from campaign.storage import factors, second_factor

    database = _database(site)
    secret = factors.setup_secret(database, name, fresh=True)
    uri = second_factor.setup_uri(secret, name, second_factor.ISSUER)
    click.echo("Scan this QR code with an authenticator app (or type the secret into it):\n")
    click.echo(second_factor.qr_text(uri))
    click.echo(f"secret: {second_factor.spaced(secret)}")
    click.echo(f"link:   {uri}\n")
    codes = _confirm_first_code(database, name, secret)
    click.echo(f"The second factor of {name} is on; their other sessions have ended.")
    _show_recovery_codes(codes)


@organisers_group.command("2fa-off")
@click.argument("name")
@click.confirmation_option(prompt="Turn off this organiser's second factor? Sessions end too.")
@click.pass_obj
@reports_errors
def second_factor_off(site: Site, name: str) -> None:
    """Turn off the second factor (a lost phone); they sign in with the password alone."""
    from campaign.storage import factors

    factors.turn_off(_database(site), name)
    click.echo(f"The second factor of {name} is off; their sessions have ended.")
    click.echo(f"They can turn it on again in the console, or: campaign organisers 2fa-on {name}")


@organisers_group.command("2fa-codes")
@click.argument("name")
@click.pass_obj
@reports_errors
def second_factor_codes(site: Site, name: str) -> None:
    """New recovery codes (the old ones stop working)."""
    from campaign.storage import factors

    codes = factors.new_recovery_codes(_database(site), name)
    click.echo(f"New recovery codes for {name}; the old ones no longer work.")
    _show_recovery_codes(codes)


def _confirm_first_code(database: Database, name: str, secret: str) -> list[str]:
    """Ask for a first code until one is right (a few tries); the recovery codes."""
    from campaign.storage import factors

    for _attempt in range(SETUP_TRIES - 1):
        try:
            return factors.confirm_setup(database, name, secret, _first_code())
        except factors.WrongCode as error:
            click.echo(f"error: {error}", err=True)
    return factors.confirm_setup(database, name, secret, _first_code())


def _first_code() -> str:
    """The code the organiser reads off the app."""
    return click.prompt("The 6-digit code the app shows now", default="", show_default=False)


def _show_recovery_codes(codes: list[str]) -> None:
    """The recovery codes, printed this once: only their hashes are kept."""
    click.echo("\nRecovery codes (each works once, instead of a code from the app, if the")
    click.echo(
        "phone is lost; keep them on paper or in a password manager, they are not shown again):"
    )
    for code in codes:
        click.echo(f"  {code}")


def _new_password(name: str) -> str:
    """Ask for a password twice; refuse it here, before hashing, if the policy does."""
    from campaign.storage import organisers

    password = click.prompt(
        f"Password for {name} (at least {organisers.MIN_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    organisers.check_password(password, name)
    return password


def _database(site: Site) -> Database:
    """The database, its schema current and an old instance's files imported (as the web does)."""
    from campaign.storage import legacy

    database = site.connect_database(again=True)
    report = legacy.import_instance(database, site.instance, check_changes=False)
    for line in report.imported:
        click.echo(f"Imported {line}", err=True)
    for problem in report.problems:
        click.echo(f"warning: not imported: {problem}", err=True)
    return database


# --- the database ------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """The database of the shared state: its schema, and the import of an old instance."""


@db_group.command("status")
@click.pass_obj
@reports_errors
def db_status(site: Site) -> None:
    """Show the database, its schema revision and what was imported into it."""
    from campaign.storage import legacy, schema
    from campaign.storage.database import shown

    handle = site.connect_database(upgrade=False)
    state = schema.status(handle)
    click.echo(f"database: {shown(handle.url)}")
    click.echo(f"revision: {state.current or 'none (empty database)'}")
    if state.up_to_date:
        click.echo(f"up to date (newest revision: {state.head})")
        for source, time, summary in legacy.imported_sources(handle):
            click.echo(f"imported {source} on {time}: {summary}")
    else:
        click.echo(f"pending: {', '.join(state.pending)}; run `campaign db upgrade`")


@db_group.command("upgrade")
@click.pass_obj
@reports_errors
def db_upgrade(site: Site) -> None:
    """Bring the schema to this version's newest revision (safe to run on every deploy)."""
    from campaign.storage import schema
    from campaign.storage.database import shown

    handle = site.connect_database(upgrade=False)
    applied = schema.upgrade(handle)
    where = shown(handle.url)
    if applied:
        click.echo(f"Upgraded {where} to {applied[-1]} (applied {', '.join(applied)})")
    else:
        click.echo(f"{where} is up to date ({schema.head()})")


@db_group.command("import")
@click.pass_obj
@reports_errors
def db_import(site: Site) -> None:
    """Import an old instance folder's counts, accounts, audit log and versions, once."""
    from campaign.storage import legacy

    report = legacy.import_instance(site.database, site.instance)
    for line in report.lines():
        click.echo(line, err=line.startswith("error:"))
    if not (report.imported or report.skipped or report.problems):
        click.echo(f"Nothing to import: {site.instance} holds none of the old files")
    if report.problems:
        sys.exit(1)
