"""An organiser's second factor: TOTP codes (RFC 6238) and one-time recovery codes.

Plain values in and out; the accounts store keeps the secret, the last time step used and the
hashes of the unused recovery codes. A code is accepted once: a replayed code, or an older one
of the same drift window, is refused, because its step is not newer than the last one used.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno

ISSUER = "Campaign console"  # what authenticator apps show above the organiser's name
STEP_S = 30  # the period every authenticator app uses by default
DIGITS = 6
DRIFT_STEPS = 1  # accept the previous and the next code too: clocks and typing take time
RECOVERY_CODES = 10
RECOVERY_GROUPS = 3  # "abcd-efgh-jkmn": 12 characters of a 32-letter alphabet, 60 bits
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1: read off paper


def new_secret() -> str:
    """A fresh 160-bit TOTP secret, base32 as authenticator apps expect it."""
    return pyotp.random_base32(32)


def setup_uri(secret: str, name: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app takes from a QR code or a link."""
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=name, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The setup URI as a QR code in inline SVG, drawn here (no request to anyone else)."""
    code = segno.make(uri, error="m")
    colours = {"dark": "#000", "light": "#fff"}  # a light margin even on a dark page
    return code.svg_inline(
        scale=5, border=4, title=title, svgclass="qr-code", lineclass=None, **colours
    )


def qr_text(uri: str) -> str:
    """The setup URI as a QR code drawn with block characters, for a terminal."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def spaced(secret: str) -> str:
    """A secret in groups of four, as it is easiest to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step(now: float | None = None) -> int:
    """The number of the TOTP time step at `now` (seconds since the epoch)."""
    return int((time.time() if now is None else now) // STEP_S)


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The step of `code` if it is valid now and newer than `last_step`; else None."""
    digits = "".join(code.split()) if isinstance(code, str) else ""
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if candidate > last_step and hmac.compare_digest(totp.generate_otp(candidate), digits):
            return candidate
    return None


def new_recovery_codes() -> list[str]:
    """Fresh one-time recovery codes to show the organiser once (only their hashes are kept)."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODES)
    ]


def recovery_hash(code: str) -> str:
    """The stored form of a recovery code; SHA-256 suffices for 60 random bits, unlike passwords."""
    return hashlib.sha256(_normalised(code).encode("ascii", "replace")).hexdigest()


def matching_recovery(hashes: list[str], code: str) -> str | None:
    """The stored hash that `code` is the recovery code of, or None."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    wanted = recovery_hash(code)
    found = None
    for stored in hashes:  # compare with every hash, so the time says nothing about which
        if hmac.compare_digest(stored, wanted):
            found = stored
    return found


def _normalised(code: str) -> str:
    """A recovery code as typed, without spaces, dashes or capitals."""
    return "".join(ch for ch in code.lower() if ch.isalnum())
