"""The openness chart: for each lab, the share of each openness level per quarter (a grid of 100 % cells).

Drawn with the horizontal-bars template (templates/site/charts/hbars.svg): one row per lab, one column per
calendar quarter (a quarter without releases stays an empty column, so the time axis keeps its spacing),
each cell split by level from least to most open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tracker.render.charts import RIGHT, TOP, WIDTH, Chart, _legend, label_width, short_name, tick

LEVEL_COLORS = {"restricted-weights": "#edc948", "open-weights": "#76b7b2", "open-model": "#4e79a7",
                "open-science": "#59a14f", "not classified yet": "#d9d9d9"}
QUARTERS_SHOWN = 8


def _quarter_index(row: Any) -> int:
    """Quarters counted from year 0, so that consecutive quarters are consecutive numbers."""
    return row.released_at.year * 4 + (row.released_at.month - 1) // 3


def quarter_name(index: int) -> str:
    return f"{index // 4} Q{index % 4 + 1}"


def quarters_shown(rows: Sequence[Any], most: int = QUARTERS_SHOWN) -> list[int]:
    """Every calendar quarter from the oldest release to the newest, at most the `most` newest."""
    return quarters_spanning([_quarter_index(r) for r in rows], most)


def quarters_spanning(found: Sequence[int], most: int = QUARTERS_SHOWN) -> list[int]:
    """Every quarter from the oldest of `found` to the newest, at most the `most` newest."""
    newest = max(found)
    return list(range(max(min(found), newest - most + 1), newest + 1))


class OpennessTally:
    """What `openness_by_lab` draws of one lab, counted as its rows stream by: releases per (quarter, level)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[int, str]] = Counter()

    def add(self, row: Any) -> None:
        self.counts[(_quarter_index(row), row.openness_level or "not classified yet")] += 1


def openness_by_lab(groups: Sequence[Any], title: str, top_n: int = 12) -> Chart:
    """One row per lab (the `top_n` with most releases), one cell per quarter: the shares of levels. From
    groups holding their rows; the site counts its stream into OpennessTally's instead (`openness_of`)."""
    shown = [g for g in groups if g.rows][:top_n]
    if not shown:
        return Chart("hbars", title, WIDTH, 120, empty=True)
    quarters = quarters_shown([r for g in shown for r in g.rows])
    # One pass over the lab's releases: (quarter, level) counted once each, not once per quarter shown.
    return openness_chart(title, quarters, [(g.name, Counter(
        (q, r.openness_level or "not classified yet") for r in g.rows if (q := _quarter_index(r)) >= quarters[0]))
        for g in shown])


def openness_of(labs: Sequence[tuple[str, OpennessTally]], title: str, top_n: int = 12) -> Chart:
    """The chart `openness_by_lab` draws of the same releases, from each lab's tally (labs biggest first)."""
    shown = [(name, tally) for name, tally in labs if tally.counts][:top_n]
    if not shown:
        return Chart("hbars", title, WIDTH, 120, empty=True)
    quarters = quarters_spanning([q for _, tally in shown for q, _ in tally.counts])
    return openness_chart(title, quarters, [(name, Counter({key: n for key, n in tally.counts.items()
                                                            if key[0] >= quarters[0]})) for name, tally in shown])


def openness_chart(title: str, quarters: list[int], labs: Sequence[tuple[str, Counter[tuple[int, str]]]]) -> Chart:
    """The grid: per lab (name, its releases per (quarter, level) from the first quarter shown on)."""
    names = [short_name(name) for name, _ in labs]
    label_w, row_h = label_width(names), 26
    plot_w = WIDTH - label_w - RIGHT - 56
    cell_w = plot_w / len(quarters)
    chart = Chart("hbars", title, WIDTH, 0, plot={"x": label_w, "y": TOP, "w": plot_w, "h": row_h * len(labs)})
    for i, ((lab, in_view), name) in enumerate(zip(labs, names, strict=True)):
        y = TOP + i * row_h
        chart.labels.append({"x": label_w - 8, "y": y + row_h / 2 + 4, "text": name,
                             "count": f"{sum(in_view.values())}", "cx": label_w + plot_w + 6})
        for q, quarter in enumerate(quarters):
            levels = {level: n for (at, level), n in in_view.items() if at == quarter}
            total = sum(levels.values())
            x = label_w + q * cell_w + 1
            for level, color in LEVEL_COLORS.items():
                n = levels.get(level, 0)
                if not n:
                    continue
                w = n / total * (cell_w - 2)
                chart.marks.append({"x": round(x, 2), "y": y + 4, "w": round(w, 2), "h": row_h - 8, "color": color,
                                    "tip": f"{lab}, {quarter_name(quarter)}: {n} of {total} {level}"})
                x += w
    for q, quarter in enumerate(quarters):
        chart.xticks.append(tick(label_w + (q + 0.5) * cell_w, quarter_name(quarter), label_w, WIDTH))
    legend_y = TOP + row_h * len(labs) + 40
    chart.legend, bottom = _legend([(lvl, col, "box") for lvl, col in LEVEL_COLORS.items()], legend_y)
    chart.height = int(bottom + 4)
    return chart
