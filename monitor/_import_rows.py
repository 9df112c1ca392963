"""The row model of ``monitor import``: one raw CSV/JSON row in, one checked mention out.

:func:`parse_row` validates a row (a mapping of column names to JSON values or CSV cells)
with the pydantic model :class:`ImportRow` and returns a :class:`ParsedRow`, or raises
:class:`~monitor.errors.ImportDataError` naming the field and the problem in the product's
words (``published_at: 1e+20 is not a valid time``). Nothing else escapes, whatever the
row holds: that is what the importer's fuzz tests check.

Text is capped like collected text (``MAX_TEXT`` for the text, ``MAX_FIELD`` for author
and title), NUL bytes are stripped from every text field (PostgreSQL refuses them), and
brand and source names with control characters are refused (names end up in e-mail
headers). A row may carry where its label came from (``label_origin``: ``manual``,
``import``, ``rating`` or a model's ``id@version`` with ``model_version`` and the three
probabilities), so an export re-imports with the same meaning.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from monitor._dates import from_epoch, parse_iso
from monitor._index.formulas import normalise_rating
from monitor._index.reach import REACH_KINDS, reach_problem
from monitor._labels import GIVEN_ORIGINS, IMPORTED, LABELS, MANUAL, RATED, GivenOrigin, Label
from monitor._records import Mention, Prediction
from monitor._sources._text import MAX_FIELD, MAX_TEXT
from monitor._textsafe import control_characters
from monitor.errors import ImportDataError

MAX_NAME = 200  # brand.name and source.name columns
MAX_KIND = 40  # source.kind column
MAX_EXTERNAL_ID = 500
MAX_URL = 2000  # as the collector clips URLs
MAX_MODEL_VERSION = 100
MAX_ORIGIN = 200
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_KIND = re.compile(r"[a-z0-9][a-z0-9_.:-]*")
_LANG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_SCALE = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|\.\.|,|to)\s*(-?\d+(?:\.\d+)?)\s*")

JsonValue = object  # what json.loads or a CSV cell may put in a row: str, int, float, bool, None, list, dict


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("import_row", message)


def show(value: object, limit: int = 40) -> str:
    """A short, safe rendering of a bad value for an error message."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return "a number with more than 30 digits" if abs(value) >= 10**30 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        return repr(_CONTROL.sub("?", _SURROGATE.sub("?", text)))
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else f"a {type(value).__name__}"


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return show(value)


# -- field normalisers (each takes a raw JSON value or CSV cell) -------------------------


def _blank(value: JsonValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _string(value: JsonValue, *, what: str = "text") -> str:
    if not isinstance(value, str):
        raise _fail(f"must be {what}, not {_kind_of(value)}")
    if _SURROGATE.search(value):
        raise _fail("holds an invalid character (a lone surrogate, or bytes that are not UTF-8)")
    return value.replace("\x00", "")


def _text(value: JsonValue) -> str:
    return _string(value)[:MAX_TEXT] if value is not None else ""


def _optional_text(limit: int) -> BeforeValidator:
    def check(value: JsonValue) -> str | None:
        if _blank(value):
            return None
        return _string(value)[:limit] or None

    return BeforeValidator(check)


def _name(value: JsonValue) -> str | None:
    if _blank(value):
        return None
    name = _string(value, what="a name").strip()
    if control_characters(name):  # the same rule as the config's names
        raise _fail(f"{show(name)} holds a control character or line break (names go into e-mail headers)")
    if len(name) > MAX_NAME:
        raise _fail(f"is longer than {MAX_NAME} characters")
    return name


def check_name(value: str, what: str) -> str:
    """A brand or source name given outside a row (``--brand``): the row rules, or ImportDataError."""
    try:
        name = _name(value)
    except PydanticCustomError as exc:
        raise ImportDataError(f"{what}: {exc.message()}") from None
    if name is None:
        raise ImportDataError(f"{what}: is empty")
    return name


def _kind(value: JsonValue) -> str | None:
    if _blank(value):
        return None
    kind = _string(value).strip().lower()
    if len(kind) > MAX_KIND or not _KIND.fullmatch(kind):
        raise _fail(f"{show(kind)} is not a source kind (letters, digits, '-', '_', at most {MAX_KIND})")
    return kind


def _external_id(value: JsonValue) -> str | None:
    if value is None or value == "":
        return None  # absent: derived from the row's content
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**30:
            raise _fail("is a number with more than 30 digits")
        value = str(value)
    ext = _string(value, what="text or a whole number").strip()
    if not ext:
        raise _fail("is blank")
    if len(ext) > MAX_EXTERNAL_ID:
        raise _fail(f"is longer than {MAX_EXTERNAL_ID} characters")
    return ext


def _number(value: JsonValue, *, what: str = "a number") -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(f"{show(value)} is not {what}")
    if isinstance(value, int) and abs(value) >= 10**30:
        raise _fail(f"{show(value)} is not {what}")
    if isinstance(value, str):
        s = value.strip()
        if len(s) > 40 or not _NUMBER.fullmatch(s):
            raise _fail(f"{show(value)} is not {what}")
        value = s.replace(",", ".")
    number = float(value)
    if not math.isfinite(number):
        raise _fail(f"{show(value)} is not {what}")
    return number


def _probability(value: JsonValue) -> float | None:
    p = _number(value, what="a probability")
    if p is not None and not 0.0 <= p <= 1.0:
        raise _fail(f"{show(value)} is not a probability between 0 and 1")
    return p


def _time(value: JsonValue) -> datetime | None:
    """ISO 8601 text (naive = UTC) or epoch seconds → aware UTC within 1900–2199."""
    if _blank(value):
        return None
    bad = _fail(f"{show(value)} is not a valid time (ISO 8601 like 2026-11-03T09:00:00Z, years 1900–2199)")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 64:
                raise bad
            dt = parse_iso(text)
        else:
            if not math.isfinite(float(value)):
                raise bad
            dt = from_epoch(float(value))
    except (ValueError, OverflowError, OSError):
        raise bad from None
    if not EARLIEST <= dt < LATEST:
        raise bad
    return dt


def _label(value: JsonValue) -> Label | None:
    if _blank(value):
        return None
    text = _string(value).strip().lower()
    for label in LABELS:
        if text == label:
            return label
    raise _fail(f"{show(value)} is not one of {', '.join(LABELS)}")


def _lang(value: JsonValue) -> str | None:
    if _blank(value):
        return None
    lang = _string(value).strip().lower()
    if len(lang) > 12 or not _LANG.fullmatch(lang):
        raise _fail(f"{show(value)} is not a language code like 'en' or 'sv'")
    return lang


def _scale(value: JsonValue) -> tuple[float, float] | None:
    if _blank(value):
        return None
    bad = _fail(f"{show(value)} must look like '1-5'")
    if isinstance(value, list):
        if len(value) != 2:
            raise bad
        lo, hi = _number(value[0]), _number(value[1])
    elif isinstance(value, str):
        m = _SCALE.fullmatch(value.replace("–", "-"))
        if m is None:
            raise bad
        lo, hi = _number(m.group(1)), _number(m.group(2))
    else:
        raise bad
    if lo is None or hi is None:
        raise bad
    return (lo, hi)


Text = Annotated[str, BeforeValidator(_text)]
Name = Annotated[str | None, BeforeValidator(_name)]


def _reach(value: JsonValue) -> int | None:
    number = _number(value, what="a whole number")
    if number is None:
        return None
    problem = reach_problem(int(number), REACH_KINDS[0]) if number.is_integer() else f"{show(value)} is not whole"
    if problem:
        raise _fail(problem)
    return int(number)


def _reach_kind(value: JsonValue) -> str | None:
    if _blank(value):
        return None
    if (kind := _string(value).strip()) not in REACH_KINDS:
        raise _fail(f"{show(value)} is not one of {', '.join(REACH_KINDS)}")
    return kind


Kind = Annotated[str | None, BeforeValidator(_kind)]
ExternalId = Annotated[str | None, BeforeValidator(_external_id)]
Time = Annotated[datetime | None, BeforeValidator(_time)]
Number = Annotated[float | None, BeforeValidator(_number)]
Probability = Annotated[float | None, BeforeValidator(_probability)]
LabelField = Annotated[Label | None, BeforeValidator(_label)]
Lang = Annotated[str | None, BeforeValidator(_lang)]
Scale = Annotated[tuple[float, float] | None, BeforeValidator(_scale)]


class ImportRow(BaseModel):
    """One row of an import file, checked and normalised (unknown columns are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    text: Text = ""  # may be empty for a review with a title or a rating only
    brand: Name = None
    source: Name = None
    source_kind: Kind = None
    external_id: ExternalId = None
    published_at: Time = None
    lang: Lang = None
    label: LabelField = None
    label_origin: Annotated[str | None, _optional_text(MAX_ORIGIN)] = None
    model_version: Annotated[str | None, _optional_text(MAX_MODEL_VERSION)] = None
    p_negative: Probability = None
    p_neutral: Probability = None
    p_positive: Probability = None
    rating: Number = None
    rating_scale: Scale = None
    rating_worst: Number = None
    rating_best: Number = None
    url: Annotated[str | None, _optional_text(MAX_URL)] = None
    author: Annotated[str | None, _optional_text(MAX_FIELD)] = None
    title: Annotated[str | None, _optional_text(MAX_FIELD)] = None
    reach: Annotated[int | None, BeforeValidator(_reach)] = None
    reach_kind: Annotated[str | None, BeforeValidator(_reach_kind)] = None

    @model_validator(mode="after")
    def _consistent(self) -> ImportRow:
        if not self.text.strip() and self.title is None and self.rating is None:
            raise _fail("text: is missing or empty")
        if (self.reach is None) != (self.reach_kind is None):
            raise _fail("reach and reach_kind: give both (what the reach counts: " + ", ".join(REACH_KINDS) + ")")
        scale = self.scale()
        if self.rating is not None:
            if scale is None:
                raise _fail(f"rating: {self.rating:g} needs a rating_scale")
            try:
                normalise_rating(self.rating, *scale)
            except ValueError as exc:
                raise _fail(f"rating: {exc}") from None
        origin = self.label_origin
        if origin is not None and origin not in GIVEN_ORIGINS and self.model_version is not None:
            if not origin.endswith("@" + self.model_version) or origin == "@" + self.model_version:
                raise _fail(f"label_origin: {show(origin)} does not end with '@' and the model_version")
            probs = (self.p_negative, self.p_neutral, self.p_positive)
            if any(p is None for p in probs):
                raise _fail("a model's label needs p_negative, p_neutral and p_positive")
        elif origin in GIVEN_ORIGINS and origin != IMPORTED and self.label is None:
            raise _fail(f"label_origin: {origin} needs a label")
        return self

    def scale(self) -> tuple[float, float] | None:
        """The rating scale: given, from worst/best, or 1–5 / 0–10 guessed from the rating."""
        if self.rating_scale is not None:
            return self.rating_scale
        if self.rating_worst is not None and self.rating_best is not None:
            return (self.rating_worst, self.rating_best)
        if self.rating is not None and self.rating <= 10:
            return (1.0, 5.0) if self.rating <= 5 else (0.0, 10.0)
        return None

    def score(self) -> Prediction | None:
        """The model score behind the row's label, when the row names a model and its numbers."""
        origin, version = self.label_origin, self.model_version
        pn, pu, pp = self.p_negative, self.p_neutral, self.p_positive
        if origin is None or origin in GIVEN_ORIGINS or version is None or pn is None or pu is None or pp is None:
            return None
        probs = (pn, pu, pp)
        model_label = self.label or LABELS[probs.index(max(probs))]
        return Prediction(model_label, pn, pu, pp, origin[: -len(version) - 1], version)

    def origin(self) -> GivenOrigin | None:
        """A given (non-model) origin for the label; ``None`` means the store's default."""
        if self.label is None or self.score() is not None:
            return None
        if self.label_origin == MANUAL:
            return MANUAL
        if self.label_origin == RATED and self.rating is not None:
            return RATED
        return IMPORTED


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A valid row: where it goes and what it stores."""

    brand: str
    source: str
    source_kind: str | None
    mention: Mention


def _messages(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"])
        msg = err["msg"] if err["type"] == "import_row" else _plain(err["type"], err["msg"])
        parts.append(f"{field}: {msg}" if field else msg)
    return "; ".join(parts)


def _plain(kind: str, msg: str) -> str:
    return {"missing": "is missing", "model_type": "the row is not an object"}.get(kind, msg)


def derived_id(row: Mapping[str, JsonValue]) -> str:
    """The external id of a row without one: a hash of its text, author, time and URL.

    The same basis as earlier versions of the importer, so a file imported before stores
    each row once when imported again.
    """
    basis = json.dumps(
        [row.get("text"), row.get("author"), str(row.get("published_at")), row.get("url")], ensure_ascii=False
    )
    return "sha:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def parse_row(row: Mapping[str, JsonValue], *, brand: str | None = None, source: str | None = None) -> ParsedRow:
    """Validate one raw row; ``brand``/``source`` are defaults for rows without them.

    Raises :class:`ImportDataError` (and nothing else) for a bad row.
    """
    try:
        item = ImportRow.model_validate(row)
    except ValidationError as exc:
        raise ImportDataError(_messages(exc)) from None
    except RecursionError:
        raise ImportDataError("the row is nested too deeply") from None
    b = item.brand or brand
    if not b:
        raise ImportDataError("brand: is missing (add a brand column or pass --brand)")
    s = item.source or source
    if not s:
        raise ImportDataError("source: is missing (add a source column or pass --source)")
    score = item.score()
    mention = Mention(
        external_id=item.external_id or derived_id(row),
        text=item.text,
        url=item.url,
        author=item.author,
        title=item.title,
        published_at=item.published_at,
        rating=item.rating,
        rating_scale=item.scale() if item.rating is not None else None,
        lang=item.lang,
        label=item.label,
        label_origin=item.origin(),
        score=score,
        reach=item.reach,
        reach_kind=item.reach_kind,
    )
    return ParsedRow(b, s, item.source_kind, mention)


__all__ = ["GIVEN_ORIGINS", "ImportRow", "ParsedRow", "check_name", "derived_id", "parse_row", "show"]
