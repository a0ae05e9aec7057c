"""A delivery dossier: for handing over to one office in person, or to the press.

One tagged PDF (PDF/UA, like the letters): the anonymous totals of the letters sent to the
office, by day and by channel, as charts (the dashboard's geometry, `campaign.chart`) and
tables; the appeal in the office's language with its English translation (the letter every
supporter sent, without any supporter's name or note); the campaign's summary and its
sources. Nothing in it comes from a supporter: the counts are office, channel and day only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from campaign import chart
from campaign.directory import CHANNELS, addresses, channels
from campaign.letters.render import render_body
from campaign.letters.render_pool import RenderPool
from campaign.models import DEFAULT_LANGUAGE, Recipient, Sender, localized, split_paragraphs
from campaign.production.documents import document_html, office_name
from campaign.production.labels import labels
from campaign.rulebook import Loaded
from campaign.site import body_name
from campaign.storage import counts
from campaign.text import long_date

if TYPE_CHECKING:
    from campaign.storage.database import Database

TEMPLATE = "dossier.html"


@dataclass(frozen=True)
class OfficeCounts:
    """The letters counted for one office: per day and channel, oldest day first."""

    cells: dict[str, dict[str, int]]  # day -> channel -> letters

    @property
    def total(self) -> int:
        """Every letter counted."""
        return sum(sum(row.values()) for row in self.cells.values())

    def per_channel(self) -> dict[str, int]:
        """Letters per channel, in CHANNELS order."""
        return {channel: sum(row[channel] for row in self.cells.values()) for channel in CHANNELS}

    def per_day(self) -> list[tuple[str, int]]:
        """Letters per day from the first counted to the last, days without any as 0."""
        if not self.cells:
            return []
        first, last = (dt.date.fromisoformat(day) for day in (min(self.cells), max(self.cells)))
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [
            (day.isoformat(), sum(self.cells.get(day.isoformat(), {}).values())) for day in days
        ]


def office_counts(database: Database, office_id: str) -> OfficeCounts:
    """The counts of one office: the one place the dossier reads the counts."""
    return counts_of(counts.rows(database), office_id)


def counts_of(rows: Iterable[tuple[str, str, str, int]], office_id: str) -> OfficeCounts:
    """The rows (office, channel, day, n) of `office_id`, as a table by day and channel."""
    cells: dict[str, dict[str, int]] = {}
    for office, channel, day, n in rows:
        if office == office_id:
            row = cells.setdefault(day, dict.fromkeys(CHANNELS, 0))
            row[channel] = row.get(channel, 0) + n
    return OfficeCounts(dict(sorted(cells.items())))


def dossier_html(
    loaded: Loaded,
    office: Recipient,
    counted: OfficeCounts,
    *,
    paper: str = "a4",
    today: dt.date | None = None,
) -> str:
    """The dossier's HTML: in the office's language, with English beside it."""
    campaign, language = loaded.appeal.campaign, office.language
    english = language != DEFAULT_LANGUAGE
    codes = [language, DEFAULT_LANGUAGE] if english else [language]
    day = today or dt.date.today()
    words = labels(language)
    counted_channels = counted.per_channel()
    shown = [c for c in CHANNELS if c in channels(office) or counted_channels[c]]
    per_channel = {channel: counted_channels[channel] for channel in shown}
    return document_html(
        TEMPLATE,
        language=language,
        title=f"{words['dossier']}: {office_name(office, language)}",
        paper=paper,
        words=words,
        english_words=labels(DEFAULT_LANGUAGE) if english else None,
        titles=[localized(campaign.title, code) for code in codes],
        office=office_name(office, language),
        office_english=office.office if office.office_local and english else "",
        address="\n".join(addresses.recipient_lines(office, language)),
        handed_over=[long_date(day, code) for code in codes],
        organiser=campaign.organiser,
        total=counted.total,
        channels=shown,
        per_channel=per_channel,
        days=[(day, row, sum(row.values())) for day, row in counted.cells.items()],
        day_chart=chart.columns(counted.per_day(), width=480, height=170),
        channel_chart=chart.rows(list(per_channel.items()), width=480, row=24),
        appeals=[_appeal(loaded, office, code) for code in codes],
        summaries=[split_paragraphs(localized(campaign.summary, code)) for code in codes],
        sources=[campaign.sources[source] for source in campaign.background_sources],
    )


def make_dossier(
    loaded: Loaded,
    office: Recipient,
    counted: OfficeCounts,
    *,
    pool: RenderPool,
    paper: str = "a4",
    today: dt.date | None = None,
) -> bytes:
    """The dossier of `office` as one tagged PDF."""
    return pool.document(dossier_html(loaded, office, counted, paper=paper, today=today), TEMPLATE)


def handover_day(text: str) -> dt.date:
    """The day the dossier is handed over: YYYY-MM-DD, or today (UTC) when empty."""
    return dt.date.fromisoformat(counts.check_day(text.strip() or None))


def dossier_file(office: Recipient) -> str:
    """The dossier's file name."""
    return f"{office.id}-dossier.pdf"


def _appeal(loaded: Loaded, office: Recipient, language: str) -> dict[str, object]:
    """The letter every supporter sent to `office` in `language`, without a supporter."""
    appeal, nobody = loaded.appeal, Sender(name="")
    body = render_body(appeal.bodies[language], body_name(language), office, nobody, language)
    return {
        "language": language,
        "words": labels(language),
        "salutation": localized(office.salutation, language) + ",",
        "paragraphs": split_paragraphs(body),
        "closing": localized(appeal.campaign.closing, language),
    }
