"""The label rules live in one module, ``monitor._labels``, with one exception for a bad label."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from monitor import _labels as labels
from monitor._labels import (
    GIVEN_ORIGINS,
    check_label,
    counts_in_index,
    given_label,
    label_from_rating,
    label_problem,
    model_may_relabel,
    rating_label,
)
from monitor._mention_rules import check_mention
from monitor._records import Mention, Prediction
from monitor.errors import ConfigError, InvalidArgument, InvalidLabel, StorageError

MONITOR = Path(__file__).resolve().parent.parent / "monitor"


def test_the_label_set() -> None:
    assert labels.LABELS == ("negative", "neutral", "positive")
    assert labels.EFFECTIVE_LABELS == ("negative", "neutral", "positive", "unscored")


def test_check_label_accepts_labels_and_none_and_raises_one_exception() -> None:
    assert [check_label(x) for x in ("negative", "neutral", "positive", None)] == [*labels.LABELS, None]
    for bad in ("great", "Positive", "", "unscored"):
        with pytest.raises(InvalidLabel, match="is not one of negative, neutral, positive") as exc:
            check_label(bad)
        # an InvalidLabel is caught by every clause that caught a bad label before
        assert all(isinstance(exc.value, t) for t in (InvalidArgument, ConfigError, StorageError, ValueError))
    assert label_problem("great") == "label 'great' is not one of negative, neutral, positive"
    assert label_problem("neutral") is None and label_problem(None) is None


def test_the_collector_skips_a_bad_label_with_the_same_words() -> None:
    checked = check_mention(Mention("1", "text", label="great"))  # type: ignore[arg-type]
    assert checked.item is None and checked.problem == label_problem("great")


@pytest.mark.parametrize(
    ("stars", "label"), [(1, "negative"), (2, "negative"), (3, "neutral"), (4, "positive"), (5, "positive")]
)
def test_stars_map_to_labels(stars: int, label: str) -> None:
    assert label_from_rating((stars - 1) / 4) == label


@pytest.mark.parametrize("on", [True, False], ids=["label_from_rating", "wordless-only"])
def test_precedence_given_label_then_stars_then_the_model(on: bool) -> None:
    # a given label wins, with "import" as its default origin
    assert given_label("negative", None, 1.0, False, from_rating=on) == ("negative", "import")
    assert given_label("negative", "manual", 1.0, True, from_rating=on) == ("negative", "manual")
    # no label: the stars of a review without words, whatever the setting
    assert given_label(None, None, 1.0, False, from_rating=on) == ("positive", "rating")
    # words: the stars when index.label_from_rating is on, else the model's turn
    assert given_label(None, None, 1.0, True, from_rating=on) == (("positive", "rating") if on else (None, None))
    assert given_label(None, None, 0.5, True, from_rating=on) == (("neutral", "rating") if on else (None, None))
    assert given_label(None, None, None, False, from_rating=on) == (None, None)
    assert given_label(None, None, None, True, from_rating=on) == (None, None)
    assert rating_label(0.25, True, from_rating=on) == ("negative" if on else None)
    assert rating_label(0.25, False, from_rating=on) == "negative"
    with pytest.raises(InvalidLabel):
        given_label("great", None, None, True, from_rating=on)
    # a model never replaces a given label; it replaces its own or another model's
    assert GIVEN_ORIGINS == ("manual", "import", "rating")
    assert not any(model_may_relabel(o) for o in GIVEN_ORIGINS)
    assert model_may_relabel(None) and model_may_relabel("xlmr@1")


def test_what_counts_in_the_index() -> None:
    sure = Prediction("positive", 0.05, 0.05, 0.9, "m", "1")
    unsure = Prediction("positive", 0.3, 0.3, 0.4, "m", "1")
    assert counts_in_index(sure, "sv", 0.6) and counts_in_index(sure, None, 0.6)
    assert not counts_in_index(sure, "de", 0.6) and not counts_in_index(unsure, "sv", 0.6)


RULE_NAMES = {
    "LABELS",
    "EFFECTIVE_LABELS",
    "UNSCORED",
    "GIVEN_ORIGINS",
    "MANUAL",
    "IMPORTED",
    "RATED",
    "label_from_rating",
    "counts_in_index",
    "validate_label",
}


def test_no_other_module_defines_a_label_rule() -> None:
    """The names of the label rules are defined in monitor/_labels.py only (others import them)."""
    elsewhere = []
    for path in MONITOR.rglob("*.py"):
        if path == MONITOR / "_labels.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # a config model's field (``index.label_from_rating``) is a key of the file, not a rule
        fields = {
            id(f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body if isinstance(f, ast.AnnAssign)
        }
        for node in ast.walk(tree):
            if id(node) in fields and "_config" in path.parts:
                continue
            if isinstance(node, ast.FunctionDef) and node.name in RULE_NAMES:
                elsewhere.append(f"{path.relative_to(MONITOR)}: def {node.name}")
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            elsewhere += [
                f"{path.relative_to(MONITOR)}: {t.id} ="
                for t in targets
                if isinstance(t, ast.Name) and t.id in RULE_NAMES
            ]
    assert elsewhere == []
