"""What the tests' child processes run: kept apart so that a spawned child imports little."""

from __future__ import annotations

from campaign.storage import counts, legacy
from campaign.storage.database import connect
from campaign.storage.throttle import Limited, Throttle

SECRET = "a test secret, long enough to sign keys"


def count(url: str, receipt: str) -> None:
    """30 plain counts, and 30 reports under receipts every process shares."""
    database = connect(url)
    for number in range(30):
        counts.record(database, "it-interior", "post")
        counts.record_many(database, [("kz-president", "post")], receipt=f"{receipt}{number:04}")


def hammer(url: str, allowed) -> None:
    """40 tries at a window of 50, each one let through put on `allowed`."""
    throttle = Throttle(connect(url), SECRET)
    for _ in range(40):
        try:
            throttle.hit("pdf", "one client", 50, 60)
            allowed.put(1)
        except Limited:
            pass


def import_instance(url: str, instance: str) -> None:
    """Import an old instance folder, as a worker starting up does."""
    legacy.import_instance(connect(url), instance)


def open_and_count(url: str) -> None:
    """What a worker does at start-up (open the database: migrate it if needed), then count."""
    from campaign.storage.database import open_database

    counts.record(open_database(url, again=True), "it-interior", "post")
