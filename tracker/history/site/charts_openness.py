"""The openness chart: for each lab, the share of each openness level per quarter (a grid of 100 % cells).

Drawn with the horizontal-bars template (templates/site/charts/hbars.svg): one row per lab, one column per
quarter, each cell split by level from least to most open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tracker.render.charts import RIGHT, TOP, WIDTH, Chart, _legend

LEVEL_COLORS = {"restricted-weights": "#edc948", "open-weights": "#76b7b2", "open-model": "#4e79a7",
                "open-science": "#59a14f", "not classified yet": "#d9d9d9"}
QUARTERS_SHOWN = 8


def _quarter(row: Any) -> str:
    when = row.released_at
    return f"{when.year} Q{(when.month - 1) // 3 + 1}"


def openness_by_lab(groups: Sequence[Any], title: str, top_n: int = 12) -> Chart:
    """One row per lab (the `top_n` with most releases), one cell per quarter with releases: level shares."""
    shown = [g for g in groups if g.rows][:top_n]
    if not shown:
        return Chart("hbars", title, WIDTH, 120, empty=True)
    quarters = sorted({_quarter(r) for g in shown for r in g.rows})[-QUARTERS_SHOWN:]
    label_w, row_h = 190, 26
    plot_w = WIDTH - label_w - RIGHT - 56
    cell_w = plot_w / len(quarters)
    chart = Chart("hbars", title, WIDTH, 0, plot={"x": label_w, "y": TOP, "w": plot_w, "h": row_h * len(shown)})
    for i, g in enumerate(shown):
        y = TOP + i * row_h
        name = g.name if len(g.name) <= 27 else g.name[:26] + "…"
        in_view = [r for r in g.rows if _quarter(r) in quarters]
        chart.labels.append({"x": label_w - 8, "y": y + row_h / 2 + 4, "text": name, "count": f"{len(in_view)}",
                             "cx": label_w + plot_w + 6})
        for q, quarter in enumerate(quarters):
            levels = Counter((r.openness_level or "not classified yet") for r in in_view if _quarter(r) == quarter)
            total = sum(levels.values())
            x = label_w + q * cell_w + 1
            for level, color in LEVEL_COLORS.items():
                n = levels.get(level, 0)
                if not n:
                    continue
                w = n / total * (cell_w - 2)
                chart.marks.append({"x": round(x, 2), "y": y + 4, "w": round(w, 2), "h": row_h - 8, "color": color,
                                    "tip": f"{g.name}, {quarter}: {n} of {total} {level}"})
                x += w
    for q, quarter in enumerate(quarters):
        chart.xticks.append({"x": round(label_w + (q + 0.5) * cell_w, 2), "label": quarter})
    legend_y = TOP + row_h * len(shown) + 40
    chart.legend, bottom = _legend([(lvl, col, "box") for lvl, col in LEVEL_COLORS.items()], legend_y)
    chart.height = int(bottom + 4)
    return chart
