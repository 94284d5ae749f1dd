"""The statistics page's charts: stacked bars for an inline SVG, drawn on the server.

Two charts, both with the layout of the ledger's dashboard chart (``tracking.charts``:
label column, plot, value column, the same axis steps): per member, how the ballots they
were asked were answered (on time, late, not answered, pending; counts); per ballot, how
the answers split (agree, disagree, other; shares of the answers given). The template draws
each as an SVG with a title and a description, and the tables beside them carry the same
numbers for screen readers and for anyone who prefers figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ecabinet.ballots.statistics import BallotStats, MemberStats
from ecabinet.tracking.charts import (
    AXIS_HEIGHT,
    BAR_HEIGHT,
    LABEL_WIDTH,
    PLOT_WIDTH,
    ROW_HEIGHT,
    TOP,
    VALUE_WIDTH,
    Tick,
    nice_step,
    short_label,
)

# Fills of the segments (the tally bar's colours for the choices), each at least 3:1 against
# white and against its neighbour's edge line; drawn as attributes so the PDF keeps them.
COLOURS = {
    "on-time": "#1e6b34",
    "late": "#7a4b00",
    "not-answered": "#b3261e",
    "pending": "#6b7682",
    "agree": "#1e6b34",
    "disagree": "#b3261e",
    "other": "#7a4b00",
}


@dataclass(frozen=True)
class Segment:
    kind: str  # on-time, late, not-answered, pending, agree, disagree, other
    label: str
    value: float
    x: float
    width: float

    @property
    def colour(self) -> str:
        return COLOURS[self.kind]


@dataclass(frozen=True)
class StackedBar:
    name: str
    label: str  # the name, shortened to fit
    y: int
    segments: list[Segment]
    value: str  # what the value column says
    summary: str  # the row's figures in words (the tooltip)

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class StackedChart:
    bars: list[StackedBar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (kind, label) in the order of the segments
    unit: str
    width: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return TOP + len(self.bars) * ROW_HEIGHT + AXIS_HEIGHT

    @property
    def legend_items(self) -> list[tuple[str, str, str]]:
        """(kind, label, colour) for the legend under the chart."""
        return [(kind, label, COLOURS[kind]) for kind, label in self.legend]

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


def _axis(top_value: float, *, whole: bool) -> tuple[float, float, list[Tick]]:
    """The axis maximum, pixels per unit and ticks for values up to ``top_value``."""
    top_value = max(top_value, 1.0)
    step = nice_step(top_value)
    if whole:
        step = max(1.0, math.ceil(step))
    axis_max = math.ceil(top_value / step) * step
    per_unit = PLOT_WIDTH / axis_max
    ticks = []
    value = 0.0
    while value <= axis_max + 1e-9:
        ticks.append(Tick(LABEL_WIDTH + round(value * per_unit, 1), f"{value:g}"))
        value += step
    return axis_max, per_unit, ticks


def _segments(parts: list[tuple[str, str, float]], per_unit: float) -> list[Segment]:
    segments = []
    x = float(LABEL_WIDTH)
    for kind, label, value in parts:
        if value <= 0:
            continue
        width = round(value * per_unit, 1)
        segments.append(Segment(kind, label, value, round(x, 1), width))
        x += width
    return segments


def _row_y(row: int) -> int:
    return TOP + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2


def timeliness_chart(members: list[MemberStats]) -> StackedChart | None:
    """Per member: ballots answered on time, late, not answered, pending (counts)."""
    if not members:
        return None
    legend = [
        ("on-time", _("Đúng hạn")),
        ("late", _("Trễ hạn")),
        ("not-answered", _("Không trả lời")),
        ("pending", _("Chưa đến hạn")),
    ]
    _max, per_unit, ticks = _axis(max(m.timeliness.received for m in members), whole=True)
    bars = []
    for row, member in enumerate(members):
        t = member.timeliness
        values = [t.on_time, t.late, t.not_answered, t.pending]
        parts = [(kind, label, float(v)) for (kind, label), v in zip(legend, values, strict=True)]
        summary = _(
            "%(name)s: %(received)s phiếu; đúng hạn %(on_time)s, trễ hạn %(late)s, "
            "không trả lời %(none)s, chưa đến hạn %(pending)s"
        ) % {
            "name": member.name,
            "received": t.received,
            "on_time": t.on_time,
            "late": t.late,
            "none": t.not_answered,
            "pending": t.pending,
        }
        bars.append(
            StackedBar(
                name=member.name,
                label=short_label(member.name),
                y=_row_y(row),
                segments=_segments(parts, per_unit),
                value=_("%(answered)s/%(received)s đã trả lời")
                % {"answered": t.answered, "received": t.received},
                summary=summary,
            )
        )
    return StackedChart(bars, ticks, legend, _("phiếu"))


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def choices_chart(ballots: list[BallotStats]) -> StackedChart | None:
    """Per ballot: agree, disagree, other as shares of the answers given (per cent)."""
    if not ballots:
        return None
    legend = [
        ("agree", _("Đồng ý")),
        ("disagree", _("Không đồng ý")),
        ("other", _("Ý kiến khác")),
    ]
    _max, per_unit, ticks = _axis(100.0, whole=True)
    bars = []
    for row, stats in enumerate(ballots):
        c = stats.choices
        title = stats.ballot.title
        if c.total:
            values = [100 * c.agree / c.total, 100 * c.disagree / c.total, 100 * c.other / c.total]
            value = _("đồng ý %(share)s") % {"share": _share(c.agree_share)}
            summary = _(
                "%(title)s: đồng ý %(agree)s, không đồng ý %(disagree)s, ý kiến khác "
                "%(other)s (trên %(total)s ý kiến)"
            ) % {
                "title": title,
                "agree": _share(c.agree_share),
                "disagree": _share(c.disagree_share),
                "other": _share(c.other_share),
                "total": c.total,
            }
        else:
            values = [0.0, 0.0, 0.0]
            value = _("chưa có ý kiến")
            summary = _("%(title)s: chưa có ý kiến") % {"title": title}
        parts = [(kind, label, v) for (kind, label), v in zip(legend, values, strict=True)]
        bars.append(
            StackedBar(
                name=title,
                label=short_label(title),
                y=_row_y(row),
                segments=_segments(parts, per_unit),
                value=value,
                summary=summary,
            )
        )
    return StackedChart(bars, ticks, legend, "%")
