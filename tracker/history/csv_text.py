"""A CSV cell's text as csv.writer writes it (this project's dialect: `,` `"` and "\\n"), without csv.writer.

A CSV export writes its rows as texts joined by commas, most of them remembered from earlier rows: a row
through csv.writer.writerow cost 14 µs (every character of its JSON cells scanned for quoting, every row),
a join of remembered texts under 2 µs. Printable text is quoted when it holds `,` or `"`, with `"` doubled, as
csv.writer does; text with a control character (a line break among them) is left to csv.writer itself, so its
rules for those (which differ between Python versions) stay its own. tests/test_csv_text.py compares both.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tracker.render.output import csv_cell

_MEMO_SIZE = 20_000  # remembered texts; forgotten all at once past it, so memory stays flat
_NUMBERS = frozenset({int, float})


def written(cell: Any) -> str:
    """What csv.writer writes for `cell` among other cells (slow: for the odd cell only)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow((cell, None))  # (a row of one empty cell is written "")
    return buffer.getvalue()[:-2]


def text(cell: Any) -> str:
    """The text of a cell as write_csv holds it (formulas already defused, lists and dicts already JSON text)."""
    if type(cell) is str:
        if not cell.isprintable():  # control characters, line breaks among them
            return written(cell)
        if '"' in cell or "," in cell:
            return '"' + cell.replace('"', '""') + '"'
        return cell
    if cell is None:
        return ""
    if type(cell) in _NUMBERS:
        return str(cell)  # what csv.writer writes of a number; it never needs quotes
    return written(cell)


def value_text(value: Any) -> str:
    """The text of a stored value as write_csv writes it: formula-like text defused, lists and dicts as JSON."""
    if type(value) is str and '"' not in value and "," not in value and value.isprintable() and (
            csv_cell(value) is value):
        return value
    return text(csv_cell(value))


def plain(value: str) -> bool:
    """Whether `value` is its own text in CSV and, between quotes, its own JSON string: printable, with no
    `"`, `,` or backslash, and not like a formula."""
    return (value.isprintable() and '"' not in value and "," not in value and "\\" not in value
            and csv_cell(value) is value)


class Texts(dict[Any, str]):
    """Stored values' texts, remembered for texts and None (a number is made again each time: 1, 1.0 and True
    are one key to a dict, and their texts differ). Look a value up with `texts[value]`."""

    def __missing__(self, value: Any) -> str:
        if type(value) in _NUMBERS:
            return str(value)
        made = text(csv_cell(value))
        if type(value) is str or value is None:
            if len(self) >= _MEMO_SIZE:
                self.clear()
            self[value] = made
        return made
