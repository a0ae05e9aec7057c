"""Test data builders: where the bundled campaign is, and copies of it a test may change."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from campaign.editing import campaign_fields, offices
from campaign.site import Site
from campaign.yamlfile import dump_document, load_document

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = ROOT / "recipients.yaml"
TEMPLATES = ROOT / "letter_templates"
OFFICE_IDS = (  # the offices of the bundled directory, in file order
    "it-interior",
    "it-justice",
    "it-foreign-affairs",
    "kz-embassy-italy-consular",
    "kz-general-prosecutor",
    "kz-nsc-atyrau",
    "kz-president",
    "kz-foreign-affairs",
)


def copy_site(folder: Path, emails: Mapping[str, str] | None = None) -> Site:
    """A Site on a copy of the bundled campaign in `folder`, with an empty instance folder.

    The bundled offices have no known e-mail (the source hid them): `emails` gives some of
    them a test address (office id -> address on a reserved domain).
    """
    shutil.copytree(TEMPLATES, folder / "letter_templates")
    target = folder / "recipients.yaml"
    if not emails:
        shutil.copyfile(RECIPIENTS, target)
    else:  # changed as the console changes an office: the rest of the file stays as it is
        document = load_document(RECIPIENTS.read_bytes(), RECIPIENTS.name)
        for office_id, address in emails.items():
            offices.update_office(document, office_id, {"emails": [address], "email_note": ""})
        target.write_bytes(dump_document(document, RECIPIENTS.name))
    return Site(target, folder / "letter_templates", folder / "instance")


# --- the appeal's life: a copy in another state, a paused office, updates, thank-you letters ---

THANKS_MARKER = "Thanks marker 5150"  # in every test thank-you letter, to find it in a PDF
THANKS_BODIES = {
    "en": "Thank you for your answer to our appeal. " + THANKS_MARKER + ".\n\n{{ sender.note }}\n",
    "it": "Grazie per la risposta al nostro appello. " + THANKS_MARKER + ".\n\n{{ sender.note }}\n",
    "ru": "Спасибо за ответ на наше обращение. " + THANKS_MARKER + ".\n\n{{ sender.note }}\n",
}
THANKS_SUBJECTS = {"en": ["Thank you"], "it": ["Grazie"], "ru": ["Спасибо"]}


def change_campaign(site: Site, plain: Mapping) -> None:
    """Set fields of the copy's campaign.yaml, as the console does (no check: a test may break
    it on purpose)."""
    from campaign.editing import campaign_fields

    path = site.campaign_file
    document = load_document(path.read_bytes(), path.name)
    campaign_fields.set_campaign_fields(document, dict(plain))
    path.write_bytes(dump_document(document, path.name))


def change_office(site: Site, office_id: str, plain: Mapping) -> None:
    """Set fields of one office of the copy's recipients.yaml, as the console does."""
    document = load_document(site.recipients.read_bytes(), site.recipients.name)
    offices.update_office(document, office_id, dict(plain))
    site.recipients.write_bytes(dump_document(document, site.recipients.name))


def pause_office(site: Site, office_id: str, reason: str = "", replacement: str = "") -> None:
    """Pause an office of the copy, with a test reason in each language and a replacement."""
    reason = reason or f"Test pause of {office_id}: its address is being checked."
    pause: dict = {"reason": {"en": reason, "it": "Pausa di prova.", "ru": "Пробная пауза."}}
    if replacement:
        pause["replacement"] = replacement
    change_office(site, office_id, {"paused": pause})


def write_thanks(site: Site) -> None:
    """Thank-you letters in every language, and their subjects, in the copy."""
    for language, body in THANKS_BODIES.items():
        (site.templates / f"thanks.{language}.txt").write_text(body, encoding="utf-8")
    path = site.campaign_file  # thanks_subjects is not a console field: written by hand
    text = path.read_text(encoding="utf-8")
    lines = ["thanks_subjects:"]
    for language, subjects in THANKS_SUBJECTS.items():
        lines.append(f"  {language}:")
        lines.extend(f'    - "{subject}"' for subject in subjects)
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


# --- disclosure: what each office learns of the supporter ---------------------------------

# A test organisation: the bundled campaign has none (no source gives the Open Dialog
# Foundation's postal address), so the rule `organisation` is tried with this one.
ORGANISATION = {
    "name": "Example Rights Foundation",
    "address": {
        "lines": ["ul. Testowa 5"],
        "postcode": "00-950",
        "city": "Warszawa",
        "country": "PL",
    },
}


def set_disclosure(
    site: Site,
    rules: Mapping[str, str],
    *,
    default: str = "",
    organisation: Mapping | None = None,
) -> None:
    """Give offices of a copy their rules, and the campaign a default rule and an organisation,
    as the console changes the files (their comments stay)."""
    document = load_document(site.recipients.read_bytes(), site.recipients.name)
    for office_id, rule in rules.items():
        offices.update_office(document, office_id, {"disclosure": rule})
    site.recipients.write_bytes(dump_document(document, site.recipients.name))
    path = site.templates / "campaign.yaml"
    fields = {"disclosure": default} if default else {}
    if organisation is not None:
        fields["organisation"] = dict(organisation)
    if fields:
        campaign = load_document(path.read_bytes(), path.name)
        campaign_fields.set_campaign_fields(campaign, fields)
        path.write_bytes(dump_document(campaign, path.name))
