"""fit_message: Telegram's visible length and cutting long HTML at clean line boundaries."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.telegram_html import parse_html, utf16_len
from tracker.render.text import fit_message, visible_length


def test_visible_length_ignores_tags_and_counts_entities_and_utf16() -> None:
    assert visible_length("<b>a</b> &amp; <a href=\"https://x.y/?a=1&amp;b=2\">link</a>") == len("a & link")
    assert visible_length("😀") == 2  # one astral code point, two UTF-16 units
    assert visible_length("  x \n") == 1  # Telegram trims surrounding whitespace


def test_short_messages_are_unchanged() -> None:
    assert fit_message("<b>hello</b>\nworld") == "<b>hello</b>\nworld"


def test_long_lists_are_cut_at_a_line_with_the_hint() -> None:
    lines = [f"{i}. <a href=\"https://hf.co/x/{i}\">model-{i}</a> · <b>7B</b> · 😀" for i in range(400)]
    out = fit_message("\n".join(lines), more="<i>more: /recent 20</i>")
    assert visible_length(out) <= 4096 and out.endswith("\n<i>more: /recent 20</i>")
    kept = out.split("\n")[:-1]
    assert kept == lines[: len(kept)] and len(kept) > 50
    parse_html(out)  # still valid Telegram HTML


def test_a_tag_spanning_lines_is_never_cut_open() -> None:
    body = "<blockquote>" + "\n".join("x" * 80 for _ in range(100)) + "</blockquote>"
    out = fit_message("title\n" + body + "\nend", more="…")
    parse_html(out)
    assert visible_length(out) <= 4096


@given(st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=60))
def test_any_escaped_text_fits_and_stays_valid(chunks: list[str]) -> None:
    markup = "\n".join(f"<b>{i}</b> {html.escape(c, quote=False)}" for i, c in enumerate(chunks))
    out = fit_message(markup, more="<i>more</i>", limit=500)
    parsed = parse_html(out)
    assert utf16_len(parsed.text.strip()) <= 500
