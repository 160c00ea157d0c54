"""A stacked bar chart computed on the server: the geometry of every bar, tick and label, which
``packages/_chart.html`` writes out as SVG. No JavaScript and no inline style (strict CSP):
colours are SVG ``fill`` attributes, text and lines take their look from app.css classes."""

import colorsys
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44  # margins around the plot: axis labels live there
BAR_SHARE = 0.72  # of each day's slot; the rest is the gap between bars
MAX_X_LABELS = 8
# Distinct on white and for the common colour-vision deficiencies (Okabe–Ito, then Tableau).
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#7f7f7f",
    "#f0e442",
    "#4e79a7",
    "#b07aa1",
    "#9c755f",
    "#59a14f",
)


def colour(index: int) -> str:
    """The palette, then golden-angle hues: every series its own colour however many."""
    if index < len(PALETTE):
        return PALETTE[index]
    hue = (index * 0.381966) % 1
    red, green, blue = colorsys.hls_to_rgb(hue, 0.45, 0.65)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


@dataclass(frozen=True)
class Series:
    key: object
    label: str
    colour: str


@dataclass(frozen=True)
class Segment:
    """One bar: one series on one day."""

    series: Series
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    at: float  # pixel position along its axis
    label: str


@dataclass(frozen=True)
class BarChart:
    series: list[Series]
    segments: list[Segment]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def y_label_at(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def y_tick_label_x(self) -> int:
        return self.left - 8

    @property
    def x_label_y(self) -> int:
        return self.bottom + 18


def nice_step(maximum: float, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` intervals."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return max(1, round(step))


def compact(number: int) -> str:
    """1500 → 1.5k, 2000000 → 2M: axis labels stay short; bar titles carry the exact value."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


def stacked_bars(
    days: Sequence[date],
    series: Sequence[Series],
    value: Callable[[object, date], int],
    title: Callable[[Series, date, int], str],
    day_label: Callable[[date], str],
) -> BarChart:
    """One stacked bar per day, one segment per series with a value that day (bottom-up in
    ``series`` order), y axis from 0 to a round number above the largest day."""
    totals = [sum(value(s.key, day) for s in series) for day in days]
    step = nice_step(max(totals, default=0))
    scale_top = step * max(1, math.ceil(max(totals, default=0) / step))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    slot = plot_width / max(1, len(days))
    bar_width = max(1.0, slot * BAR_SHARE)

    segments = []
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar_width) / 2
        stacked = 0
        for item in series:
            amount = value(item.key, day)
            if amount <= 0:
                continue
            y_top = baseline - (stacked + amount) / scale_top * plot_height
            y_bottom = baseline - stacked / scale_top * plot_height
            segments.append(
                Segment(
                    series=item,
                    day=day,
                    value=amount,
                    x=round(x, 2),
                    y=round(y_top, 2),
                    width=round(bar_width, 2),
                    height=round(y_bottom - y_top, 2),
                    title=title(item, day, amount),
                )
            )
            stacked += amount

    y_ticks = [
        Tick(round(baseline - n / scale_top * plot_height, 2), compact(n))
        for n in range(0, scale_top + 1, step)
    ]
    every = max(1, math.ceil(len(days) / MAX_X_LABELS))
    x_ticks = [
        Tick(round(LEFT + i * slot + slot / 2, 2), day_label(days[i]))
        for i in range(0, len(days), every)
    ]
    return BarChart(list(series), segments, y_ticks, x_ticks)
