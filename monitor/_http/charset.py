"""Turn response bytes into text, repairing bad bytes locally, or say it is not text.

Order (the first that gives plausible text wins):

1. a byte-order mark;
2. the Content-Type ``charset`` — except a single-byte legacy label on a body that is
   evidently UTF-8 (the common mislabel), which is read as UTF-8;
3. a ``<meta charset>`` / ``<?xml encoding?>`` declaration in the first 4 KiB;
4. UTF-8, when the body is evidently UTF-8;
5. detection by charset-normalizer among the charsets the web uses (UTF-16/32 without a
   BOM included).

A charset is *acceptable* when it decodes the body with at most one bad sequence per ten
good non-ASCII characters (one more is forgiven when the charset was declared); the bad
sequences become U+FFFD one by one — a stray byte never turns a whole page into
mojibake. Text is *plausible* when at most 5 % of it is control characters (UTF-16 read
as UTF-8 is half NULs). When nothing gives plausible text, :func:`decode` says so in
``problem`` and callers that need text raise an error naming it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""", re.I)
_SINGLE_BYTE = {
    "latin-1",
    "iso8859-1",
    "cp1252",
    "ascii",
    "iso8859-15",
    "iso8859-2",
    "cp1250",
    "cp1251",
    "cp1254",
    "iso8859-9",
}
_WIDE = {"utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SAMPLE = 65_536

#: What charset-normalizer may choose from: the encodings the web uses (WHATWG), most
#: preferred first when several read the body equally well. cp1254 comes before cp1252:
#: it reads Swedish, English and German alike and Turkish right.
WEB_CHARSETS = (
    "utf_8",
    "utf_16_le",
    "utf_16_be",
    "utf_32_le",
    "utf_32_be",
    "cp1254",
    "cp1252",
    "cp1251",
    "cp1250",
    "koi8_r",
    "koi8_u",
    "iso8859_5",
    "cp866",
    "iso8859_2",
    "iso8859_15",
    "iso8859_9",
    "cp1253",
    "iso8859_7",
    "cp1257",
    "cp1255",
    "cp1256",
    "cp874",
    "cp1258",
    "cp932",
    "shift_jis",
    "euc_jp",
    "iso2022_jp",
    "gb18030",
    "big5",
    "euc_kr",
    "cp949",
)

Origin = Literal["empty", "bom", "header", "document", "utf-8", "detected", "none"]


@dataclass(frozen=True)
class Decoded:
    """A body as text: the charset used, where it came from, and what was repaired."""

    text: str
    charset: str
    origin: Origin
    #: Invalid byte sequences replaced by U+FFFD.
    replaced: int = 0
    #: Why the body is not text in any charset we could find (``text`` is then a best effort).
    problem: str | None = None


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


def _lenient(body: bytes, codec: str) -> tuple[str, int] | None:
    """``(text, bad sequences replaced)``, or ``None`` if the codec cannot decode at all."""
    try:
        return body.decode(codec), 0
    except UnicodeDecodeError:
        pass
    except (LookupError, ValueError):  # a codec that is not a text encoding (e.g. rot13)
        return None
    try:
        text = body.decode(codec, errors="replace")
    except (LookupError, ValueError, UnicodeError):
        return None
    genuine = body.count(b"\xef\xbf\xbd") if codec == "utf-8" else 0
    return text, max(1, text.count("\ufffd") - genuine)


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")


def _acceptable(text: str, bad: int, declared: bool) -> bool:
    return bad <= _non_ascii(text) // 10 + (1 if declared else 0)


def _plausible(text: str) -> bool:
    sample = text[:_SAMPLE]
    return len(_CONTROLS.findall(sample)) * 20 <= len(sample)


def _evidently_utf8(body: bytes) -> tuple[str, int] | None:
    got = _lenient(body, "utf-8")
    if got is None or body.isascii():
        return None
    text, bad = got
    return got if _acceptable(text, bad, declared=False) and _plausible(text) else None


def _try_declared(body: bytes, codec: str) -> tuple[str, int] | None:
    got = _lenient(body, codec)
    if got is None:
        return None
    text, bad = got
    return got if _acceptable(text, bad, declared=True) and _plausible(text) else None


def _detect(body: bytes) -> tuple[str, str] | None:
    """``(codec, text)`` charset-normalizer finds most likely, or ``None`` for non-text."""
    from charset_normalizer import from_bytes

    try:
        matches = list(from_bytes(body, cp_isolation=list(WEB_CHARSETS)))
    except Exception:  # the detector must never take the decoder down with it
        return None
    if not matches:
        return None
    best = matches[0]
    close = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    rank = {name: i for i, name in enumerate(WEB_CHARSETS)}

    def preference(m: object) -> int:
        names = getattr(m, "could_be_from_charset", None) or [getattr(m, "encoding", "")]
        return min(rank.get(str(n), len(rank)) for n in names)

    chosen = min(close, key=preference)
    # Name it by the most common charset that reads it the same (cp1252 before cp1254).
    alike = [str(n) for n in chosen.could_be_from_charset or [chosen.encoding]]
    codec = _codec(min(alike, key=lambda n: (n != "cp1252", rank.get(n, len(rank)))))
    if codec is None:
        return None
    return codec, body.decode(codec, errors="replace")


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """The body as text (see the module docstring for the order); never raises."""
    if not body:
        return Decoded("", "utf-8", "empty")
    for bom, codec in _BOMS:
        if body.startswith(bom):
            if codec == "utf-8":
                text, bad = _lenient(body[len(bom) :], "utf-8") or ("", 0)
                return Decoded(text, "utf-8", "bom", bad)
            try:
                return Decoded(body.decode(codec), codec, "bom")
            except UnicodeDecodeError:
                break  # a BOM-like start on bytes that are not UTF-16/32: not a BOM
    evident = _evidently_utf8(body)
    declared: list[tuple[str | None, Origin]] = [
        (declared_charset(content_type), "header"),
        (sniff_charset(body), "document"),
    ]
    for name, origin in declared:
        if name is None or name in _WIDE:  # UTF-16/32 without a BOM: the detector decides
            continue
        if name in _SINGLE_BYTE and evident is not None:
            return Decoded(evident[0], "utf-8", "utf-8", evident[1])
        got = _try_declared(body, name)
        if got is not None:
            return Decoded(got[0], name, origin, got[1])
    if evident is not None:
        return Decoded(evident[0], "utf-8", "utf-8", evident[1])
    if body.isascii():
        text = body.decode("ascii")
        if _plausible(text):
            return Decoded(text, "utf-8", "utf-8")
    found = _detect(body)
    if found is not None and _plausible(found[1]):
        return Decoded(found[1], found[0], "detected", found[1].count("\ufffd"))
    fallback = body.decode("utf-8", errors="replace")
    what = f"declared {content_type!r}" if declared_charset(content_type) else "no usable charset declared"
    return Decoded(
        fallback,
        "utf-8",
        "none",
        fallback.count("\ufffd"),
        problem=f"body of {len(body)} bytes is not text in any known charset ({what})",
    )


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(text, charset_used)``; never raises (see :func:`decode`)."""
    d = decode(body, content_type)
    return d.text, d.charset


__all__ = ["WEB_CHARSETS", "Decoded", "declared_charset", "decode", "decode_body", "sniff_charset"]
