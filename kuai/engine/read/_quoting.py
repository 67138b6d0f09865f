"""How quoted values are written: after a padded delimiter (``a, "b, c", d``), and with quotes inside them escaped by
a backslash (``"He said \\"hi\\""``) rather than doubled.

Each way that the sample gives a reason to try is parsed with the csv module; the one that parses the sample into
rows of one width, with no quote left over in a value, is kept (the plain CSV way on a tie), and the reader says so.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Quoting:
    """The csv module's options beyond the delimiter and the quote character."""

    escapechar: str | None = None  # '\\': a quote inside a value is written \"
    skipinitialspace: bool = False  # blanks after each delimiter are not part of the value

    def note(self, delimiter: str) -> str:
        """What the reader says of this way of quoting ('' for plain CSV)."""
        said = []
        if self.skipinitialspace:
            said.append(f"each delimiter is followed by a space ('{delimiter} '), and values after it are quoted: "
                        "the spaces are not part of the values")
        if self.escapechar:
            said.append("quotes inside values are escaped with a backslash (\\\") rather than doubled: read so")
        return "; ".join(said)


PLAIN = Quoting()
_BACKSLASH = "\\"


def choose_quoting(lines: list[str], delimiter: str, quotechar: str) -> Quoting:
    """The way of quoting that parses the sample best; plain CSV unless another one does better."""
    text = "\n".join(lines)
    candidates = [PLAIN]
    if re.search(re.escape(delimiter) + r"[ \t]+" + re.escape(quotechar), text):
        candidates.append(Quoting(skipinitialspace=True))
    if _backslash_escapes(text, quotechar):
        candidates += [Quoting(escapechar=_BACKSLASH, skipinitialspace=q.skipinitialspace) for q in list(candidates)]
    if len(candidates) == 1:
        return PLAIN
    scores = {candidate: _score(text, delimiter, quotechar, candidate) for candidate in candidates}
    best = max(scores.values())
    return next(candidate for candidate in candidates if scores[candidate] == best)


def _backslash_escapes(text: str, quotechar: str) -> bool:
    r"""A backslash before a quote, and no backslash elsewhere that an escape character would swallow (a Windows
    path, 'C:\data')."""
    if _BACKSLASH + quotechar not in text:
        return False
    return all(text[i + 1:i + 2] in (quotechar, _BACKSLASH) or text[i - 1:i] == _BACKSLASH
               for i in (match.start() for match in re.finditer(re.escape(_BACKSLASH), text)))


def _score(text: str, delimiter: str, quotechar: str, quoting: Quoting) -> tuple[float, int]:
    """The share of rows as wide as most rows, and minus the values that keep a stray quote."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar, escapechar=quoting.escapechar,
                        skipinitialspace=quoting.skipinitialspace)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(value.strip() for value in row):
                rows.append(row)
    except csv.Error:  # the sample ends inside a quoted value: what was read before counts
        pass
    if not rows:
        return 0.0, 0
    widths = Counter(len(row) for row in rows)
    stray = sum(1 for row in rows for value in row
                if value.lstrip().startswith(quotechar) or _BACKSLASH + quotechar in value)
    return widths.most_common(1)[0][1] / len(rows), -stray
