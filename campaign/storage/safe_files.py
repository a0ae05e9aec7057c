"""The one safe save for every file the console edits: recipients.yaml, campaign.yaml, letters.

A save takes an exclusive lock beside the file, checks that the file is still the version the
editor started from (else ConflictError), writes a temporary file in the same folder, fsyncs
it, `os.replace`s it over the file and keeps the previous content as `<name>.bak`; a failed
write leaves the file as it was (the edit pipeline validates before it writes). `rewrite` makes
the new content under the lock from the file as it is then (the pipeline's merges). Small
private files (organisers.json) use `update`: lock, read, change, write atomically.

A process killed in the middle of a write leaves its temporary file behind:
`.<name>.<8 hex digits>.campaign-tmp`, hidden, beside the file, never read as a campaign file.
The next writer that holds the file's lock removes it (and any such file of the folder older
than STALE_TEMP_S); a lock is an flock, which the kernel releases when its holder dies, so a
dead process never blocks the next save.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from campaign import limits
from campaign.errors import CampaignError, ConflictError

LOCK_TIMEOUT = 10.0  # seconds a save waits for another save to finish
DEFAULT_MODE = 0o644  # a new file that other people may read (the campaign's files)
PRIVATE_MODE = 0o600  # a new file only the app may read (accounts, audit log)
TEMP_SUFFIX = ".campaign-tmp"
# A write lasts milliseconds; a temporary file this old belongs to a process that died, even
# when it is another file's (whose lock this writer does not hold).
STALE_TEMP_S = 60.0
_TEMP_NAME = re.compile(rf"^\.(?P<target>.+)\.[0-9a-f]{{8}}{re.escape(TEMP_SUFFIX)}$")

OnSaved = Callable[[bytes | None, bytes], None]
Make = Callable[[bytes | None], bytes | None]  # the content now -> the new one (None: no write)


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

    def checked(old: bytes | None) -> bytes:
        if version(old) != expected_version:
            raise ConflictError(
                f"{Path(path).name} was changed since you opened it (by another editor or by "
                "hand); reload and re-apply your change",
                current_version=version(old),
            )
        return data

    rewrite(path, checked, on_saved=on_saved, mode=mode)


def rewrite(
    path: str | os.PathLike[str],
    make: Make,
    *,
    on_saved: OnSaved | None = None,
    mode: int = DEFAULT_MODE,
    lock: bool = True,
) -> bytes | None:
    """Under the file's lock: read it, `make` its new content from it, write it; the bytes written.

    Nothing is written when `make` returns None; whatever it raises comes out, the file left as
    it is. The previous content is kept as `<name>.bak` and `on_saved(old, new)` runs under the
    lock after the write, as in `safe_write`. `lock=False`: the caller holds `locked(path)`.
    """
    path = Path(path)
    with locked(path) if lock else contextlib.nullcontext():
        remove_stale_temp_files(path)
        old = read_if_exists(path)
        data = make(old)
        if data is None:
            return None
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
    return data


def update(
    path: str | os.PathLike[str],
    change: Callable[[bytes | None], bytes],
    *,
    mode: int = PRIVATE_MODE,
) -> bytes:
    """Read, change and atomically rewrite a small file under its lock; return the new bytes."""
    path = Path(path)
    with locked(path):
        remove_stale_temp_files(path)
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
def locked(path: str | os.PathLike[str], wait: float | None = None) -> Iterator[None]:
    """Hold an exclusive flock on `<name>.lock`, waiting at most `wait` s (LOCK_TIMEOUT).

    The kernel releases an flock when the last descriptor of it closes, so a holder that dies,
    even by SIGKILL, leaves no stale lock: the lock file stays, but nobody holds it. The
    descriptor is not inherited by programs the holder starts (Python opens it non-inheritable).
    """
    path = Path(path)
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as error:
        raise CampaignError(f"{lock_path}: cannot create the lock ({error.strerror})") from None
    try:
        deadline = time.monotonic() + (LOCK_TIMEOUT if wait is None else wait)
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
    fd, temp_path = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fchmod(temp.fileno(), mode)
            os.fsync(temp.fileno())
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def is_temp_file(name: str) -> bool:
    """Whether a file name is one of `write_atomically`'s temporary files."""
    return _TEMP_NAME.match(name) is not None


def temp_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The temporary files of interrupted or running writes in `folder`."""
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(entry.path) for entry in entries if is_temp_file(entry.name))
    except (FileNotFoundError, NotADirectoryError):
        return []


def remove_stale_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that writers of `path` left; call it holding `path`'s lock.

    Removed: those of `path` and its backup (their writers held this lock, so they are dead),
    and any other one beside `path` older than STALE_TEMP_S. The files removed are returned.
    """
    path = Path(path)
    ours = {path.name, backup_path(path).name}
    stale_before = time.time() - STALE_TEMP_S
    removed = []
    for temp in temp_files(path.parent):
        match = _TEMP_NAME.match(temp.name)
        try:
            if (match and match["target"] in ours) or _mtime(temp) < stale_before:
                temp.unlink()
                removed.append(temp)
        except FileNotFoundError:
            continue  # its writer finished or another cleaner was first
    return removed


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside `target` (0600 until written), named recognisably."""
    while True:
        temp_path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), temp_path
        except FileExistsError:
            continue


def _mtime(path: Path) -> float:
    """When a file was last written."""
    return path.stat().st_mtime


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems refuse fsync on a folder, which is harmless."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
