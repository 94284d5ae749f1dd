"""The handling-time chart of a dashboard: bar geometry for an inline SVG, drawn on the server.

One row per person: a bar for the average handling time and a tick for the worst. The
template draws it as an SVG with a title and description; the table beside it carries the
same figures for screen readers and for anyone who prefers numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _

from ecabinet.tracking.formatting import format_duration
from ecabinet.tracking.selectors import Figures

LABEL_WIDTH = 210
PLOT_WIDTH = 400
VALUE_WIDTH = 250
ROW_HEIGHT = 32
BAR_HEIGHT = 18
TOP = 8
AXIS_HEIGHT = 34
LABEL_CHARS = 26


@dataclass(frozen=True)
class Bar:
    name: str
    label: str  # the name, shortened to fit
    y: int
    width: float
    worst_x: float
    average: str
    worst: str
    flagged: bool

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def worst_top(self) -> int:
        return self.y - 4

    @property
    def worst_bottom(self) -> int:
        return self.y + BAR_HEIGHT + 4


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    unit: str
    width: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return TOP + len(self.bars) * ROW_HEIGHT + AXIS_HEIGHT

    @property
    def axis_y(self) -> int:
        return TOP + len(self.bars) * ROW_HEIGHT

    @property
    def plot_end(self) -> int:
        return self.label_width + self.plot_width

    @property
    def value_x(self) -> int:
        return self.plot_end + 10

    @property
    def label_x(self) -> int:
        return self.label_width - 10

    @property
    def tick_y(self) -> int:
        return self.axis_y + 18


def nice_step(top: float) -> float:
    """A step of 1, 2 or 5 times a power of ten giving four to eight ticks."""
    raw = top / 5
    power = float(10 ** math.floor(math.log10(raw)))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def short_label(name: str) -> str:
    """The name, cut to fit the label column of a chart."""
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


def handling_chart(people: list[Figures]) -> Chart | None:
    """The chart of the people who have a handling time; None when nobody has one."""
    measured = [p for p in people if p.average is not None and p.worst is not None]
    if not measured:
        return None
    worst = max(p.worst or timedelta(0) for p in measured)
    in_days = worst > timedelta(hours=72)
    scale_unit = 86400.0 if in_days else 3600.0
    top_value = max(worst.total_seconds() / scale_unit, 1.0)
    step = nice_step(top_value)
    axis_max = math.ceil(top_value / step) * step
    per_unit = PLOT_WIDTH / axis_max

    def x_of(value: timedelta) -> float:
        return round(value.total_seconds() / scale_unit * per_unit, 1)

    bars = []
    for row, person in enumerate(measured):
        assert person.average is not None
        assert person.worst is not None
        bars.append(
            Bar(
                name=person.name,
                label=short_label(person.name),
                y=TOP + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                width=max(x_of(person.average), 1.0),
                worst_x=LABEL_WIDTH + x_of(person.worst),
                average=format_duration(person.average),
                worst=format_duration(person.worst),
                flagged=person.flagged,
            )
        )
    ticks = []
    value = 0.0
    while value <= axis_max + 1e-9:
        ticks.append(Tick(LABEL_WIDTH + round(value * per_unit, 1), f"{value:g}"))
        value += step
    return Chart(bars, ticks, _("ngày") if in_days else _("giờ"))
