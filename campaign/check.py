"""`campaign check`: everything an organiser can get wrong, found in one run.

It runs the one rulebook (`rulebook.load_site`), as every other way into the files does, and
then what only it does: lays out and writes the PDF of every office's letter in every language.
"""

from __future__ import annotations

from functools import partial

from campaign.errors import InvalidData, Problem
from campaign.letters import pdf, render_pool, states
from campaign.models import LANGUAGES
from campaign.rulebook import Loaded, batches, collect, load_site, sample_letters
from campaign.site import Site


def check_campaign(site: Site) -> tuple[list[Problem], str]:
    """All problems of the campaign's files, and a one-line summary when there are none."""
    pool = render_pool.shared()
    pool.prepare()  # the PDF workers warm up while the rulebook reads the files
    try:
        loaded = load_site(site)
    except InvalidData as error:
        return list(error.problems), ""
    offices = loaded.directory.recipients
    appeals = [loaded.appeal]
    if loaded.appeal.thanks:  # the thank-you letters print on the same page as the appeal
        appeals.append(states.thanks_appeal(loaded.appeal))
    problems: list[Problem] = []
    renders = [  # one document per language: a PDF holds one letter an office
        partial(pool.split, letters, templates_dir=site.templates)
        for appeal in appeals
        for language in LANGUAGES
        for letters in batches(sample_letters(appeal, offices, language))
    ]
    for outcome in pool.concurrently(renders):  # on every core, problems in this order
        collect(  # as `campaign export` makes them: the whole PDF and one per office
            problems, site, outcome.result, where=str(site.templates / pdf.TEMPLATE)
        )
    summary = (
        f"ok: {len(offices)} offices, {len(LANGUAGES)} languages, "
        f"{len(offices) * len(LANGUAGES)} letters rendered as text, PDF and e-mail drafts"
    )
    return list(dict.fromkeys(problems)), "" if problems else summary + _life(loaded)


def _life(loaded: Loaded) -> str:
    """What the summary adds on the appeal's life: its state, paused offices, thank-you letters."""
    campaign, offices = loaded.appeal.campaign, loaded.directory.recipients
    parts = [f"; the appeal is {states.state_of(campaign)}"]
    paused = [office.id for office in offices if states.is_paused(office)]
    if paused:
        parts.append(f", paused: {', '.join(paused)}")
    if loaded.appeal.thanks:
        parts.append(f"; thank-you letters checked too ({len(offices) * len(LANGUAGES)})")
    return "".join(parts)
