"""Fuzzing the importer's row model and row parsing (issue 12, item 12).

Whatever a row holds (any JSON value in any field, any CSV cell, any bytes on a line),
only :class:`ImportDataError` may come out; a row that passes is safe to store.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor._api import MentionIndex
from monitor._import_rows import EARLIEST, LATEST, ParsedRow, parse_row
from monitor._importer import import_file, parse_json_line, read_rows
from monitor.errors import ImportDataError

FIELDS = [
    "text",
    "brand",
    "source",
    "source_kind",
    "external_id",
    "published_at",
    "lang",
    "label",
    "label_origin",
    "model_version",
    "p_negative",
    "p_neutral",
    "p_positive",
    "rating",
    "rating_scale",
    "rating_worst",
    "rating_best",
    "url",
    "author",
    "title",
]

any_char = st.characters(exclude_categories=())  # surrogates and controls included
texts = st.text(any_char, max_size=30) | st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "1e20",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+14:00",
        "2026-11-03T09:00:00Z",
        "1-5",
        "-5-5",
        "0..10",
        "positive",
        "manual",
        "rating",
        "m@1",
        "nan",
        "inf",
        "1" * 500,
        "Acme\r\nBcc: x",
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3)
)
rows = st.dictionaries(st.sampled_from(FIELDS) | texts, json_values, max_size=12)


def _check_parsed(p: ParsedRow) -> None:
    m = p.mention
    for s in (p.brand, p.source, m.text, m.external_id, m.url, m.author, m.title, m.lang):
        if s is not None:
            assert "\x00" not in s
            s.encode("utf-8")  # no lone surrogates: both databases can store it
    assert not any(c in p.brand + p.source for c in "\r\n\t\x00")
    assert m.published_at is None or EARLIEST <= m.published_at < LATEST
    assert m.published_at is None or m.published_at.tzinfo is not None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_any_json_row_is_parsed_or_refused_with_an_import_error(row: dict[str, object]) -> None:
    try:
        parsed = parse_row(row, brand="Acme", source="feed")
    except ImportDataError as exc:
        assert str(exc)
        return
    _check_parsed(parsed)


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({"text": texts}, optional={f: json_values for f in FIELDS if f != "text"}))
def test_rows_with_known_fields_only(row: dict[str, object]) -> None:
    with contextlib.suppress(ImportDataError):
        _check_parsed(parse_row(row, brand="Acme", source="feed"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda v: json.dumps(v).encode(), json_values))
def test_any_bytes_on_a_jsonl_line(line: bytes) -> None:
    got = parse_json_line(line)
    assert isinstance(got, dict | ImportDataError)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.text(any_char, max_size=12) | texts, min_size=0, max_size=8), max_size=6))
def test_any_csv_cells(cells: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["text", "brand", "published_at", "rating", "rating_scale", "label", "external_id", "url"])
    for r in cells:
        w.writerow(r)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "rows.csv"
        f.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))  # lone surrogates: invalid UTF-8
        for _ln, row in read_rows(f):
            if isinstance(row, ImportDataError):
                continue
            with contextlib.suppress(ImportDataError):
                _check_parsed(parse_row(row, brand="Acme", source="feed"))


_DB = tempfile.mkdtemp(prefix="mm-fuzz-")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=8))
def test_rows_that_pass_are_stored(batch: list[dict[str, object]]) -> None:
    """End to end on SQLite: a fuzzed file imports without any exception escaping."""
    idx = MentionIndex.open(f"sqlite:///{_DB}/fuzz.db")
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "rows.jsonl"
        f.write_text("".join(json.dumps(r, default=str) + "\n" for r in batch), encoding="utf-8")
        rep = import_file(idx, f, brand="Acme", source=f"fuzz-{datetime.now(UTC).timestamp()}")
    assert rep.rows == len(batch) and rep.bad + rep.new + rep.duplicate + rep.sightings == len(batch)
    idx.close()


def test_huge_integers_in_any_field_are_refused_not_crashing() -> None:
    """5,000-digit integers: Python's int↔str limit raises ValueError; json raises it too."""
    huge = 10**5000 - 1
    for name in ("text", "brand", "external_id", "published_at", "rating", "p_neutral", "rating_scale", "url"):
        try:
            parse_row({"text": "hi", name: huge}, brand="Acme", source="feed")
        except ImportDataError as exc:
            assert name in str(exc)
    got = parse_json_line(b'{"text": "x", "rating": ' + b"7" * 5000 + b"}")
    assert isinstance(got, ImportDataError) and "5000 digits" in str(got)


def test_names_follow_the_same_control_character_rule_as_the_config() -> None:
    """A name the config refuses (bidi override, line separator, ESC) is refused on import too."""
    import pytest

    from monitor._config import config_from_dict
    from monitor.errors import ConfigError

    for bad in ("Acme\u202e", "Acme\u2028x", "Acme\x1b[31m", "Acme\r\nBcc: x"):
        with pytest.raises(ImportDataError, match="control character"):
            parse_row({"text": "fine text", "brand": bad, "source": "shop"})
        with pytest.raises(ConfigError):
            config_from_dict({"brands": [{"name": bad}]})
    assert parse_row({"text": "fine text", "brand": "Acme", "source": "shop"}).brand == "Acme"
