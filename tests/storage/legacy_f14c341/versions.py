"""The version history of the files the console edits, kept in the instance folder.

`<instance>/versions/<file name>/<UTC time>-<who>-<digest><suffix>`, one file per version:
every content saved from the console, with who saved it, and any content found on disk that
the history did not know yet (edited by hand or in git), with `who` empty. It lives in the
instance folder, not beside the templates, so that organisers who keep the campaign in git
see no extra files there. The digest (first 16 hex digits of the sha256) lets a conflict find
the version an editor started from, and tell what changed since.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from campaign.errors import CampaignError
from tests.storage.legacy_f14c341 import safe_files

FOLDER = "versions"
KEEP = 200  # versions kept per file; the oldest go first
DIGEST_LENGTH = 16
_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")
_WHO = re.compile(r"^[A-Za-z0-9._-]{0,64}$")
_VERSION_ID = re.compile(
    r"^(?P<time>\d{8}T\d{12}Z)-(?P<who>[A-Za-z0-9._-]{0,64})-(?P<digest>[0-9a-f]{16})$"
)


@dataclass(frozen=True)
class Version:
    """One kept version of a file."""

    id: str  # "20261122T103015123456Z-maria-0123456789abcdef": pass it back to read or restore
    file: str  # "letter.en.txt"
    time: str  # "2026-11-22T10:30:15Z"
    who: str  # the organiser who saved it; "" for a version found on disk (edited by hand)
    digest: str  # the first 16 hex digits of the content's sha256


def folder(instance: str | os.PathLike[str], file_name: str) -> Path:
    """The folder holding the versions of `file_name`."""
    return Path(instance) / FOLDER / _checked_file_name(file_name)


def check_who(who: str) -> str:
    """`who` if it can name the author of a change (an organiser name)."""
    if not isinstance(who, str) or not who or not _WHO.match(who):
        raise CampaignError(f"{who!r} is not an organiser name; sign in to make changes")
    return who


def record(instance: str | os.PathLike[str], file_name: str, data: bytes, who: str) -> Version:
    """Keep `data` as the newest version of `file_name` ("" for `who`: found on disk)."""
    if who:
        check_who(who)
    digest = safe_files.version(data)[:DIGEST_LENGTH]
    newest = list_versions(instance, file_name, limit=1)
    if newest and newest[0].digest == digest and newest[0].who == who:
        return newest[0]
    place = folder(instance, file_name)
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime(_TIME_FORMAT)
    version_id = f"{stamp}-{who}-{digest}"
    target = place / (version_id + Path(file_name).suffix)
    safe_files.write_atomically(target, data, safe_files.PRIVATE_MODE)
    _prune(place)
    kept = _parse(target.name, file_name)
    assert kept is not None  # the name was made by this function
    return kept


def remember(instance: str | os.PathLike[str], path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The file's bytes and version, kept in the history first if it did not know them."""
    path = Path(path)
    data = safe_files.read_if_exists(path)
    if data is None:
        raise CampaignError(f"{path}: no such file")
    if find(instance, path.name, safe_files.version(data)) is None:
        record(instance, path.name, data, who="")
    return data, safe_files.version(data)


def keeper(instance: str | os.PathLike[str], file_name: str, who: str) -> safe_files.OnSaved:
    """An `on_saved(old, new)` for safe_write: keep an unknown old version, then the new one."""

    def on_saved(old: bytes | None, new: bytes) -> None:
        try:
            if old is not None and find(instance, file_name, safe_files.version(old)) is None:
                record(instance, file_name, old, who="")
            record(instance, file_name, new, who)
        except OSError as error:
            raise CampaignError(
                f"{file_name} was saved, but its version history could not be written "
                f"({error.strerror or error}); check the instance folder"
            ) from None

    return on_saved


def list_versions(
    instance: str | os.PathLike[str], file_name: str, limit: int = 20
) -> list[Version]:
    """The kept versions of `file_name`, newest first."""
    place = folder(instance, file_name)
    if not place.is_dir():
        return []
    found = [_parse(entry.name, file_name) for entry in place.iterdir()]
    versions = sorted((v for v in found if v is not None), key=lambda v: v.id, reverse=True)
    return versions[:limit]


def read(instance: str | os.PathLike[str], file_name: str, version_id: str) -> bytes:
    """The content of one kept version; CampaignError if there is no such version."""
    match = _VERSION_ID.match(version_id) if isinstance(version_id, str) else None
    path = folder(instance, file_name) / (version_id + Path(file_name).suffix)
    if match is None or not path.is_file():
        raise CampaignError(f"{file_name} has no version {version_id!r}; pick one from the list")
    return path.read_bytes()


def find(instance: str | os.PathLike[str], file_name: str, version: str) -> bytes | None:
    """The kept content whose full version (sha256) is `version`, or None."""
    if not re.fullmatch(r"[0-9a-f]{64}", version or ""):
        return None
    place = folder(instance, file_name)
    if not place.is_dir():
        return None
    for path in place.glob(f"*-{version[:DIGEST_LENGTH]}{Path(file_name).suffix}"):
        data = path.read_bytes()
        if safe_files.version(data) == version:
            return data
    return None


def diff(old: str, new: str, old_name: str = "before", new_name: str = "after") -> str:
    """A unified diff of two texts ("" when they are the same)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=old_name,
        tofile=new_name,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _parse(name: str, file_name: str) -> Version | None:
    """The Version a stored file name stands for, or None for anything else in the folder."""
    suffix = Path(file_name).suffix
    if not name.endswith(suffix):
        return None
    match = _VERSION_ID.match(name[: len(name) - len(suffix)] if suffix else name)
    if match is None:
        return None
    moment = dt.datetime.strptime(match["time"], _TIME_FORMAT)
    return Version(
        id=match.group(0),
        file=file_name,
        time=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        who=match["who"],
        digest=match["digest"],
    )


def _prune(place: Path) -> None:
    """Delete the oldest versions beyond KEEP."""
    stored = sorted(entry for entry in place.iterdir() if _VERSION_ID.match(entry.stem))
    for old in stored[: max(0, len(stored) - KEEP)]:
        old.unlink(missing_ok=True)


def _checked_file_name(file_name: str) -> str:
    """`file_name` if it is a plain file name (it becomes a folder name in the instance)."""
    if not isinstance(file_name, str) or not _FILE_NAME.match(file_name) or ".." in file_name:
        raise CampaignError(f"{file_name!r} is not a file the console edits")
    return file_name
