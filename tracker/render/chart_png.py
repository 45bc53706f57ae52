"""The channel digest's picture: the period's releases by lab and size, drawn with the site's chart
template (templates/site/charts/hbars.svg) and turned into a PNG by resvg (resvg-py: a Rust renderer
shipped as a self-contained wheel, no system library needed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import resvg_py

from tracker.render.charts import RIGHT, TOP, WIDTH, Chart, _legend, _nice_step, label_width, short_name, tick

# Size classes, smallest first, with the colours of the site's palette.
SIZES = (("< 10B", 10 * 10**9, "#76b7b2"), ("10–100B", 100 * 10**9, "#4e79a7"), ("100B+", None, "#e15759"))
UNKNOWN = ("size unknown", "#bab0ac")
MAX_LABS = 12
# The chart's own words in the other languages (titles come from the caller).
_WORDS = {"it": {"size unknown": "dimensione ignota", "other labs": "altri lab"}}


def _word(lang: str, text: str) -> str:
    return _WORDS.get(lang, {}).get(text, text)


def size_class(params: int | None) -> str:
    if params is None:
        return UNKNOWN[0]
    return next(name for name, upper, _ in SIZES if upper is None or params < upper)


def releases_chart(models: Sequence[Any], title: str, lang: str = "en") -> Chart:
    """One bar per lab (the MAX_LABS with most releases), stacked by size class, counts on the axis; the
    legend and the "other labs" bar in `lang`."""
    ranked = [lab for lab, _ in sorted(Counter(m.lab for m in models).items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = set(ranked if len(ranked) <= MAX_LABS else ranked[:MAX_LABS - 1])
    other = f"{len(ranked) - len(shown)} {_word(lang, 'other labs')}"
    rows = [(m.lab if m.lab in shown else other, m) for m in models]
    per_lab = Counter(name for name, _ in rows)
    labs = [lab for lab in ranked if lab in shown] + ([other] if len(shown) < len(ranked) else [])
    if not labs:
        return Chart("hbars", title, WIDTH, 120, empty=True)
    colors = {name: color for name, _, color in SIZES} | {UNKNOWN[0]: UNKNOWN[1]}
    names = [short_name(lab) for lab in labs]
    label_w, row_h = label_width(names), 26
    plot_w = WIDTH - label_w - RIGHT - 56
    top = max(per_lab[lab] for lab in labs)
    step = _nice_step(top, 4)
    xmax = max(step, -(-top // step) * step)
    chart = Chart("hbars", title, WIDTH, 0, plot={"x": label_w, "y": TOP, "w": plot_w, "h": row_h * len(labs)})
    for i, (lab, name) in enumerate(zip(labs, names, strict=True)):
        y = TOP + i * row_h
        chart.labels.append({"x": label_w - 8, "y": y + row_h / 2 + 4, "text": name, "count": str(per_lab[lab]),
                             "cx": label_w + per_lab[lab] / xmax * plot_w + 6})
        counts = Counter(size_class(m.params_total) for name, m in rows if name == lab)
        x = float(label_w)
        for cls, color in colors.items():
            if counts[cls]:
                w = counts[cls] / xmax * plot_w
                chart.marks.append({"x": round(x, 2), "y": y + 4, "w": round(w, 2), "h": row_h - 8, "color": color,
                                    "tip": f"{lab}: {counts[cls]} {_word(lang, cls)}"})
                x += w
    for v in range(0, xmax + 1, step):
        label = f"{v:,}".replace(",", ".") if lang == "it" else f"{v:,}"
        chart.xticks.append(tick(label_w + v / xmax * plot_w, label, label_w, WIDTH))
    used = [(_word(lang, c), col, "box") for c, col in colors.items()
            if any(size_class(m.params_total) == c for m in models)]
    chart.legend, bottom = _legend(used, TOP + row_h * len(labs) + 40)
    chart.height = int(bottom + 4)
    return chart


def to_png(svg: str, zoom: float = 1.5) -> bytes:
    """An SVG document rendered as PNG bytes (1.5× for phone screens)."""
    # resvg's generic families default to Arial/Times; name fonts every Debian-like system has instead.
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="#ffffff", font_family="DejaVu Sans",
                                       sans_serif_family="DejaVu Sans"))


def releases_png(models: Sequence[Any], title: str, lang: str = "en") -> bytes:
    """The chart of `models` as a PNG."""
    return to_png(releases_chart(models, title, lang).svg())
