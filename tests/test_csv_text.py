"""tracker.history.csv_text makes each cell's text as csv.writer (write_csv) writes it, odd values included."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from tracker.history.csv_text import Texts, plain, value_text
from tracker.render.output import write_csv

ODD: list[Any] = [
    "", " ", " lead", "trail ", "plain", "a,b", 'say "hi"', '"', ",", "line\nbreak", "cr\rhere", "crlf\r\n",
    "tab\there", "\tformula", "\rformula", "=1+2", "+x", "-3", "@SUM(A1)", "'quoted", "nul\x00x", "del\x7fx",
    "sep\u2028x", "nel\x85x", "nbsp\xa0x", "ünïcödé “quotes”", "8×80 GB", "emoji 🚀", "back\\slash", "x" * 5000,
    0, 1, -1, 10**30, 1.0, 0.5, -0.0, 1e16, 1e-7, float("inf"), float("nan"), True, False, None,
    Decimal("1.50"), b"by,tes", ["a", "=b"], {"k": "v, \"w\""}, [], {},
]


def _csv_row(values: list[Any]) -> str:
    out = io.StringIO()
    write_csv([{str(i): v for i, v in enumerate(values)}], out, [str(i) for i in range(len(values))])
    return out.getvalue().split("\n", 1)[1]


def test_each_value_is_the_text_write_csv_writes() -> None:
    for value in ODD:
        assert value_text(value) + ",\n" == _csv_row([value, None]), repr(value)
    assert ",".join(map(value_text, ODD)) + "\n" == _csv_row(ODD)


def test_remembered_texts_keep_numbers_apart_from_equal_numbers() -> None:
    texts = Texts()
    looked_up = [1, 1.0, True, "1", 0, 0.0, False, None, "", 16, 16.0, "=x", "=x", Decimal("16.0")]
    for _ in range(2):  # the second time from memory where there is one
        assert [texts[v] for v in looked_up] == [value_text(v) for v in looked_up]
    assert [texts[v] for v in looked_up[:3]] == ["1", "1.0", "True"]


def test_plain_is_text_that_csv_and_json_leave_alone() -> None:
    found = [value for value in ODD if type(value) is str and plain(value)]
    assert found == ["", " ", " lead", "trail ", "plain", "'quoted", "ünïcödé “quotes”", "8×80 GB",
                     "emoji 🚀", "x" * 5000]
    for value in found:
        assert value_text(value) == value and json.dumps(value, ensure_ascii=False) == f'"{value}"'
    assert plain("Qwen/Qwen3-8B") and plain("https://huggingface.co/")


def test_every_odd_value_reads_back_as_one_cell() -> None:
    """A bare carriage return left unquoted (csv.writer's way on 3.11) made csv.reader refuse the whole file."""
    out = io.StringIO()
    write_csv([{"odd": v, "next": "x"} for v in ODD], out, ["odd", "next"])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(ODD) + 1 and all(row[1] == "x" for row in rows[1:])
    assert rows[ODD.index("cr\rhere") + 1][0] == "cr\nhere" and rows[ODD.index("crlf\r\n") + 1][0] == "crlf\n"
