"""Themes on a stand-in embedder: stored vectors, terms, the update plan, the pipeline step,
``MentionIndex.themes``/``theme_counts`` and ``monitor query themes`` (real SQLite files)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._pipeline import run_once
from monitor._pipeline.themes import themes_step
from monitor._records import Mention, Prediction
from monitor._store import themes as theme_store
from monitor._store.vectors import MentionVectors, dequantise, quantise
from monitor._themes.cluster import centre
from monitor._themes.plan import NEW, plan_update
from monitor._themes.terms import brand_words, distinctive_terms, gist, tokens
from monitor.errors import InvalidArgument, ModelError, UnknownBrand
from tests.themes_fake import SENTENCES, TopicEmbedder

LANGS = ("en", "sv", "tr", "bg", "hy")
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
LABEL = {"dock": "negative", "price": "negative", "noise": "neutral"}


def _cfg(tmp_path: Path, url: str | None = None) -> object:
    return config_from_dict(
        {
            "database_url": url or f"sqlite:///{tmp_path / 'm.db'}",
            "brands": [{"name": "Lumio", "aliases": ["Lumio", "#lumio"]}],
            "index": {"timezone": "UTC"},
        }
    )


def _mentions(topics: tuple[str, ...], per_lang: int, day: datetime, tag: str) -> list[Mention]:
    out = []
    for topic in topics:
        for lang in LANGS:
            for i in range(per_lang):
                out.append(
                    Mention(
                        f"{tag}-{topic}-{lang}-{i}",
                        f"Lumio: {SENTENCES[(topic, lang)]} #{tag}{i}",
                        published_at=day + timedelta(minutes=i),
                        lang=lang,
                        label=LABEL[topic],  # type: ignore[arg-type]
                    )
                )
    return out


# ------------------------------------------------------------------ stored vectors


def test_vectors_are_stored_once_compactly_and_by_version(db_url: str) -> None:
    rng = np.random.default_rng(1)
    v = rng.normal(size=(5, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q, scale = quantise(v)
    back = dequantise([r.tobytes() for r in q], list(scale), 384)
    cos = (back * v).sum(axis=1) / np.linalg.norm(back, axis=1)
    assert q.dtype == np.int8 and cos.min() > 0.999

    with MentionIndex.open(db_url) as idx:
        ids = [idx.add_mention(brand="B", source="s", external_id=str(i), text=f"text {i}") for i in range(5)]
        old = MentionVectors(idx.engine, "e5:1", 384)
        assert [i for i, _t, _l in old.missing_vectors(10)] == ids
        assert old.store_vectors(ids[:3], v[:3]) == 3
        assert [i for i, _t, _l in old.missing_vectors(10)] == ids[3:]
        got_ids, got = old.vectors_for([ids[4], ids[0], ids[2]])
        assert got_ids == [ids[0], ids[2]] and np.allclose(got, v[[0, 2]], atol=0.01)
        new = MentionVectors(idx.engine, "e5:2", 384)
        assert len(new.missing_vectors(10)) == 5  # another version's vectors do not count
        new.store_vectors(ids[:1], v[4:5])  # and are replaced, not kept beside
        assert old.vectors_for(ids)[0] == [ids[1], ids[2]]
        with pytest.raises(ValueError, match="components"):
            new.store_vectors(ids[:1], v[:1, :10])


# ------------------------------------------------------------------ terms


def test_terms_skip_stop_words_brand_words_and_turkish_suffixes() -> None:
    assert tokens("Lumio'nun istasyonu ve şarj", "tr") == {"lumio", "istasyonu", "şarj"}
    assert tokens("The dock is dead after 4.2", "en", brand_words(["Lumio"])) == {"dock", "dead", "4.2"}
    assert "lumio" not in tokens("#Lumio @lumio Lumio-ն", "hy", brand_words(["Lumio", "#lumio"]))
    docs = [
        ("a", "en", "the dock is dead"),
        ("a", "en", "dock broken again"),
        ("a", "sv", "laddstationen är död"),
        ("b", "en", "price too high"),
        ("b", "en", "high price, broken promise"),
        (None, "en", "broken broken broken"),
    ]
    terms = distinctive_terms(docs)
    assert terms["a"]["en"][0] == "dock" and terms["b"]["en"][:2] == ["high", "price"]
    assert terms["a"]["sv"] == ["död", "laddstationen"]  # one mention: once is enough (ties alphabetical)
    assert gist(terms["a"], {"en": 2, "sv": 1}).startswith("dock")
    assert gist({"sv": ["laddstation"], "bg": ["база"]}, {"sv": 1, "bg": 4}) == "база"


def test_terms_count_inflections_together_and_name_what_many_mentions_say() -> None:
    from monitor._themes.terms import stems

    assert set(stems(["dock", "docks", "docking", "docked"], "en").values()) == {"dock"}
    assert stems(["4.2.1", "laddstationen"], "sv") == {"4.2.1": "4.2.1", "laddstationen": "laddstation"}
    assert stems(["базата", "базите"], "bg") == {"базата": "базата", "базите": "базите"}  # no stemmer: words
    dock = ["won't dock", "docking fails", "never docks", "the dock is dead", "docked once"]
    words = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
    docs = [("a", "en", t) for t in dock] + [("a", "en", f"{w} calibration") for w in words[:2]]
    docs += [("a", "en", w) for w in words[2:]]  # 15 mentions: a term needs 3 (a fifth)
    docs += [("b", "en", "the dock looks nice"), ("b", "en", "price too high"), (None, "en", "docked fine")]
    terms = distinctive_terms(docs)
    # dock: 5 of 15 in four forms, shown as the form most used ("dock", 1 each: the shortest);
    # calibration is rarer elsewhere (idf) but in 2 of 15 only, below a fifth: never a term
    assert terms["a"]["en"] == ["dock"]
    assert distinctive_terms(docs[:7])["a"]["en"] == ["dock", "calibration"]  # 2 of 7 is enough


# ------------------------------------------------------------------ the plan


def test_plan_groups_by_topic_across_languages_and_keeps_assignments() -> None:
    emb = TopicEmbedder()
    texts, langs, topics = [], [], []
    for topic in ("dock", "price"):
        for lang in LANGS:
            for i in range(4):
                texts.append(f"{SENTENCES[(topic, lang)]} {i}")
                langs.append(lang)
                topics.append(topic)
    raw = emb.embed(texts)
    same_lang = raw[0] @ raw[20]  # en dock vs en price
    cross = raw[0] @ raw[4]  # en dock vs sv dock
    assert same_lang > cross  # the stand-in has the language bias real encoders have
    x = centre(raw, langs)
    plan = plan_update(x, [NEW] * len(texts), [])
    assert len(plan.new) == 2
    groups = {k: {topics[r] for r, _t, kk, _s in plan.assign if kk == k} for k in range(2)}
    assert sorted(map(sorted, groups.values())) == [["dock"], ["price"]]
    for k in range(2):
        assert {langs[r] for r, _t, kk, _s in plan.assign if kk == k} == set(LANGS)

    # later: the themes are stored (ids 7 and 9); new dock mentions join 7, old ones stay
    states: list[int | None] = [7 if topics[r] == "dock" else 9 for r in range(len(texts))]
    more = [f"{SENTENCES[('dock', lang)]} new" for lang in LANGS]
    x2 = centre(emb.embed(texts + more), langs + list(LANGS))
    cents = [(7, plan.new[0] if topics[0] == "dock" else plan.new[1]), (9, plan.new[1])]
    p2 = plan_update(x2, [*states, *[NEW] * 5], cents)
    assert not p2.new
    assert [(r, t) for r, t, _k, _s in p2.assign] == [(40 + i, 7) for i in range(5)]


def test_plan_makes_a_new_theme_when_enough_mentions_fit_none() -> None:
    emb = TopicEmbedder()
    old = [f"{SENTENCES[('dock', lang)]} {i}" for lang in LANGS for i in range(4)]
    fresh = [f"{SENTENCES[('noise', lang)]} {i}" for lang in LANGS for i in range(2)]
    langs = [lang for lang in LANGS for _ in range(4)] + [lang for lang in LANGS for _ in range(2)]
    x = centre(emb.embed(old + fresh), langs)
    dock = x[:20].mean(axis=0)
    plan = plan_update(x, [1] * 20 + [NEW] * 10, [(1, dock / np.linalg.norm(dock))])
    assert len(plan.new) == 1
    assert sorted(r for r, _t, k, _s in plan.assign if k == 0) == list(range(20, 30))
    # too few to make a theme: looked at, left unfitted
    few = plan_update(x[:23], [1] * 20 + [NEW] * 3, [(1, dock / np.linalg.norm(dock))])
    assert not few.new and [a[1:] for a in few.assign] == [(None, None, None)] * 3


# ------------------------------------------------------------------ the step, the API, the CLI


@pytest.fixture
def story(tmp_path: Path, db_url: str) -> Iterator[tuple[MentionIndex, TopicEmbedder]]:
    cfg = _cfg(tmp_path, db_url)
    idx = MentionIndex.open(cfg)  # type: ignore[arg-type]
    idx.clock = lambda: NOW
    emb = TopicEmbedder()
    week1 = NOW - timedelta(days=10)
    idx.add_mentions("Lumio", "forum", _mentions(("dock", "price"), 4, week1, "w1"))
    step = themes_step(idx, idx.config, lambda: emb, now=week1 + timedelta(days=1))
    assert step.status == "ok" and step.counts["embedded"] == 40 and step.counts["new_themes"] == 2
    week2 = NOW - timedelta(days=3)
    idx.add_mentions("Lumio", "forum", _mentions(("dock",), 4, week2, "w2") + _mentions(("noise",), 2, week2, "w2"))
    yield idx, emb
    idx.close()


def test_themes_step_is_incremental_and_names_stay(story: tuple[MentionIndex, TopicEmbedder]) -> None:
    idx, emb = story
    bid = idx.store.brand_id("Lumio")
    assert bid is not None
    before = {t.id: t.name for t in theme_store.brand_themes(idx.engine, bid)}
    step = themes_step(idx, idx.config, lambda: emb, now=NOW)
    assert step.counts == {"embedded": 30, "assigned": 30, "new_themes": 1, "unfitted": 0, "themes": 3}
    after = {t.id: t.name for t in theme_store.brand_themes(idx.engine, bid)}
    assert {k: after[k] for k in before} == before  # ids and names kept
    again = themes_step(idx, idx.config, lambda: emb, now=NOW)
    assert again.counts["embedded"] == 0 and again.counts["assigned"] == 0 and again.counts["new_themes"] == 0
    runs = idx.recent_runs(kind="themes")
    assert [r.status for r in runs] == ["ok", "ok", "ok"]


def test_api_themes_and_counts(story: tuple[MentionIndex, TopicEmbedder]) -> None:
    idx, emb = story
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    week = idx.themes("lumio")  # the last 7 days; the brand's name in any case
    assert [(t.volume, t.previous_volume) for t in week] == [(20, 20), (10, 0), (0, 20)]
    dock, noise, price = week
    assert "dock" in dock.gist and "loud" in noise.gist and "price" in price.gist
    assert dock.volume_change == 0 and dock.negative == 20 and dock.msi == 0.0 and dock.previous_msi == 0.0
    assert dock.langs == {"bg": 4, "en": 4, "hy": 4, "sv": 4, "tr": 4}
    assert dock.share == pytest.approx(20 / 30) and price.share == 0.0
    assert len(dock.mentions) == 3 and len({m.lang for m in dock.mentions}) == 3
    assert not price.mentions and noise.msi is None  # neutral only: no MSI
    assert set(dock.terms) == set(LANGS) and dock.first_seen is not None
    frame = week.to_pandas()
    assert list(frame["volume"]) == [20, 10, 0] and "msi_change" in frame.columns
    json.dumps(week.to_dicts())

    month = idx.themes("Lumio", since=(NOW - timedelta(days=20)).date(), until=NOW.date())
    assert sorted(t.volume for t in month) == [10, 20, 40]
    counts = idx.theme_counts("Lumio", since=NOW - timedelta(days=20), until=NOW, by="week")
    assert sum(c.volume for c in counts) == 70
    by_theme = {t.id: t.volume for t in month}
    for tid, vol in by_theme.items():
        assert sum(c.volume for c in counts if c.theme_id == tid) == vol
    split = idx.theme_counts("Lumio", since=NOW - timedelta(days=20), until=NOW, by=None, split_lang=True)
    assert {c.lang for c in split} == set(LANGS) and sum(c.volume for c in split) == 70
    only_hy = idx.theme_counts("Lumio", since=NOW - timedelta(days=20), until=NOW, by=None, lang="hy")
    assert sum(c.volume for c in only_hy) == 14 and only_hy.to_pandas().shape[0] == 3

    with pytest.raises(UnknownBrand):
        idx.themes("Lumo")
    with pytest.raises(InvalidArgument, match="not after"):
        idx.themes("Lumio", since="2026-12-01", until="2026-11-01")
    with pytest.raises(InvalidArgument, match="by="):
        idx.theme_counts("Lumio", by="year")  # type: ignore[arg-type]


def test_retention_drops_vectors_and_assignments(story: tuple[MentionIndex, TopicEmbedder]) -> None:
    idx, emb = story
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    removed = idx.store.apply_retention(5, 90, now=NOW)
    assert removed["mentions"] == 40
    assert len(MentionVectors(idx.engine, emb.version, emb.dim).missing_vectors(100)) == 0
    assert sum(t.volume for t in idx.themes("Lumio", since=NOW - timedelta(days=30), until=NOW)) == 30


def test_query_themes_cli(story: tuple[MentionIndex, TopicEmbedder], tmp_path: Path) -> None:
    idx, emb = story
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    db = ["--db", idx.config.database_url]
    runner = CliRunner()
    since, until = (NOW - timedelta(days=20)).date().isoformat(), NOW.date().isoformat()
    res = runner.invoke(app, ["query", "themes", "--brand", "Lumio", "--since", since, "--until", until, "--json", *db])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert sorted(r["volume"] for r in rows) == [10, 20, 40] and rows[0]["mentions"][0]["text"]
    res = runner.invoke(app, ["query", "themes", "Lumio", "--since", since, "--until", until, *db])
    assert res.exit_code == 0 and "dock" in res.output and "MSI" in res.output
    res = runner.invoke(app, ["query", "themes", *db])
    assert res.exit_code == 2 and "which brand" in res.output
    res = runner.invoke(app, ["query", "themes", "Lumio", "--since", "2020-01-01", "--until", "2020-01-07", *db])
    assert res.exit_code == 0 and "No theme of Lumio" in res.output


class _Neutral:
    """A stand-in model: everything neutral."""

    model_id = "neutral"
    model_version = "1"

    def predict(self, texts: list[str], langs: list[str | None] | None = None) -> list[Prediction]:
        return [Prediction("neutral", 0.1, 0.8, 0.1, "neutral", "1") for _ in texts]

    def info(self) -> dict[str, str]:
        return {"backend": "neutral", "model_id": self.model_id, "model_version": self.model_version}


def test_run_once_embeds_after_scoring_when_given_an_embedder(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    with MentionIndex.open(cfg) as idx:  # type: ignore[arg-type]
        items = [
            Mention(m.external_id, m.text, published_at=m.published_at, lang=m.lang)
            for m in _mentions(("dock", "price"), 4, NOW - timedelta(days=1), "p")
        ]
        idx.add_mentions("Lumio", "forum", items)
        emb = TopicEmbedder()
        res = run_once(cfg, idx=idx, classifier=_Neutral(), embedder=lambda: emb, collect=False, digest="skip", now=NOW)  # type: ignore[arg-type]
        assert [s.name for s in res.steps] == ["score", "themes", "aspects", "refresh"]
        themes = res.step("themes")
        assert themes is not None and themes.counts["embedded"] == 40 and themes.counts["themes"] == 2
        assert themes.details["embedder"] == "topic-fake:1"
        # a stand-in model without an embedder: no themes step (the tests' passes stay model-free)
        res = run_once(cfg, idx=idx, classifier=_Neutral(), collect=False, digest="skip", now=NOW)  # type: ignore[arg-type]
        assert [s.name for s in res.steps] == ["score", "aspects", "refresh"]
    off = config_from_dict({**cfg.model_dump(exclude={"path"}), "themes": {"enabled": False}})  # type: ignore[attr-defined]
    with MentionIndex.open(off) as idx:
        res = run_once(off, idx=idx, classifier=_Neutral(), embedder=lambda: emb, collect=False, digest="skip", now=NOW)
        assert "themes" not in [s.name for s in res.steps]


def test_a_failing_embedder_fails_the_themes_step_only(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)

    def broken() -> TopicEmbedder:
        raise ModelError("no weights here")

    with MentionIndex.open(cfg) as idx:  # type: ignore[arg-type]
        idx.add_mentions("Lumio", "forum", _mentions(("dock",), 1, NOW - timedelta(days=1), "f"))
        res = run_once(cfg, idx=idx, classifier=_Neutral(), embedder=broken, collect=False, digest="skip", now=NOW)  # type: ignore[arg-type]
        step = res.step("themes")
        assert step is not None and step.status == "failed" and "no weights here" in step.errors[0]
        assert res.step("refresh") is not None  # the pass went on
        assert idx.recent_runs(kind="themes")[0].status == "failed"


def test_a_worker_updates_the_themes_in_its_sweep(tmp_path: Path) -> None:
    from monitor._workers import work
    from monitor._workers.runtime import WorkerRuntime

    cfg = _cfg(tmp_path)
    with MentionIndex.open(cfg) as idx:  # type: ignore[arg-type]
        idx.add_mentions("Lumio", "forum", _mentions(("dock", "price"), 4, NOW - timedelta(days=1), "wk"))
    emb = TopicEmbedder()
    stand_in = WorkerRuntime(cfg, classifier_factory=_Neutral)  # type: ignore[arg-type]
    assert work.themes(stand_in) is None  # a stand-in model without an embedder: no themes
    rt = WorkerRuntime(cfg, classifier_factory=_Neutral, embedder_factory=lambda: emb)  # type: ignore[arg-type]
    try:
        out = work.themes(rt)
        assert out is not None and out["status"] == "ok" and out["embedded"] == 40 and out["new_themes"] == 2
        again = work.themes(rt)  # idempotent: a task run twice changes nothing the second time
        assert again is not None and again["embedded"] == 0 and again["assigned"] == 0 and again["themes"] == 2
    finally:
        rt.forget()


def test_the_digest_names_each_quote_s_theme(story: tuple[MentionIndex, TopicEmbedder]) -> None:
    """A quote in any language carries its theme's name: the hint of its topic for a reader
    who does not read that language."""
    from monitor._digest.context import build_digest
    from monitor._digest.render import render_html, render_markdown, render_text

    idx, emb = story
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    day = (NOW - timedelta(days=3)).date()
    d = build_digest(idx, ["Lumio"], day, tz="UTC", now=NOW)
    quotes = [*d.brands[0].most_negative, *d.brands[0].most_positive]
    assert quotes
    names = idx.mention_themes([q.id for q in quotes if q.id is not None])
    assert names and all(q.theme == names.get(q.id) for q in quotes)  # each quote: its own theme
    text, html, md = render_text(d), render_html(d), render_markdown(d)
    for q in quotes:
        if q.theme:
            assert f"    theme: {q.theme}" in text and f"_(theme: {q.theme})_" in md
            assert f'theme “<span dir="auto">{q.theme}</span>”' in html


def test_themes_are_drivers_of_a_move(story: tuple[MentionIndex, TopicEmbedder]) -> None:
    from dataclasses import replace

    idx, emb = story
    praise = [replace(m, label="positive") for m in _mentions(("price",), 4, NOW - timedelta(days=3), "w2p")]
    idx.add_mentions("Lumio", "forum", praise)
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    report = idx.drivers("Lumio", end=NOW.date(), days=7, limit=10)
    assert report.msi_change == pytest.approx(50.0)  # 0 % → 50 %: the price mentions turned positive
    top = report.drivers[0]
    assert top.dimension == "theme" and top.after.positive == 20 and top.before.negative == 20
    assert top.msi_effect == pytest.approx(50.0)
    assert set(top.langs) <= set(LANGS) and len(top.langs) == 3  # its main languages
    assert report.headline().startswith(f"MSI rose 50 points (0 % → 50 %); {top.name}")
