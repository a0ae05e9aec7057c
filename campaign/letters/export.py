"""Write one supporter's letters to a folder: PDFs, .eml drafts, mailto links and a manifest."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from campaign.errors import CampaignError
from campaign.letters import drafts, render_pool
from campaign.models import Letter

FORMATS = ("pdf", "eml", "mailto")


@dataclass(frozen=True)
class Bundle:
    """What write_bundle wrote: the folder and its files, in the order written."""

    folder: Path
    files: tuple[str, ...]
    manifest: dict


def default_folder(exports: Path, now: dt.datetime | None = None, prefix: str = "letters") -> Path:
    """A new folder under exports/ named by the time, never by the supporter's name."""
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    folder, number = exports / f"{prefix}-{stamp}", 1
    while folder.exists():
        number += 1
        folder = exports / f"{prefix}-{stamp}-{number}"
    return folder


def check_new(path: Path) -> None:
    """A CampaignError when `path` exists: nothing is ever overwritten."""
    if path.exists():
        raise CampaignError(f"{path}: already exists; choose another --out, nothing was written")


def parse_formats(value: str) -> tuple[str, ...]:
    """'pdf,eml' -> ('pdf', 'eml'); an unknown format is an error naming the known ones."""
    formats = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise CampaignError(f"--format {value!r}: use one or more of {','.join(FORMATS)}")
    return formats


def write_bundle(
    folder: Path,
    letters: Sequence[Letter],
    *,
    formats: Sequence[str] = FORMATS,
    paper: str = "a4",
    templates_dir: Path,
    title: str = "",
) -> Bundle:
    """Write the letters into `folder`, which must not exist yet; all or nothing."""
    check_new(folder)
    # Each link built once: mailto.txt and the manifest both report it.
    wanted = letters if "mailto" in formats else ()
    mailtos = {letter.recipient.id: drafts.mailto(letter) for letter in wanted}
    files = _render_files(letters, formats, paper, templates_dir, title, mailtos)
    manifest = _manifest(letters, formats, paper, files, mailtos)
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    write_new_folder(folder, files)
    return Bundle(folder=folder, files=tuple(files), manifest=manifest)


def _render_files(
    letters: Sequence[Letter],
    formats: Sequence[str],
    paper: str,
    templates_dir: Path,
    title: str,
    mailtos: dict[str, drafts.Mailto],
) -> dict[str, bytes]:
    """File name -> content, for every format asked for."""
    files: dict[str, bytes] = {}
    if "pdf" in formats:
        combined, per_office = render_pool.shared().split(
            letters, paper=paper, templates_dir=templates_dir, title=title or None
        )
        files["letters.pdf"] = combined
        files.update({f"{office}.pdf": content for office, content in per_office.items()})
    if "eml" in formats:
        files.update({drafts.eml_filename(letter): drafts.eml(letter) for letter in letters})
    if mailtos:
        files["mailto.txt"] = "".join(_mailto_line(o, m) for o, m in mailtos.items()).encode()
    return files


def _mailto_line(office: str, result: drafts.Mailto) -> str:
    """One line of mailto.txt: the office id, a tab, and the link or why there is none."""
    return f"{office}\t{result.link or 'no link: ' + result.reason}\n"


def _manifest(
    letters: Sequence[Letter],
    formats: Sequence[str],
    paper: str,
    files: dict[str, bytes],
    mailtos: dict[str, drafts.Mailto],
) -> dict:
    """Per office: id, language, subject, disclosure rule, its files, and the mailto link or why
    there is none."""
    entries = []
    for letter in letters:
        office = letter.recipient.id
        mailto = mailtos.get(office)
        own_files = [
            name for name in (f"{office}.pdf", drafts.eml_filename(letter)) if name in files
        ]
        entries.append(
            {
                "id": office,
                "office": letter.recipient.office,
                "language": letter.language,
                "subject": letter.subject,
                "disclosure": letter.disclosure,  # what the letters show the office of you
                "files": own_files,
                "mailto": mailto.link if mailto else None,
                "mailto_reason": mailto.reason if mailto else "not asked for (--format)",
            }
        )
    return {"formats": list(formats), "paper": paper, "letters": entries}


def write_new_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` into the new `folder`: all or nothing."""
    with new_folder(folder) as staging:
        for name, content in files.items():
            (staging / name).write_bytes(content)


@contextlib.contextmanager
def new_folder(folder: Path) -> Iterator[Path]:
    """A hidden temporary folder beside `folder` to write into, renamed to `folder` when the
    block ends well and removed with everything in it when not: all or nothing."""
    check_new(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as error:
        raise CampaignError(
            f"{folder}: cannot create it ({error.strerror or error}); choose another --out"
        ) from None
    try:
        yield staging
        staging.rename(folder)  # mkdtemp made it 0700: only this user can read the letters
    except OSError as error:  # a full disk, a folder removed under our feet
        shutil.rmtree(staging, ignore_errors=True)
        raise CampaignError(
            f"{folder}: could not write the letters ({error.strerror or error}); nothing was kept"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
