"""Aspect tags in a real SQLite workspace: the pipeline step, re-tagging on a config change,
tags gone with their mention, ``MentionIndex.aspects`` against competitors, the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._config import load_config
from monitor._pipeline.aspects import aspects_step
from monitor._records import Mention
from monitor._store.aspects import FINGERPRINT_KEY
from tests.conftest import real_encoder

runner = CliRunner()
NOW = datetime.now(UTC)
BASE = '[[brands]]\nname = "Lumio"\n[[brands]]\nname = "Brisa"\n'


def write_config(tmp_path: Path, url: str, extra: str = "[aspects]\nembedding = false\n") -> Path:
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'database_url = "{url}"\n{BASE}{extra}', encoding="utf-8")
    return cfg


def m(eid: str, text: str, label: str, lang: str, days: float = 0) -> Mention:
    return Mention(eid, text, published_at=NOW - timedelta(days=days), label=label, lang=lang)


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Path:
    """SQLite and PostgreSQL: two brands, tags by keywords only (no model)."""
    cfg = write_config(tmp_path, db_url)
    with MentionIndex.open(str(cfg)) as idx:
        idx.add_mentions(
            "Lumio",
            "shop",
            [
                m("1", "The delivery was two weeks late", "negative", "en"),
                m("2", "Leveransen var försenad och priset för högt", "negative", "sv"),
                m("3", "KARGO çok geç geldi", "negative", "tr"),
                m("4", "Great price!", "positive", "en"),
                m("5", "Love it", "positive", "en"),
                m("old", "Доставката закъсня", "negative", "bg", days=800),
            ],
        )
        idx.add_mentions(
            "Brisa",
            "shop",
            [m("b1", "Fast delivery", "positive", "en"), m("b2", "Առաքումը ուշացավ", "negative", "hy")],
        )
    return cfg


def test_the_step_tags_once_then_only_new_mentions(project: Path) -> None:
    cfg = load_config(project)
    with MentionIndex.open(cfg) as idx:
        first = aspects_step(idx.store, cfg)
        assert first.status == "ok" and first.counts == {"tagged": 8, "with_aspect": 7, "cleared": 0}
        assert idx.store.get_meta(FINGERPRINT_KEY) == cfg.aspects.fingerprint()
        again = aspects_step(idx.store, cfg)
        assert again.counts["tagged"] == 0 and idx.store.count_untagged() == 0
        idx.add_mentions("Lumio", "shop", [m("6", "Appen kraschar hela tiden", "negative", "sv")])
        assert aspects_step(idx.store, cfg).counts == {"tagged": 1, "with_aspect": 1, "cleared": 0}
        ids = {r.external_id: r.id for r in idx.mentions("Lumio", limit=20)}
        tags = idx.mention_aspects([ids["2"], ids["5"], ids["6"]])
        assert tags == {ids["2"]: ["price", "delivery"], ids["5"]: [], ids["6"]: ["app"]}
        runs = idx.recent_runs(kind="aspects")
        assert len(runs) == 3 and runs[0].status == "ok"


def test_figures_per_brand_and_aspect_against_competitors(project: Path) -> None:
    cfg = load_config(project)
    with MentionIndex.open(cfg) as idx:
        aspects_step(idx.store, cfg)
        rows = {(r.brand, r.aspect): r for r in idx.aspects()}
        assert {b for b, _ in rows} == {"Lumio", "Brisa"} and len(rows) == 14  # every configured aspect
        d = rows[("Lumio", "delivery")]  # the 800-day-old mention is outside the 30-day window
        assert (d.volume, d.negative, d.positive, d.msi, d.tagged, d.untagged) == (3, 3, 0, 0.0, 5, 0)
        assert d.share == pytest.approx(3 / 5) and d.low_sample
        assert (d.others_volume, d.others_msi, d.msi_vs_others) == (2, 0.5, -0.5)
        p = rows[("Lumio", "price")]
        assert (p.volume, p.msi, p.others_msi, p.msi_vs_others) == (2, 0.5, None, None)
        assert rows[("Brisa", "delivery")].others_msi == 0.0
        assert rows[("Lumio", "staff")].volume == 0 and rows[("Lumio", "staff")].msi is None
        lumio = idx.aspects("lumio", lang="sv", since=(NOW - timedelta(days=1)).date())
        assert {r.brand for r in lumio} == {"Lumio"}
        assert [(r.aspect, r.volume) for r in lumio if r.volume] == [("price", 1), ("delivery", 1)]
        idx.set_label(idx.mentions("Lumio", limit=1, text="KARGO")[0].id, "positive")  # a person relabels
        assert {(r.brand, r.aspect): r for r in idx.aspects()}[("Lumio", "delivery")].positive == 1
        df = idx.aspects("Lumio").to_pandas()
        assert list(df.columns)[:4] == ["brand", "aspect", "label", "volume"] and len(df) == 7


def test_a_config_change_tags_everything_again_and_tags_go_with_their_mention(
    project: Path, tmp_path: Path, db_url: str
) -> None:
    cfg = load_config(project)
    with MentionIndex.open(cfg) as idx:
        aspects_step(idx.store, cfg)
    changed = load_config(
        write_config(
            tmp_path,
            db_url,
            "[aspects]\nembedding = false\ndisabled = ['delivery']\n"
            "[[aspects.custom]]\nname = 'lateness'\nlabel = 'Late'\nkeywords = { en = ['late'], sv = ['försen*'] }\n",
        )
    )
    with MentionIndex.open(changed) as idx:
        step = aspects_step(idx.store, changed)
        assert step.counts["cleared"] > 0 and step.counts["tagged"] == 8
        rows = {(r.brand, r.aspect): r for r in idx.aspects("Lumio")}
        assert ("Lumio", "delivery") not in rows and rows[("Lumio", "lateness")].volume == 2
        assert rows[("Lumio", "lateness")].label == "Late"
        old = idx.mentions("Lumio", limit=1, text="Доставката")[0].id
        assert idx.mention_aspects([old]) == {old: []}  # tagged with none ('delivery' is off)
        idx.store.apply_retention(730, 90)
        assert idx.store.count_untagged() == 0  # its tag row went with it (ON DELETE CASCADE)


def test_the_step_with_the_real_encoder_finds_aspects_no_keyword_names(tmp_path: Path, sqlite_url: str) -> None:
    cfg = load_config(write_config(tmp_path, sqlite_url, ""))
    with MentionIndex.open(cfg) as idx:
        idx.add_mentions(
            "Lumio",
            "shop",
            [
                m("1", "The guy who brought my order was very late.", "negative", "en"),
                m("2", "Kargo çok geç geldi", "negative", "tr"),
                m("3", "Love it", "positive", "en"),
            ],
        )
        step = aspects_step(idx.store, cfg, embedder=real_encoder)
        assert step.status == "ok" and step.details["embedder"].startswith("e5-small-base")
        ids = {r.external_id: r.id for r in idx.mentions("Lumio", limit=5)}
        assert "delivery" in idx.mention_aspects([ids["1"]])[ids["1"]]  # no delivery keyword in it
        assert idx.mention_aspects([ids["3"]]) == {ids["3"]: []}


FIRST, SECOND = "The guy who brought my order was very late.", "Kargo çok geç geldi"


class Counting:
    """The real encoder, remembering the texts it embeds."""

    def __init__(self) -> None:
        self.inner = real_encoder()
        self.version, self.dim, self.seen = self.inner.version, self.inner.dim, []

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.seen += list(texts)
        return self.inner.embed(texts)

    def mentions_embedded(self) -> list[str]:
        """The mention texts among them (not the aspects' seed phrases)."""
        return [t for t in self.seen if t in (FIRST, SECOND)]


def test_each_mention_is_embedded_once_for_aspects_and_themes(tmp_path: Path, sqlite_url: str) -> None:
    from monitor._pipeline.themes import embed_missing
    from monitor._store.vectors import MentionVectors

    cfg = load_config(write_config(tmp_path, sqlite_url, ""))
    enc = Counting()
    with MentionIndex.open(cfg) as idx:
        idx.add_mentions("Lumio", "shop", [m("1", FIRST, "negative", "en")])
        vectors = MentionVectors(idx.engine, enc.version, enc.dim)
        assert embed_missing(vectors, enc) == 1 and len(enc.mentions_embedded()) == 1  # themes first
        idx.add_mentions("Lumio", "shop", [m("2", SECOND, "negative", "tr")])
        step = aspects_step(idx.store, cfg, embedder=lambda: enc)
        assert step.status == "ok"
        assert enc.mentions_embedded() == [FIRST, SECOND]  # the first read back, the second embedded
        assert embed_missing(vectors, enc) == 0 and len(enc.mentions_embedded()) == 2  # stored for themes
        ids = {r.external_id: r.id for r in idx.mentions("Lumio", limit=5)}
        tags = idx.mention_aspects([ids["1"], ids["2"]])
        assert "delivery" in tags[ids["1"]] and "delivery" in tags[ids["2"]]  # from stored vectors too


def test_a_worker_tags_aspects_in_its_sweep(project: Path, tmp_path: Path, sqlite_url: str) -> None:
    from monitor._workers import work
    from monitor._workers.runtime import WorkerRuntime

    def stand_in() -> None:
        raise AssertionError("tagging never loads the sentiment model")

    rt = WorkerRuntime(load_config(project), classifier_factory=stand_in)  # type: ignore[arg-type]
    try:
        out = work.aspects(rt)  # keywords only (the project's config): no embedder needed
        assert out == {"status": "ok", "tagged": 8, "with_aspect": 7, "cleared": 0, "errors": []}
        again = work.aspects(rt)  # idempotent: run twice, the second changes nothing
        assert again is not None and again["tagged"] == 0
        assert rt.index().recent_runs(kind="aspects")[0].status == "ok"
    finally:
        rt.forget()
    (tmp_path / "e").mkdir()
    embedding = load_config(write_config(tmp_path / "e", sqlite_url, ""))  # embeddings on: the default
    assert embedding.aspects.embedding
    assert work.aspects(WorkerRuntime(embedding, classifier_factory=stand_in)) is None  # type: ignore[arg-type]


def invoke(cfg: Path, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--config", str(cfg)])
    return res.exit_code, res.output


def test_query_aspects_table_json_csv_and_errors(project: Path) -> None:
    code, out = invoke(project, "query", "aspects")
    assert code == 0 and "Every brand: aspects" in out and "7 mention(s) not tagged yet" in out
    cfg = load_config(project)
    with MentionIndex.open(cfg) as idx:
        aspects_step(idx.store, cfg)
    code, out = invoke(project, "query", "aspects", "--brand", "Lumio")
    assert code == 0 and "Delivery" in out and "Customer service" in out and "not tagged" not in out
    code, out = invoke(project, "query", "aspects", "--brand", "Lumio", "--json")
    rows = json.loads(out)
    delivery = next(r for r in rows if r["aspect"] == "delivery")
    assert delivery["volume"] == 3 and delivery["others_msi"] == 0.5 and delivery["msi_vs_others"] == -0.5
    code, out = invoke(project, "query", "aspects", "--csv", "--since", (NOW - timedelta(days=3)).date().isoformat())
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 14 and table[0]["brand"] == "Lumio" and "msi_vs_others" in table[0]
    code, out = invoke(project, "query", "aspects", "--brand", "Lumo")
    assert code == 2 and "did you mean 'Lumio'?" in out
    code, out = invoke(project, "query", "aspects", "--lang", "swedish")
    assert code == 2 and "did you mean 'sv'?" in out
