"""Zip files of the kit and the batch, for the console to hand over as one download."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """A zip of `files` (name -> content), in name order; PDFs are stored, not compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            archive.writestr(_entry(name), files[name], compress_type=_method(name))
    return buffer.getvalue()


def zip_folder(folder: Path) -> bytes:
    """A zip of every file under `folder`, by its path inside it, one file read at a time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(item for item in folder.rglob("*") if item.is_file()):
            name = path.relative_to(folder).as_posix()
            archive.write(path, name, compress_type=_method(name))
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry readable by this user only when unpacked (0600): letters carry names."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.external_attr = 0o600 << 16
    return entry


def _method(name: str) -> int:
    """PDFs are compressed already; text is worth deflating."""
    return zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
