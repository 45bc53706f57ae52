"""Charts as SVG files, made at build time: geometry here, markup in templates/site/charts/*.svg.

No plotting library: stacked monthly bars, a binned log-scale scatter of sizes over time, and
horizontal 100 % bars of license classes. Sizes are bounded whatever the number of releases (the
scatter bins its points), so a chart of 20,000 releases stays a few hundred kilobytes at most.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tracker.facts import format_params
from tracker.render.templates import environment

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
OTHER_COLOR = "#c9c9c9"
CLASS_COLORS = {"permissive": "#59a14f", "open-restricted": "#edc948", "non-commercial": "#e15759",
                "unknown": "#bab0ac"}
MONTHS_SHOWN = 36
WIDTH, LEFT, RIGHT, TOP = 720, 52, 16, 44
CHAR_W = 6.6  # average width of a 12 px sans-serif character, for laying out legends


@dataclass
class Chart:
    """Everything a chart template draws; coordinates in SVG user units."""

    kind: str
    title: str
    width: int
    height: int
    marks: list[dict[str, Any]] = field(default_factory=list)
    xticks: list[dict[str, Any]] = field(default_factory=list)
    yticks: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    plot: dict[str, float] = field(default_factory=dict)
    note: str = ""  # a line under the title, such as the scale of an axis
    empty: bool = False

    def svg(self) -> str:
        """The whole chart as one SVG document (the site's download, the digest's PNG)."""
        return environment().get_template("site/charts/chart.svg").render(c=self) + "\n"

    def parts(self) -> tuple[str, str]:
        """The chart cut for a page: the axis column (value labels or row names) that stays in place, and
        the plot (grid, marks, time axis) that scrolls sideways on a narrow screen. Both keep the chart's
        coordinates and are drawn at 1:1, so they line up; the page writes the title and legend as HTML."""
        split = self.plot["x"] - 4
        top = self.plot["y"] - 12
        height = self.plot["h"] + 38
        template = environment().get_template("site/charts/part.svg")
        axis = template.render(c=self, part="axis", box=(0, top, split, height))
        plot = template.render(c=self, part="plot", box=(split, top, self.width - split, height))
        return axis.strip(), plot.strip()


def _legend(items: Sequence[tuple[str, str, str]], y: float, width: int = WIDTH) -> tuple[list[dict[str, Any]], float]:
    """Legend entries (name, color, shape) laid out in rows from `y`; returns them and the next free y."""
    out, x = [], float(LEFT)
    for name, color, shape in items:
        w = 22 + len(name) * CHAR_W + 14
        if x + w > width - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 20
        out.append({"x": x, "y": y, "name": name, "color": color, "shape": shape})
        x += w
    return out, y + 20


def _nice_step(top: float, ticks: int = 5) -> int:
    """A step for a count axis with about `ticks` steps up to `top`: 1, 2, 5, 10, 20, 25, 50 … never a fraction."""
    raw = max(top, 1) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    return max(1, next(int(m * mag) for m in (1, 2, 2.5, 5, 10) if m * mag >= raw and float(m * mag).is_integer()))


def tick(x: float, label: str, lo: float, hi: float) -> dict[str, Any]:
    """An x tick at `x`; its label is centred on it but kept inside [lo, hi], so a page that cuts the chart
    at the plot's edge never cuts a label in half."""
    half = len(label) * CHAR_W / 2 + 4  # digits run wider than the average character
    lx = min(max(x, lo + half), hi - half)
    return {"x": round(x, 2), "lx": round(lx, 2), "label": label}


def month_label(when: datetime) -> str:
    """A month as a reader takes it for one: "Dec 2026" (never "Dec 26", which reads as a day)."""
    return when.strftime("%b %Y")


def label_width(names: Sequence[str], widest: int = 190) -> int:
    """Room for the row names of a horizontal bar chart: the longest name's (with a tenth to spare for wide
    fonts such as the PNG's DejaVu Sans), at most `widest`."""
    longest = max((len(n) for n in names), default=0)
    return int(min(widest, max(64, math.ceil(longest * CHAR_W * 1.1) + 16)))


def short_name(name: str, limit: int = 27) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def month_key(value: datetime) -> str:
    return f"{value.year}-{value.month:02d}"  # strftime("%Y-%m"), at a sixth of its cost (100k releases, 4 charts)


def _months(end: datetime, n: int) -> list[str]:
    y, m = end.year, end.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def month_window(newest: datetime, oldest: datetime) -> list[str]:
    """The months a bar chart shows: the last MONTHS_SHOWN up to the newest release, or from the oldest."""
    span = (newest.year - oldest.year) * 12 + newest.month - oldest.month + 1
    return _months(newest, min(MONTHS_SHOWN, span))


def bar_series(totals: Counter[str], top_n: int) -> tuple[list[str], list[str], dict[str, str]]:
    """Every name biggest first, the names drawn on their own (the rest are "others") and their colours."""
    names = [n for n, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    keep = names[:top_n] if len(names) > top_n + 1 else names
    return names, keep, {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(keep)}


def monthly_bars(rows: Sequence[Any], key: Callable[[Any], str], title: str, top_n: int = 8,
                 other: str = "Others") -> Chart:
    """Releases per month (the last MONTHS_SHOWN months up to the newest release), stacked by `key`. From a
    list of rows; the site counts its stream into a MonthTally instead."""
    if not rows:
        return Chart("bars", title, WIDTH, 120, empty=True)
    months = month_window(max(r.released_at for r in rows), min(r.released_at for r in rows))
    first = months[0]
    shown = [r for r in rows if month_key(r.released_at) >= first]
    names, keep, colors = bar_series(Counter(key(r) for r in shown), top_n)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in shown:
        name = key(r)
        counts[month_key(r.released_at)][name if name in colors else other] += 1
    return bars_chart(title, months, counts, names, keep, colors, other)


class MonthTally:
    """What `monthly_bars` draws, counted as rows stream by: releases per (month, name), never the rows."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, month: str, name: str) -> None:
        """Count a release of `month` (a `month_key`) under `name`."""
        self.counts[(month, name)] += 1

    def chart(self, title: str, top_n: int = 8, other: str = "Others") -> Chart:
        """The chart `monthly_bars` draws of the same releases."""
        if not self.counts:
            return Chart("bars", title, WIDTH, 120, empty=True)
        seen = {month for month, _ in self.counts}
        months = month_window(*(datetime.strptime(m, "%Y-%m") for m in (max(seen), min(seen))))
        shown = [(month, name, n) for (month, name), n in self.counts.items() if month >= months[0]]
        totals: Counter[str] = Counter()
        for _, name, n in shown:
            totals[name] += n
        names, keep, colors = bar_series(totals, top_n)
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for month, name, n in shown:
            counts[month][name if name in colors else other] += n
        return bars_chart(title, months, counts, names, keep, colors, other)


def bars_chart(title: str, months: list[str], counts: dict[str, Counter[str]], names: list[str], keep: list[str],
               colors: dict[str, str], other: str) -> Chart:
    """The stacked bars of `counts` (month -> name -> releases; names not kept counted under `other`)."""
    series = keep + ([other] if len(keep) < len(names) else [])
    colors.setdefault(other, OTHER_COLOR)
    plot_h = 240.0
    ymax = max(sum(c.values()) for c in counts.values()) if counts else 1
    step = _nice_step(ymax)
    ytop = max(step, math.ceil(ymax / step) * step)
    plot_w = WIDTH - LEFT - RIGHT
    bw = plot_w / len(months)
    chart = Chart("bars", title, WIDTH, 0, plot={"x": LEFT, "y": TOP, "w": plot_w, "h": plot_h})
    for i, month in enumerate(months):
        y = TOP + plot_h
        for name in series:
            n = counts[month].get(name, 0) if month in counts else 0
            if not n:
                continue
            h = n / ytop * plot_h
            y -= h
            chart.marks.append({"x": round(LEFT + i * bw + bw * 0.1, 2), "y": round(y, 2), "w": round(bw * 0.8, 2),
                                "h": round(h, 2), "color": colors[name], "tip": f"{name}, {month}: {n}"})
    # Label every n-th month counting back from the newest, with room for "Sep 2026" between labels.
    label_every = max(1, math.ceil(len(months) / 9), math.ceil((len("Sep 2026") * CHAR_W + 12) / bw))
    for i, month in enumerate(months):
        if (len(months) - 1 - i) % label_every == 0:
            label = month_label(datetime.strptime(month, "%Y-%m"))
            chart.xticks.append(tick(LEFT + (i + 0.5) * bw, label, LEFT, WIDTH))
    for v in range(0, ytop + 1, step):
        chart.yticks.append({"y": round(TOP + plot_h - v / ytop * plot_h, 2), "label": f"{v:,}"})
    chart.legend, bottom = _legend([(n, colors[n], "box") for n in series], TOP + plot_h + 40)
    chart.height = int(bottom + 4)
    return chart


def _time_ticks(start: datetime, end: datetime) -> tuple[list[datetime], int]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 8)
    ticks, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        if (m - 1) % step == 0 and (step < 12 or (y % (step // 12) == 0)):
            ticks.append(datetime(y, m, 1, tzinfo=UTC))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return [t for t in ticks if start <= t <= end], step


@dataclass(frozen=True)
class ScatterFrame:
    """A size scatter's axes: release time from t0 to t1 in `xbins` columns, powers of ten lo..hi in `ybins`."""

    start: datetime
    end: datetime
    t0: float
    t1: float
    lo: int
    hi: int
    xbins: int = 96
    ybins: int = 48

    @classmethod
    def spanning(cls, start: datetime, end: datetime, smallest: int, largest: int, xbins: int = 96,
                 ybins: int = 48) -> ScatterFrame:
        """The frame of points released from `start` to `end`, sized from `smallest` to `largest`."""
        if (end - start).days < 30:
            start = start.replace(day=1, hour=0, minute=0, second=0)
        t0, t1 = start.timestamp(), max(end.timestamp(), start.timestamp() + 86400 * 30)
        lo = math.floor(math.log10(max(smallest, 1)))
        hi = max(math.ceil(math.log10(largest)), lo + 1)
        return cls(start, end, t0, t1, lo, hi, xbins, ybins)

    def column(self, when: datetime) -> int:
        return min(int((when.timestamp() - self.t0) / (self.t1 - self.t0) * self.xbins), self.xbins - 1)

    def row(self, value: int) -> int:
        return min(int((math.log10(max(value, 1)) - self.lo) / (self.hi - self.lo) * self.ybins), self.ybins - 1)


# One bin of a size scatter: (series, column, row) -> (points, their median size, the first point's repo id
# and month); the first point is the first one fed (the newest, rows coming newest first).
Bins = dict[tuple[str, int, int], tuple[int, int, str, str]]


def size_scatter(rows: Sequence[Any], title: str, xbins: int = 96, ybins: int = 48) -> Chart:
    """Total (and, where it differs, active) parameters over release time, log scale, binned points. From a
    list of rows; the site bins its stream into SizeBins instead."""
    points = [r for r in rows if r.params_total]
    if not points:
        return Chart("scatter", title, WIDTH, 120, empty=True)
    sizes = [r.params_total for r in points] + [r.params_active for r in points if r.params_active]
    frame = ScatterFrame.spanning(min(r.released_at for r in points), max(r.released_at for r in points),
                                  min(sizes), max(sizes), xbins, ybins)
    members: dict[tuple[str, int, int], list[Any]] = defaultdict(list)
    for r in points:
        bx = frame.column(r.released_at)
        series = [("total", r.params_total)]
        if r.params_active and r.params_active != r.params_total:
            series.append(("active", r.params_active))
        for name, value in series:
            members[(name, bx, frame.row(value))].append((r, value))
    bins: Bins = {}
    for key, found in members.items():
        r0 = found[0][0]
        bins[key] = (len(found), sorted(v for _, v in found)[len(found) // 2], r0.repo_id, month_key(r0.released_at))
    return scatter_chart(title, frame, bins)


class SizeBins:
    """What `size_scatter` draws, binned as rows stream by, newest first, in a frame known beforehand (from the
    store's bounds): per bin its sizes (for the median) and its first point, never the rows."""

    def __init__(self, frame: ScatterFrame | None) -> None:
        self.frame = frame  # None: no release with a size
        self.sizes: dict[tuple[str, int, int], array[int]] = {}
        self.first: dict[tuple[str, int, int], tuple[str, str]] = {}

    def add(self, r: Any) -> None:
        """Bin a release's total and, where it differs, its active parameters."""
        frame, total = self.frame, r.params_total
        if not total or frame is None:
            return
        bx = frame.column(r.released_at)
        self._put(("total", bx, frame.row(total)), total, r)
        active = r.params_active
        if active and active != total:
            self._put(("active", bx, frame.row(active)), active, r)

    def _put(self, key: tuple[str, int, int], value: int, r: Any) -> None:
        found = self.sizes.get(key)
        if found is None:
            self.sizes[key] = array("q", (value,))
            self.first[key] = (r.repo_id, month_key(r.released_at))
        else:
            found.append(value)

    def chart(self, title: str) -> Chart:
        """The chart `size_scatter` draws of the same releases."""
        if self.frame is None or not self.sizes:
            return Chart("scatter", title, WIDTH, 120, empty=True)
        bins = {key: (len(sizes), sorted(sizes)[len(sizes) // 2], *self.first[key])
                for key, sizes in self.sizes.items()}
        return scatter_chart(title, self.frame, bins)


def scatter_chart(title: str, frame: ScatterFrame, bins: Bins) -> Chart:
    """The size scatter of `bins` drawn in `frame`."""
    lo, hi, t0, t1 = frame.lo, frame.hi, frame.t0, frame.t1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, 260.0
    chart = Chart("scatter", title, WIDTH, 0, plot={"x": LEFT, "y": TOP, "w": plot_w, "h": plot_h},
                  note="parameters, log scale")
    for (name, bx, by), (n, value, repo_id, month) in sorted(bins.items()):
        tip = (f"{repo_id}: {format_params(value)} {name}" if n == 1
               else f"{n} releases around {format_params(value)} {name}, {month}")
        chart.marks.append({
            "cx": round(LEFT + (bx + 0.5) / frame.xbins * plot_w, 1),
            "cy": round(TOP + plot_h - (by + 0.5) / frame.ybins * plot_h, 1),
            "r": round(min(2.8 + 1.4 * math.sqrt(n - 1), 10), 1), "series": name, "tip": tip,
        })
    for exp in range(lo, hi + 1):
        chart.yticks.append({"y": round(TOP + plot_h - (exp - lo) / (hi - lo) * plot_h, 2),
                             "label": format_params(10**exp)})
    ticks, step = _time_ticks(frame.start, frame.end)
    for t in ticks:
        chart.xticks.append(tick(LEFT + (t.timestamp() - t0) / (t1 - t0) * plot_w,
                                 t.strftime("%Y") if step >= 12 else month_label(t), LEFT, WIDTH))
    chart.legend, bottom = _legend([("total parameters", PALETTE[0], "dot"),
                                    ("active parameters (Mixture-of-Experts)", PALETTE[1], "ring")],
                                   TOP + plot_h + 40)
    chart.height = int(bottom + 4)
    return chart


def license_bars(groups: Sequence[Any], title: str, top_n: int = 16) -> Chart:
    """One 100 % bar per lab (the `top_n` with most releases): the share of each license class."""
    shown = [g for g in groups if g.summary.count][:top_n]
    if not shown:
        return Chart("hbars", title, WIDTH, 120, empty=True)
    names = [short_name(g.name) for g in shown]
    label_w, row_h = label_width(names), 26
    plot_w = WIDTH - label_w - RIGHT - 56
    chart = Chart("hbars", title, WIDTH, 0, plot={"x": label_w, "y": TOP, "w": plot_w, "h": row_h * len(shown)})
    for i, (g, name) in enumerate(zip(shown, names, strict=True)):
        y = TOP + i * row_h
        chart.labels.append({"x": label_w - 8, "y": y + row_h / 2 + 4, "text": name,
                             "count": f"{g.summary.count}", "cx": label_w + plot_w + 6})
        x = float(label_w)
        for cls, color in CLASS_COLORS.items():
            n = g.summary.license_classes.get(cls, 0)
            if not n:
                continue
            w = n / g.summary.count * plot_w
            chart.marks.append({"x": round(x, 2), "y": y + 4, "w": round(w, 2), "h": row_h - 8, "color": color,
                                "tip": f"{g.name}: {n} {cls} ({n / g.summary.count:.0%})"})
            x += w
    for share in (0, 0.25, 0.5, 0.75, 1):
        chart.xticks.append(tick(label_w + share * plot_w, f"{share:.0%}", label_w, WIDTH))
    legend_y = TOP + row_h * len(shown) + 40
    chart.legend, bottom = _legend([(c, col, "box") for c, col in CLASS_COLORS.items()], legend_y)
    chart.height = int(bottom + 4)
    return chart
