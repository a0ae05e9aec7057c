"""`campaign check`: everything an organiser can get wrong, found in one run.

It runs the one rulebook (`rulebook.load_site`), as every other way into the files does, and
then what only it does: lays out and writes the PDF of every office's letter in every language.
"""

from __future__ import annotations

from functools import partial

from campaign.errors import InvalidData, Problem
from campaign.letters import pdf, render_pool
from campaign.models import LANGUAGES
from campaign.rulebook import batches, collect, load_site, sample_letters
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
    problems: list[Problem] = []
    renders = [  # one document per language: a PDF holds one letter an office
        partial(pool.split, letters, templates_dir=site.templates)
        for language in LANGUAGES
        for letters in batches(sample_letters(loaded.appeal, offices, language))
    ]
    for outcome in pool.concurrently(renders):  # on every core, problems in this order
        collect(  # as `campaign export` makes them: the whole PDF and one per office
            problems, site, outcome.result, where=str(site.templates / pdf.TEMPLATE)
        )
    summary = (
        f"ok: {len(offices)} offices, {len(LANGUAGES)} languages, "
        f"{len(offices) * len(LANGUAGES)} letters rendered as text, PDF and e-mail drafts"
    )
    return list(dict.fromkeys(problems)), "" if problems else summary
