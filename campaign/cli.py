"""The `campaign` command: check the campaign, list the offices, export a supporter's letters."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from campaign import directory
from campaign.check import check_campaign
from campaign.directory import channels
from campaign.directory.addresses import one_line
from campaign.errors import CampaignError, InvalidData
from campaign.letters import export, render, states
from campaign.letters.pdf import PAPERS
from campaign.letters.senders import make_sender
from campaign.limits import SENDER as LIMITS
from campaign.models import LANGUAGES, Recipient, Sender
from campaign.rulebook import load_site
from campaign.site import Site
from campaign.storage import organisers


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
    default="recipients.yaml",
    show_default=True,
    help="The recipient directory.",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="letter_templates",
    show_default=True,
    help="The folder with campaign.yaml and the letter bodies.",
)
@click.option(
    "--instance",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="CAMPAIGN_INSTANCE",
    default="instance",
    show_default=True,
    help="The instance folder: organiser accounts, versions, counts (env CAMPAIGN_INSTANCE).",
)
@click.version_option(package_name="campaign")
@click.pass_context
def main(ctx: click.Context, recipients: Path, templates_dir: Path, instance: Path) -> None:
    """Advocacy letters: print-ready PDFs, e-mail drafts and call scripts for every office."""
    ctx.obj = Site(recipients, templates_dir, instance)


@main.command()
@click.pass_obj
@reports_errors
def check(site: Site) -> None:
    """Validate every file and render every letter for every office and language."""
    problems, summary = check_campaign(site)
    if problems:
        raise InvalidData(problems)
    click.echo(summary)


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


@main.group("organisers")
@click.pass_context
def organisers_group(ctx: click.Context) -> None:
    """Organiser accounts for the web console: add, list, remove, change a password."""
    ctx.obj = ctx.obj.instance


@organisers_group.command("add")
@click.argument("name")
@click.pass_obj
@reports_errors
def add_organiser(instance: Path, name: str) -> None:
    """Create the account NAME; asks for the password twice."""
    organisers.check_name(name)
    if organisers.exists(instance, name):
        raise organisers.AccountError(f"there is already an organiser called {name!r}")
    password = _new_password(name)
    organisers.add(instance, name, password)
    click.echo(f"Added organiser {name} to {organisers.accounts_path(instance)}")


@organisers_group.command("list")
@click.pass_obj
@reports_errors
def list_organisers(instance: Path) -> None:
    """List the organiser names."""
    for name in organisers.names(instance):
        click.echo(name)


@organisers_group.command("remove")
@click.argument("name")
@click.confirmation_option(prompt="Remove this organiser? Their sessions end at once.")
@click.pass_obj
@reports_errors
def remove_organiser(instance: Path, name: str) -> None:
    """Delete the account NAME."""
    organisers.remove(instance, name)
    click.echo(f"Removed organiser {name}")


@organisers_group.command("password")
@click.argument("name")
@click.pass_obj
@reports_errors
def change_password(instance: Path, name: str) -> None:
    """Give NAME a new password (asked twice); signs NAME out everywhere."""
    if not organisers.exists(instance, name):
        raise organisers.AccountError(f"there is no organiser called {name!r}")
    organisers.set_password(instance, name, _new_password(name))
    click.echo(f"Changed the password of {name}; their other sessions have ended")


def _new_password(name: str) -> str:
    """Ask for a password twice; refuse it here, before hashing, if the policy does."""
    password = click.prompt(
        f"Password for {name} (at least {organisers.MIN_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    organisers.check_password(password, name)
    return password
