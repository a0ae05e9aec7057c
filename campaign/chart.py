"""Bar charts drawn by the app itself (the dashboard's inline SVG, the delivery dossier): their
geometry only; no script, no third party."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and rectangle in the chart's coordinates."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    """A chart's size, bars and the gridline values of its scale."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[int, float], ...]  # (value, position along the value axis)
    plot: tuple[float, float, float, float]  # left, top, right, bottom of the plot area


def nice_top(largest: int) -> int:
    """A round top for the scale: 1, 2 or 5 times a power of ten, at least `largest`."""
    if largest <= 1:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def columns(items: Sequence[tuple[str, int]], width: int = 480, height: int = 200) -> Chart:
    """Vertical bars, one per item (days), with every `nth` label shown below the axis."""
    left, top, right, bottom = 34.0, 10.0, width - 16.0, height - 30.0
    top_value = nice_top(max((value for _, value in items), default=0))
    step = (right - left) / max(len(items), 1)
    every = max(1, math.ceil(len(items) / 5))
    bars = tuple(
        Bar(
            label,
            value,
            x=left + index * step + step * 0.15,
            y=bottom - (bottom - top) * value / top_value,
            width=step * 0.7,
            height=(bottom - top) * value / top_value,
            show_label=(len(items) - 1 - index) % every == 0,
        )
        for index, (label, value) in enumerate(items)
    )
    scale = (0, top_value // 2, top_value)
    ticks = tuple((value, bottom - (bottom - top) * value / top_value) for value in scale)
    return Chart(width, height, bars, ticks, (left, top, right, bottom))


def rows(items: Sequence[tuple[str, int]], width: int = 480, row: int = 26) -> Chart:
    """Horizontal bars, one row per item (offices, channels), labels on the left."""
    left, top, right = 190.0, 6.0, width - 40.0
    height = int(top * 2 + row * max(len(items), 1))
    top_value = nice_top(max((value for _, value in items), default=0))
    bars = tuple(
        Bar(
            label,
            value,
            x=left,
            y=top + index * row + row * 0.15,
            width=(right - left) * value / top_value,
            height=row * 0.7,
        )
        for index, (label, value) in enumerate(items)
    )
    scale = (0, top_value // 2, top_value)
    ticks = tuple((value, left + (right - left) * value / top_value) for value in scale)
    return Chart(width, height, bars, ticks, (left, top, right, height - top))
