"""Turn response bytes into text when the declared charset is missing or wrong.

Order: byte-order mark; the Content-Type charset (unless it is a single-byte legacy charset
and the body is valid UTF-8 with non-ASCII bytes — the common mislabel); a ``<meta charset>``
or ``<?xml encoding?>`` declaration in the first 4 KiB; UTF-8; finally windows-1252 with
replacement characters, which never fails.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""", re.I)
_SINGLE_BYTE = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15", "iso8859-2", "cp1251"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, normalised, if known to Python."""
    if not content_type:
        return None
    m = _CT_CHARSET.search(content_type)
    return _codec(m.group(1)) if m else None


def sniff_charset(body: bytes) -> str | None:
    """A charset declared inside the document (HTML meta or XML declaration)."""
    head = body[:4096]
    m = _XML.search(head) or _META.search(head)
    return _codec(m.group(1).decode("ascii", "ignore")) if m else None


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(text, charset_used)``; never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _try(body, codec)
            if text is not None:
                return text, codec
    declared = declared_charset(content_type)
    candidates: list[str] = []
    if declared:
        if declared in _SINGLE_BYTE and not body.isascii() and _try(body, "utf-8") is not None:
            candidates.append("utf-8")
        candidates.append(declared)
    sniffed = sniff_charset(body)
    if sniffed:
        candidates.append(sniffed)
    candidates.append("utf-8")
    for codec in candidates:
        text = _try(body, codec)
        if text is not None:
            return text, codec
    return body.decode("cp1252", errors="replace"), "cp1252"


__all__ = ["declared_charset", "decode_body", "sniff_charset"]
