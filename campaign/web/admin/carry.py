"""An uploaded file carried from the preview page to "Confirm", unchanged and unforgeable.

The bytes travel in a hidden field, compressed and base64-encoded, with an HMAC (SHA-256,
the app's secret key) of the bytes and the directory version the preview was made from: the
server keeps nothing between the two requests, and the confirm can only apply what was shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib

from flask import current_app


class Tampered(ValueError):
    """The carried file is not the one the preview showed."""


def pack(data: bytes, version: str) -> tuple[str, str]:
    """The hidden field's value and its signature."""
    blob = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    return blob, signature(data, version)


def unpack(blob: str, signed: str, version: str, max_bytes: int) -> bytes:
    """The carried bytes, or Tampered when they or the version were changed on the way."""
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(blob, validate=True), max_bytes + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise Tampered("not a carried file") from None
    if len(data) > max_bytes or not hmac.compare_digest(signature(data, version), signed):
        raise Tampered("the file or its version changed")
    return data


def signature(data: bytes, version: str) -> str:
    """HMAC-SHA-256 of the bytes and the version, with the app's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = hashlib.sha256(data).hexdigest().encode("ascii") + b":" + version.encode("utf-8")
    return hmac.new(key, b"csv-import:" + message, hashlib.sha256).hexdigest()
