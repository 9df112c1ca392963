"""What an HTML document may cost to parse, checked before it is parsed.

An HTML5 tree builder (lexbor, html5lib, browsers) scans the stack of open elements at
many start tags, so building the tree costs about the sum, over start tags, of how deep
they are: linear for real pages (a few dozen levels), quadratic for a hostile page of
80,000 nested ``<div>``s (42 s). Browsers cap the depth (Blink at 512); we refuse such a
page before building it, with a :class:`ParseError` that says why — never a silent cut.

:func:`check_markup` estimates depth and that cost in one linear scan of the tags:
void and self-closed foreign elements do not nest, elements whose end tag is optional
(``p``, ``li``, ``td``, …) are not counted (so sloppy markup does not look deep), and
end tags close what they close. The estimate is within a small factor of the tree's.
"""

from __future__ import annotations

import re

from monitor.errors import ParseError

#: Deepest element nesting accepted (Blink's parser limit; real pages stay under ~60).
MAX_DEPTH = 512
#: Sum of the open-element depth at every start tag (≈ the tree builder's stack scans).
#: A 5 MB real page needs ~3M; 40M takes lexbor ~0.4 s.
MAX_TREE_WORK = 40_000_000
#: Largest document the ``html`` and ``reviews`` kinds parse (the HTTP cap is 5 MB).
MAX_DOCUMENT_CHARS = 10_000_000

_TOKEN = re.compile(  # a comment, a raw-text element (no tags inside), or a start or end tag
    r"<(?:!--.*?(?:--!?>|\Z)"
    r"|(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)\b[^>]*>.*?(?:</(?P=raw)\s*>|\Z)"
    r"|(?P<end>/?)(?P<name>[A-Za-z][^\s/>\x00]*)(?P<rest>[^>]*)>)",
    re.S | re.I,
)
_VOID = frozenset(
    (
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "image",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    )
)
#: End tag optional: a sibling closes them, so sloppy markup never leaves them nesting.
_OPTIONAL_END = frozenset(
    (
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "rb",
        "rt",
        "rtc",
        "rp",
        "caption",
        "colgroup",
        "html",
        "head",
        "body",
    )
)
_FLAT = _VOID | _OPTIONAL_END
_CLOSES_ITS_OWN = frozenset(("a", "button", "nobr", "form", "select"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_FOREIGN = frozenset(("svg", "math"))


def check_markup(markup: str, what: str) -> None:
    """Raise :class:`ParseError` when ``markup`` is over the size, depth or cost limits."""
    if len(markup) > MAX_DOCUMENT_CHARS:
        raise ParseError(f"{what}: document of {len(markup):,} characters is over the {MAX_DOCUMENT_CHARS:,} limit")
    stack: list[str] = []
    open_count: dict[str, int] = {}
    work = 0
    for m in _TOKEN.finditer(markup):
        _, end_tag, raw_name, rest = m.groups()
        if raw_name is None:
            continue  # a comment or a raw-text element: no nesting inside
        name = raw_name.lower()
        if end_tag:
            if open_count.get(name):
                while stack:  # an end tag closes everything opened inside its element
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        work += len(stack)
        if name in _FLAT or (
            rest.endswith("/") and (name in _FOREIGN or open_count.get("svg") or open_count.get("math"))
        ):
            continue  # void, optional end tag, or self-closed inside SVG/MathML ("<div/>" opens a div)
        if (name in _CLOSES_ITS_OWN and open_count.get(name)) or (
            name in _HEADINGS and stack and stack[-1] in _HEADINGS
        ):
            closing = name if name in _CLOSES_ITS_OWN else stack[-1]
            while stack:
                top = stack.pop()
                open_count[top] -= 1
                if top == closing:
                    break
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if len(stack) > MAX_DEPTH:
            raise ParseError(
                f"{what}: elements nested more than {MAX_DEPTH} deep (at character {m.start():,}); "
                "the page is refused rather than parsed in unbounded time"
            )
        if work > MAX_TREE_WORK:
            raise ParseError(
                f"{what}: too much nested markup to parse in bounded time "
                f"(over {MAX_TREE_WORK:,} nesting steps by character {m.start():,})"
            )


__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_CHARS", "MAX_TREE_WORK", "check_markup"]
