"""The one safe save for every file the console edits: recipients.yaml, campaign.yaml, letters.

A save takes an exclusive lock beside the file, checks that the file is still the version the
editor started from (else ConflictError), writes a temporary file in the same folder, fsyncs
it, `os.replace`s it over the file and keeps the previous content as `<name>.bak`; a failed
write leaves the file as it was (the edit pipeline validates before it writes). Small private
files (organisers.json) use `update`: lock, read, change, write atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from campaign import limits
from campaign.errors import CampaignError, ConflictError

LOCK_TIMEOUT = 10.0  # seconds a save waits for another save to finish
DEFAULT_MODE = 0o644  # a new file that other people may read (the campaign's files)
PRIVATE_MODE = 0o600  # a new file only the app may read (accounts, audit log)

OnSaved = Callable[[bytes | None, bytes], None]


def version(data: bytes | None) -> str:
    """The version of a file's content: its sha256 in hex, or "" for no file."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def read_if_exists(path: str | os.PathLike[str], limit: int = limits.FILE_BYTES) -> bytes | None:
    """The file's bytes, or None when there is no file; CampaignError over `limit` bytes."""
    try:
        with Path(path).open("rb") as file:
            data = file.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CampaignError(f"{path}: cannot read it ({error.strerror or error})") from None
    if len(data) > limit:
        raise CampaignError(f"{path}: is larger than {limit:,} bytes, the limit; shorten it")
    return data


def file_version(path: str | os.PathLike[str]) -> str:
    """The version of the file as it is now ("" when it does not exist)."""
    return version(read_if_exists(path))


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where a save keeps the previous version: `<name>.bak` beside the file."""
    path = Path(path)
    return path.with_name(path.name + ".bak")


def safe_write(
    path: str | os.PathLike[str],
    data: bytes,
    expected_version: str,
    *,
    on_saved: OnSaved | None = None,
    mode: int = DEFAULT_MODE,
) -> None:
    """Write `data` over `path` unless the file changed since `expected_version` ("" = new file).

    The previous content is kept as `<name>.bak`. `on_saved(old, new)` runs under the lock
    after the write: the version history uses it. `mode` applies to a new file; an existing
    file keeps its own.
    """
    path = Path(path)
    with locked(path):
        old = read_if_exists(path)
        if version(old) != expected_version:
            raise ConflictError(
                f"{path.name} was changed since you opened it (by another editor or by hand); "
                "reload and re-apply your change",
                current_version=version(old),
            )
        if old is not None:
            mode = stat.S_IMODE(path.stat().st_mode)
        try:
            if old is not None:
                write_atomically(backup_path(path), old, mode)
            write_atomically(path, data, mode)
        except OSError as error:
            raise CampaignError(
                f"{path}: could not save ({error.strerror or error}); the file was not changed"
            ) from None
        if on_saved is not None:
            on_saved(old, data)


def update(
    path: str | os.PathLike[str],
    change: Callable[[bytes | None], bytes],
    *,
    mode: int = PRIVATE_MODE,
) -> bytes:
    """Read, change and atomically rewrite a small file under its lock; return the new bytes."""
    path = Path(path)
    with locked(path):
        old = read_if_exists(path)
        data = change(old)
        if old is not None:
            mode = stat.S_IMODE(path.stat().st_mode)
        try:
            write_atomically(path, data, mode)
        except OSError as error:
            raise CampaignError(
                f"{path}: could not save ({error.strerror or error}); the file was not changed"
            ) from None
    return data


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive flock on `<name>.lock`; a crashed holder leaves no stale lock."""
    path = Path(path)
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as error:
        raise CampaignError(f"{lock_path}: cannot create the lock ({error.strerror})") from None
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CampaignError(
                        f"{path}: another save is in progress ({lock_path.name} is held); "
                        "try again in a moment"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_atomically(target: Path, data: bytes, mode: int) -> None:
    """Replace `target` with `data` via a synced temp file; on failure `target` is untouched."""
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
    ) as temp:
        temp_path = Path(temp.name)
        try:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        except BaseException:
            temp.close()
            temp_path.unlink(missing_ok=True)
            raise
    try:
        os.chmod(temp_path, mode)
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems refuse fsync on a folder, which is harmless."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
