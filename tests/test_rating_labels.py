"""The author's own verdict counts (issue 11, part 4): a rated mention's label follows its
stars (after a person's and an imported label, before the model), the model still scores it,
and turning ``index.label_from_rating`` off or on re-derives stored labels with nothing lost.
Real SQLite files; a stand-in model that says what each text tells it to."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._labels import LABELS
from monitor._pipeline.steps import score_step
from monitor._records import Mention, Prediction
from monitor._store import Store
from monitor._store.engine import make_engine, upgrade

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
PROBS = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.1, 0.1, 0.8)}


class SaysModel:
    """A stand-in model: a text containing ``model:<label>`` gets that label, others neutral."""

    model_id, model_version = "says", "1"

    def __init__(self, version: str = "1") -> None:
        self.model_version = version
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
        self.seen += texts
        out = []
        for t in texts:
            label = next((lab for lab in LABELS if f"model:{lab}" in t), "neutral")
            out.append(Prediction(label, *PROBS[label], self.model_id, self.model_version))  # type: ignore[arg-type]
        return out

    def info(self) -> dict[str, Any]:
        return {"backend": "says", "model_id": self.model_id, "model_version": self.model_version}


def config(path: Path, on: bool = True) -> Any:
    return config_from_dict({"database_url": f"sqlite:///{path}", "index": {"label_from_rating": on, "min_sample": 1}})


def score(idx: MentionIndex, model: SaysModel | None = None) -> SaysModel:
    model = model or SaysModel()
    step = score_step(idx, idx.config, lambda: model, batch=3)  # small batches: paging ends
    assert step.status == "ok", step.errors
    return model


def state(idx: MentionIndex) -> dict[str, tuple[str, str | None]]:
    return {m.external_id: (m.label, m.label_origin) for m in idx.mentions("Acme", limit=100)}


def review(ext: str, stars: float | None, says: str, *, label: str | None = None, text: str | None = None) -> Mention:
    body = f"review {ext} model:{says}" if text is None else text
    scale = (1.0, 5.0) if stars is not None and stars <= 5 else (0.0, 10.0)
    return Mention(
        ext,
        body,
        published_at=NOW - timedelta(hours=1),
        lang="sv",
        rating=stars,
        rating_scale=scale if stars is not None else None,
        label=label,  # type: ignore[arg-type]
    )


WORKSPACE = [
    review("five", 5, "negative"),  # the stars win over the model
    review("one", 1, "positive"),
    review("three", 3, "positive"),  # lukewarm: neutral
    review("ten", 9, "negative"),  # 9 of 0–10: another scale, normalised
    review("imported", 1, "positive", label="positive"),  # an imported label wins over the stars
    review("words", None, "negative"),  # no stars: the model's
    review("wordless", 4, "negative", text=""),  # no words: always the stars
]


@pytest.fixture
def idx(tmp_path: Path) -> Iterator[MentionIndex]:
    with MentionIndex.open(config(tmp_path / "r.db")) as index:
        index.add_mentions("Acme", "reco", WORKSPACE, source_kind="reviews")
        yield index


def test_precedence_manual_import_rating_model(idx: MentionIndex) -> None:
    before = state(idx)
    assert before["five"] == ("positive", "rating") and before["one"] == ("negative", "rating")
    assert before["three"] == ("neutral", "rating") and before["ten"] == ("positive", "rating")
    assert before["imported"] == ("positive", "import") and before["wordless"] == ("positive", "rating")
    assert before["words"] == ("unscored", None)

    model = score(idx)
    # the model read every rated review with words (not the imported one, not the wordless one) …
    assert sorted(t.split()[1] for t in model.seen) == ["five", "one", "ten", "three", "words"]
    after = state(idx)
    assert {k: v for k, v in after.items() if k != "words"} == {k: v for k, v in before.items() if k != "words"}
    assert after["words"] == ("negative", "says@1")
    # … its numbers are kept on the mention (the top lists rank by them), its label is not
    five = next(m for m in idx.mentions("Acme", limit=100) if m.external_id == "five")
    assert (five.label, five.p_negative) == ("positive", 0.8)
    assert score(idx).seen == []  # nothing left to score: no score is asked for twice

    # a person's label wins over the stars; clearing it goes back to the stars, not the model
    mid = five.id
    idx.set_label(mid, "negative")
    assert state(idx)["five"] == ("negative", "manual")
    idx.set_label(mid, None)
    assert state(idx)["five"] == ("positive", "rating")
    change = idx.relabel([mid], "neutral", by="ana")
    idx.undo_relabel(change.id, by="ana")
    assert state(idx)["five"] == ("positive", "rating")
    point = idx.satisfaction("Acme", start=NOW.date(), end=NOW.date(), by=None)[0]
    assert (point.positive, point.neutral, point.negative, point.unscored) == (4, 1, 2, 0)
    assert idx.verify().ok


def test_turning_the_option_off_restores_the_model_labels_and_on_again_the_stars(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with MentionIndex.open(config(path)) as idx:
        idx.add_mentions("Acme", "reco", WORKSPACE, source_kind="reviews")
        score(idx)
        stars = state(idx)
    with MentionIndex.open(config(path, on=False)) as idx:
        off = state(idx)
        assert off["five"] == ("negative", "says@1") and off["one"] == ("positive", "says@1")
        assert off["three"] == ("positive", "says@1") and off["ten"] == ("negative", "says@1")
        assert off["imported"] == ("positive", "import") and off["wordless"] == ("positive", "rating")
        assert idx.verify().ok
        assert idx.model_check(end=NOW.date()).overall.n == 4  # the scores were kept
        # a new rated review with words is the model's now
        idx.add_mentions("Acme", "reco", [review("new", 5, "negative")], source_kind="reviews")
        assert state(idx)["new"] == ("unscored", None)
        score(idx)
        assert state(idx)["new"] == ("negative", "says@1")
        point = idx.satisfaction("Acme", start=NOW.date(), end=NOW.date(), by=None)[0]
        assert (point.positive, point.negative) == (4, 4)
    with MentionIndex.open(config(path)) as idx:
        back = state(idx)
        assert {k: back[k] for k in stars} == stars and back["new"] == ("positive", "rating")
        assert idx.verify().ok
        assert score(idx).seen == []  # every score was kept: nothing to redo


def test_an_older_database_gets_the_stars_labels_when_opened(tmp_path: Path) -> None:
    """A database written before the setting existed: rated reviews carry the model's labels."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store = Store(engine, ZoneInfo("UTC"), label_from_rating=False)  # as the store used to behave, no rule recorded
    ids = store.add_mentions("Acme", "reco", WORKSPACE[:4], source_kind="reviews").mention_ids
    preds = SaysModel().predict([f"review x model:{s}" for s in ("negative", "positive", "positive", "negative")])
    store.add_scores([(i, p, True) for i, p in zip(ids, preds, strict=True)], now=NOW)
    assert store.get_meta("label_from_rating") is None
    engine.dispose()
    with MentionIndex.open(config(path)) as idx:
        assert state(idx) == {
            "five": ("positive", "rating"),
            "one": ("negative", "rating"),
            "three": ("neutral", "rating"),
            "ten": ("positive", "rating"),
        }
        assert idx.verify().ok  # rollups moved with the labels, snapshots refreshed
        snap = idx.snapshots("Acme", start=NOW.date(), end=NOW.date())[0]
        assert (snap.point.positive, snap.point.neutral, snap.point.negative) == (2, 1, 1)
        check = idx.model_check(end=NOW.date())
        assert (check.overall.n, check.overall.agree) == (4, 0)  # the model's scores are still there
        assert idx.store.get_meta("label_from_rating") == "1"


def test_a_carried_score_keeps_the_stars_label(idx: MentionIndex) -> None:
    carried = Mention(
        "exported",
        "review exported",
        published_at=NOW,
        rating=1.0,
        rating_scale=(1.0, 5.0),
        label="positive",
        score=Prediction("positive", 0.1, 0.1, 0.8, "says", "0"),
    )
    idx.add_mentions("Acme", "reco", [carried], source_kind="reviews")
    assert state(idx)["exported"] == ("negative", "rating")
    check = idx.model_check(end=NOW.date())
    assert check.overall.cell("negative", "positive") == 1  # the carried score is the model's verdict
    assert idx.verify().ok


def test_the_demo_digest_top_lists_never_contradict_the_stars(tmp_path: Path) -> None:
    """A model that reads every review backwards: the stars still decide the top lists."""
    from monitor._demo import run_demo
    from monitor._digest.context import build_digest
    from monitor._index.formulas import normalise_rating
    from monitor._labels import label_from_rating

    try:
        from test_pipeline import MoodClassifier
    except ImportError:  # tests/ is a package
        from tests.test_pipeline import MoodClassifier

    class Backwards(MoodClassifier):  # type: ignore[misc]
        model_id = "backwards"  # its scores carry the id and version it declares

        def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
            flip = {"negative": "positive", "positive": "negative", "neutral": "negative"}
            out = []
            for p in super().predict(texts, langs):
                label = flip[p.label]
                out.append(Prediction(label, *PROBS[label], self.model_id, self.model_version))  # type: ignore[arg-type]
            return out

    now = datetime.now(UTC)
    result = run_demo(tmp_path / "demo", classifier=Backwards(), now=now)
    with MentionIndex.open(result.config_path) as idx:
        check = idx.model_check()
        assert check.overall.n > 100 and (check.overall.share or 0) < 0.3  # the model disagrees …
        rated = 0
        for brand in idx.brands():
            digest = build_digest(idx, [brand], now.astimezone(idx.tz).date(), tz=str(idx.tz), now=now)
            for m in (*digest.brands[0].most_negative, *digest.brands[0].most_positive):
                if m.rating is not None and m.rating_scale is not None:
                    rated += 1  # … and no top mention's label contradicts its stars
                    assert label_from_rating(normalise_rating(m.rating, *m.rating_scale)) == m.label, m
        assert rated >= 5
