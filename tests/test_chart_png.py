"""The channel digest's chart: the site's SVG template with the period's releases, rendered to a real PNG."""

from __future__ import annotations

from types import SimpleNamespace

from tests.fakes.telegram_photo import image_size
from tracker.render.chart_png import MAX_LABS, releases_chart, releases_png


def m(lab: str, params: float | None) -> SimpleNamespace:
    return SimpleNamespace(lab=lab, params_total=None if params is None else int(params))


def test_bars_per_lab_stacked_by_size_with_the_rest_as_other_labs() -> None:
    models = [m("Qwen", 8e9), m("Qwen", 235e9), m("Qwen", None), m("DeepSeek", 671e9)]
    models += [m(f"Lab {i}", 1e9) for i in range(MAX_LABS + 2)]
    chart = releases_chart(models, "This week <by> lab")
    names = [label["text"] for label in chart.labels]
    assert names[:2] == ["Qwen", "DeepSeek"] and names[-1] == "5 other labs" and len(names) == MAX_LABS
    assert [label["count"] for label in chart.labels][:2] == ["3", "1"]
    assert {mark["tip"] for mark in chart.marks} >= {"Qwen: 1 < 10B", "Qwen: 1 100B+", "Qwen: 1 size unknown"}
    svg = chart.svg()
    assert "This week &lt;by&gt; lab" in svg


def test_the_png_is_a_real_image_of_the_chart_size() -> None:
    chart = releases_chart([m("Qwen", 8e9)], "x")
    kind, width, height = image_size(releases_png([m("Qwen", 8e9)], "x"))
    assert kind == "png" and (width, height) == (int(chart.width * 1.5), int(chart.height * 1.5))
    empty = releases_png([], "nothing")
    assert image_size(empty)[0] == "png"


def test_the_count_axis_has_whole_number_ticks() -> None:
    for count in (1, 3, 11, 23, 240):
        chart = releases_chart([m("Qwen", 8e9)] * count, "x")
        labels = [t["label"] for t in chart.xticks]
        assert labels[0] == "0" and all(label.replace(",", "").isdigit() for label in labels), labels
        assert int(labels[-1].replace(",", "")) >= count
