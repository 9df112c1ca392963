"""Untrusted text made safe to show on a terminal or in a plain-text file.

Scraped text is hostile: ``\\x1b[2J`` clears the reader's screen, an OSC-8 sequence
(``\\x1b]8;;http://evil\\x1b\\\\``) turns words into a hidden link, C1 controls (``\\x9b`` is
a one-byte CSI on some terminals) and bidi overrides (U+202E) reorder or hide what is shown.
:func:`printable` removes whole escape sequences, then every other control character;
:func:`control_characters` finds them, for validation that rejects instead of cleaning.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC (… BEL or ST), two-byte.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
#: C0 controls, DEL, C1 controls, the Unicode line/paragraph separators, and the bidi
#: embedding/override/isolate marks.
_CONTROL_CLASS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")


def control_characters(text: str) -> list[str]:
    """The control characters in ``text`` (tab and newline included), in order."""
    return _CONTROL.findall(text)


def printable(text: str, *, keep: str = "") -> str:
    """``text`` without escape sequences and control characters.

    Tabs, newlines and carriage returns become one space unless listed in ``keep``
    (e.g. ``keep="\\n\\t"`` for a CSV cell); every other control character is dropped.
    """
    if not _CONTROL.search(text):
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)

    def _one(m: re.Match[str]) -> str:
        c = m.group(0)
        if c in keep:
            return c
        return " " if c in "\t\n\r\x0b\x0c\u2028\u2029" else ""

    return _CONTROL.sub(_one, text)


def shown(text: str, limit: int = 40) -> str:
    """``text`` for an error message: controls as ``\\r``/``\\x1b`` escapes, cut at ``limit``."""
    out = _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


__all__ = ["control_characters", "printable", "shown"]
