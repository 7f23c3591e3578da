"""Line breaking for printed letters: Latin words, emails, URLs and numbers are never broken;
Chinese text may break between characters, but no line starts with closing punctuation (，。)
or ends with opening punctuation (（“); no line starts or ends with a space."""

from __future__ import annotations

import re
from collections.abc import Callable

# a run of spaces; a run of dashes (——); a run of anything not CJK, full-width or a curly
# quote (a Latin word with its punctuation, an email, a URL, an amount); one other character
UNITS = re.compile(
    r" +|[—–]+|[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’—–]+|\S",
)
NOT_FIRST = set("，。、：；！？）」』】》〉”’,.:;!?)]}%")
NOT_LAST = set("（「『【《〈“‘([{")


def atoms(text: str) -> list[str]:
    """The text cut where a line may break: spaces are atoms of their own."""
    out: list[str] = []
    for unit in UNITS.findall(text):
        glue_back = out and not out[-1].startswith(" ") and not unit.startswith(" ")
        if glue_back and (unit[0] in NOT_FIRST or out[-1][-1] in NOT_LAST):
            out[-1] += unit
        else:
            out.append(unit)
    return out


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Lines of at most `width` (as `measure` measures text) from one paragraph. An atom wider
    than a whole line (a very long URL) is the only thing cut between its characters."""
    text = text.strip(" ")
    if measure(text) <= width:  # most lines of a letter: nothing to break
        return [text]
    lines: list[str] = []
    line, used = "", 0.0
    for atom in atoms(text):
        if atom.startswith(" "):
            if line:
                line, used = line + " ", used + measure(" ")
            continue
        size = measure(atom)
        if used + size > width and line.strip():
            lines.append(line.rstrip(" "))
            line, used = "", 0.0
        while size > width:  # alone on its line and still too wide: cut where it must be
            cut = len(atom)
            while cut > 1 and measure(atom[:cut]) > width:
                cut -= 1
            lines.append(atom[:cut])
            atom = atom[cut:]
            size = measure(atom)
        line, used = line + atom, used + size
    if line.strip():
        lines.append(line.rstrip(" "))
    return lines or [""]
