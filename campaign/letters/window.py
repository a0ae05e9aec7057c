"""Whether an office's address fits the envelope window, as the print layout sets it.

print.css sets the address below the return line, in the window of a DL, C5 or C6 envelope
(A4, DIN 5008 B: 85 mm wide, 27.3 mm high) or of a #10 one (US Letter: 4 in wide, 1.1 in
high): at 10.5 pt six lines fit, and with the class `long` at 9 pt seven. A line wider than
the window wraps, so the lines that count are the lines as printed. Each is measured here in
the advance widths of the layout's font (PT Serif, read with fontTools, which WeasyPrint
depends on) and wrapped at spaces as the layout wraps it, with a margin for kerning. Counting
the address's lines instead put "KAZAKHSTAN" below the window: "Presidential Administration of
the Republic of Kazakhstan" is 96 mm long at 10.5 pt.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FONT = "PT Serif"
MM_PER_PT = 25.4 / 72
SAFETY_MM = 0.25  # kerning and rounding, a fraction of a millimetre a line
WIDTH_MM = {"a4": 85.0, "letter": 4 * 25.4}
# Without the font file, an average advance width per character (PT Serif's is 0.49 em).
FALLBACK_EM = 0.55


@dataclass(frozen=True)
class Size:
    """One type size of the address: its class in print.css, and how many lines fit."""

    css_class: str
    points: float
    lines: int


SIZES = (Size("", 10.5, 6), Size("long", 9.0, 7))


def size_class(lines: list[str], paper: str) -> str:
    """The class of the largest size at which `lines` fit the window (the smallest's if none)."""
    fitting = fitting_size(lines, paper)
    return (fitting or SIZES[-1]).css_class


def fitting_size(lines: list[str], paper: str) -> Size | None:
    """The largest size at which the address fits the window, or None when none does."""
    for size in SIZES:
        if printed_lines(lines, size.points, WIDTH_MM[paper]) <= size.lines:
            return size
    return None


def printed_lines(lines: list[str], points: float, width_mm: float) -> int:
    """How many lines `lines` take when set at `points` in a column `width_mm` wide."""
    return sum(_wrapped(line, points, width_mm - SAFETY_MM) for line in lines)


def _wrapped(line: str, points: float, width_mm: float) -> int:
    """The lines one address line takes: wrapped at spaces, a word wider than the column
    broken within it (print.css: overflow-wrap)."""
    space = text_width(" ", points)
    count, used = 1, 0.0
    for word in line.split():
        width = text_width(word, points)
        if used and used + space + width <= width_mm:
            used += space + width
            continue
        if used:
            count += 1
        extra = max(math.ceil(width / width_mm) - 1, 0)
        count += extra
        used = width - extra * width_mm
    return count


def text_width(text: str, points: float) -> float:
    """The width of `text` set at `points`, in millimetres."""
    advances = _advances()
    if advances is None:
        return len(text) * FALLBACK_EM * points * MM_PER_PT
    widths, default = advances
    em_units = sum(widths.get(ord(character), default) for character in text)
    return em_units * points * MM_PER_PT


@functools.cache
def _advances() -> tuple[dict[int, float], float] | None:
    """The font's advance width of each character, in ems, and of a missing one; None when
    the font cannot be read (the fallback estimate is used then)."""
    path = _font_file()
    if path is None:
        return None
    from fontTools.ttLib import TTFont  # only when measuring: it takes 50 ms to import

    try:
        font = TTFont(path, lazy=True)
        units = font["head"].unitsPerEm
        metrics = font["hmtx"]
        widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
        return widths, metrics[".notdef"][0] / units
    except Exception:  # a broken font file: WeasyPrint will say so when it prints
        return None


def _font_file() -> Path | None:
    """The file fontconfig gives for the layout's font, if it is that font."""
    match = shutil.which("fc-match")
    if match is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 (fixed arguments: fontconfig asked for one family)
            [match, "--format=%{family}\n%{file}", FONT],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _, file = found.partition("\n")
    if FONT not in family.split(","):
        return None
    return Path(file) if file else None
