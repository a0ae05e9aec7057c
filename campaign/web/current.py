"""What every view of the web app shares: this site, its campaign as served, downloads."""

from __future__ import annotations

from flask import Response, current_app

from campaign.rulebook import Loaded
from campaign.site import Site
from campaign.storage.database import Database


def site() -> Site:
    """Where this app's campaign is: directory, templates, instance folder."""
    return current_app.extensions["campaign.site"]


def loaded() -> Loaded:
    """The directory and the appeal, reloaded if an organiser saved a change."""
    return current_app.extensions["campaign.resources"].get()


def database() -> Database:
    """The shared state: counts, limits, accounts, audit log, versions."""
    return site().database


def download(content: str | bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    """A file to save (or, `inline`, to show), never cached."""
    response = Response(content, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
