"""The letter editor's live preview: what an unsaved body gives one office, checked as a save."""

from __future__ import annotations

import dataclasses
import datetime as dt

from campaign.editing.campaign_fields import check_language
from campaign.letters import render
from campaign.models import Letter, Recipient, Sender
from campaign.rulebook import SAMPLE_SENDERS, Loaded, check_body
from campaign.site import body_name
from campaign.text import file_text


def preview_letter(
    loaded: Loaded,
    language: str,
    source: str,
    office: Recipient,
    sender: Sender = SAMPLE_SENDERS[0],
    today: dt.date | None = None,
) -> Letter:
    """The letter `source` would give `office`; TemplateError as the rulebook would refuse it."""
    name = body_name(check_language(language))
    template = render.compile_source(loaded.appeal.folder, name, file_text(source))
    appeal = dataclasses.replace(loaded.appeal, bodies={**loaded.appeal.bodies, language: template})
    check_body(appeal, (office,), language)
    return render.render_letter(appeal, office, sender, language, today)
