"""Every table the CLI prints fits 100 columns on purpose: dates whole, names whole or
middle-ellipsised, only long text wraps or is clipped; ``--csv``/``--json`` carry the
API's figures exactly."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._cli.progress import progress_columns
from monitor._cli.tables import clip, demo_table, middle_ellipsis, short_date, short_time
from monitor._config import load_config
from monitor._csvcells import restore

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

runner = CliRunner()
WIDTH = 100
BRAND = "Acme Intergalactic Consumer Electronics Holding AB"
RIVAL = "Rival Brand With An Extraordinarily Long Name Ltd"
WIDE = "東京電力ホールディングス株式会社 Consumer"  # two cells per CJK character
SHOP = "trustpilot-reviews-of-acme-intergalactic-sweden-and-norway"
SOCIAL = "mastodon-social-search-for-acme-intergalactic-consumer-electronics"
AUTHOR = "A reviewer with a remarkably long display name, verified buyer"
TEXT = "Snabb leverans och bra kvalitet, men se https://example.com/" + "x" * 90 + " " + "ord " * 60
REASON = "HTTP 403 from https://reviews.example.com/acme after 3 retries: the site refused us (a bot wall page)"
#: A date or time cut short: "2026…", "2026-11…", "2026-11-03T0…", "2026-11-03T09:00:00+0…".
CUT_DATE = re.compile(r"\b\d{4}(-\d{1,2}){0,2}([ T]\d{1,2}(:\d{0,2}){0,2}([+-]\d{0,2}(:\d{0,2})?)?)?…")
#: A time as every table, the log and the digest show it: ISO 8601 with its offset.
STAMP = r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"


@dataclass
class Db:
    config: Path
    tmp: Path

    def index(self) -> MentionIndex:
        return MentionIndex.open(self.config)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Db]:
    """A database with long brand, source and author names, runs, a blocked source and jobs."""
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f"""
database_url = "sqlite:///{tmp_path / "m.db"}"
[index]
timezone = "Europe/Stockholm"
[digest]
timezone = "Europe/Stockholm"
out_dir = "{tmp_path / "digests"}"
[[brands]]
name = "{BRAND}"
[[brands]]
name = "{RIVAL}"
[[brands]]
name = "{WIDE}"
[[sources]]
name = "{SHOP}"
kind = "reviews"
brand = "{BRAND}"
url = "https://reviews.example.com/acme"
schedule = "*/20 7-22 * * *"
[[sources]]
name = "{SOCIAL}"
kind = "mastodon"
url = "https://mastodon.example"
options = {{ tag = "acme" }}
schedule = "30m"
""",
        encoding="utf-8",
    )
    now = datetime.now(UTC).replace(microsecond=0)
    with MentionIndex.open(cfg) as idx:
        for i in range(60):
            idx.add_mention(
                brand=BRAND,
                source=SHOP,
                external_id=f"r{i}",
                text=f"{i} {TEXT}",
                lang="sv",
                published_at=now - timedelta(hours=11 * i + 1),
                rating=1 + i % 5,
                rating_scale=(1, 5),
                label=("positive", "neutral", "negative")[i % 3],
                author=AUTHOR,
            )
        for i in range(30):  # a bad day: the alerts fire
            idx.add_mention(
                brand=BRAND, source=SOCIAL, external_id=f"s{i}", text=f"broken {i}", lang="en", label="negative"
            )
        for brand in (RIVAL, WIDE):
            for i in range(12):
                idx.add_mention(
                    brand=brand,
                    source=SOCIAL,
                    external_id=f"{brand}{i}",
                    text=f"{brand} {i}",
                    lang="en",
                    published_at=now - timedelta(days=i),
                    label="positive" if i % 4 else "negative",
                )
        run = idx.store.start_run("collect")
        idx.store.finish_run(run, "failed", {"new": 90, "duplicate": 3, "pages": 12, "status": "failed"}, [REASON] * 3)
        idx.store.record_source_result(SHOP, "blocked", REASON)
        _register_jobs(idx, cfg)
    yield Db(cfg, tmp_path)


def _register_jobs(idx: MentionIndex, cfg: Path) -> None:
    from monitor import _schedule as sch

    sched = sch.make_scheduler(idx.engine, owner="test", timezone_name="Europe/Stockholm")
    sched.open()
    sch.sync_jobs(sched, load_config(cfg))
    sched.shutdown()
    leases = sch.Leases(idx.engine)
    at = datetime.now(UTC) - timedelta(minutes=5)
    assert leases.claim(f"collect:{SHOP}", at, at)
    leases.release(f"collect:{SHOP}", at, "done", at)


def _run(*args: str, columns: str | None = str(WIDTH)) -> str:
    res = runner.invoke(app, list(args), env={"COLUMNS": columns})
    assert res.exit_code == 0, res.output
    return res.stdout


def _fits(out: str, width: int = WIDTH) -> list[str]:
    lines = out.splitlines()
    assert lines, "nothing printed"
    too_long = [ln for ln in lines if cell_len(ln) > width]
    assert not too_long, f"{len(too_long)} line(s) over {width} columns:\n" + "\n".join(too_long)
    assert not CUT_DATE.search(out), f"a date is cut: {CUT_DATE.search(out)}"
    return lines


def _name_shown(name: str, limit: int, out: str) -> None:
    shown = middle_ellipsis(name, limit)
    assert shown in out, f"{name!r} shown neither whole nor as {shown!r}"


# -- the helpers ------------------------------------------------------------------------


def test_middle_ellipsis_keeps_both_ends_and_counts_cells() -> None:
    assert middle_ellipsis("short", 24) == "short"
    cut = middle_ellipsis(SHOP, 20)
    assert cut == "trustpilot…nd-norway" and cell_len(cut) == 20
    wide = middle_ellipsis(WIDE, 16)
    assert cell_len(wide) <= 16 and wide.startswith("東京") and wide.endswith("umer") and "…" in wide


def test_clip_cuts_at_a_word_with_an_ellipsis() -> None:
    assert clip("short text", 140) == "short text"
    cut = clip("word " * 100, 140)
    assert len(cut) <= 140 and cut.endswith("word…")
    assert clip("x" * 300, 140) == "x" * 139 + "…"


def test_dates_and_times_are_short_iso_in_the_given_zone() -> None:
    from zoneinfo import ZoneInfo

    sthlm = ZoneInfo("Europe/Stockholm")
    assert short_date("2026-11-03") == short_date(date(2026, 11, 3)) == "2026-11-03"
    assert short_time("2026-11-03T23:30:00+00:00", sthlm) == "2026-11-04T00:30:00+01:00"
    assert short_time(datetime(2026, 11, 3, 23, 30), sthlm) == "2026-11-04T00:30:00+01:00"  # naive is UTC
    assert short_time(datetime(2026, 7, 3, 23, 30, 5, 999, tzinfo=UTC), sthlm) == "2026-07-04T01:30:05+02:00"
    assert short_time(datetime(2026, 11, 3, 23, 30, tzinfo=UTC)) == "2026-11-03T23:30:00+00:00"
    assert short_date(datetime(2026, 11, 3, 23, 30, tzinfo=UTC), sthlm) == "2026-11-04"
    assert short_time(None) == "—" and short_time("paused") == "paused"


# -- every table at 100 columns ---------------------------------------------------------


def test_satisfaction_table_shows_every_date_whole(db: Db) -> None:
    with db.index() as idx:
        pts = idx.satisfaction(BRAND)
    out = _run("query", "satisfaction", BRAND, "--config", str(db.config))
    lines = _fits(out)
    for p in pts:
        [row] = [ln for ln in lines if ln.startswith(p.period_start.isoformat())]
        assert f" {p.volume} " in row
        if p.msi is not None:
            assert f"{p.msi:.3f}" in row and f"{p.msi_low:.3f}–{p.msi_high:.3f}" in row
    assert BRAND in out  # the title wraps; it is not cut


@pytest.mark.parametrize("by", ["week", "month", "all"])
def test_satisfaction_other_periods_fit(db: Db, by: str) -> None:
    _fits(_run("query", "satisfaction", BRAND, "--by", by, "--config", str(db.config)))


@pytest.mark.parametrize("by", ["source", "lang"])
def test_breakdown_table_fits(db: Db, by: str) -> None:
    out = _run("query", "breakdown", BRAND, "--by", by, "--config", str(db.config))
    lines = _fits(out)
    assert any(ln.startswith("sv ") for ln in lines) if by == "lang" else "reviews" in out


def test_compare_table_keeps_brand_names_whole(db: Db) -> None:
    out = _run("query", "compare", BRAND, RIVAL, WIDE, "--config", str(db.config))
    _fits(out)
    flat = " ".join(out.split())  # long names wrap onto more lines, whole
    for word in (*BRAND.split(), *RIVAL.split()):
        assert word in flat


def test_mentions_table_keeps_times_whole_and_clips_text(db: Db) -> None:
    out = _run("query", "mentions", BRAND, "--limit", "5", "--source", SHOP, "--config", str(db.config))
    lines = _fits(out)
    assert "times in Europe/Stockholm" in " ".join(out.split())
    stamps = re.findall(STAMP, out)
    assert len(stamps) == 5
    _name_shown(SHOP, 20, out)
    assert "Snabb leverans" in out and "A reviewer" in out and "…" in out  # clipped, not dropped
    assert len(lines) < 5 * 12  # at most a dozen lines a mention


def test_sources_list_and_status_fit(db: Db) -> None:
    out = _run("sources", "list", "--config", str(db.config))
    _fits(out)
    _name_shown(SHOP, 20, out)
    assert "blocked" in out and "bot wall" in " ".join(out.split())
    out = _run("status", "--config", str(db.config))
    _fits(out)
    _name_shown(f"collect:{SHOP}", 20, out)
    assert "*/20 7-22 * * *" in " ".join(out.split()) or "*/20 7-22" in out
    times = re.findall(STAMP, out)
    assert len(times) >= 3 + 1 + 1  # next runs of every job, a last run, a run's start
    assert "failed" in out and "403" in out


def test_tables_default_to_100_columns_off_a_terminal(db: Db) -> None:
    out = _run("query", "satisfaction", BRAND, "--config", str(db.config), columns=None)
    lines = _fits(out)
    assert max(cell_len(ln) for ln in lines) > 80  # not rich's 80-column default, which cut the dates


def test_demo_table_fits() -> None:
    row = {
        "brand": WIDE + " and more words",
        "mentions": 123456,
        "languages": {"hy": 1234, "sv": 23456, "tr": 3456, "bg": 456, "en": 56789},
        "unscored": 12345,
        "msi_today": 0.5,
        "low_sample_today": True,
        "msi_7d": 0.61,
        "msi_30d": None,
        "alerts": 3,
    }
    console = Console(width=WIDTH, file=io.StringIO(), record=True)
    console.print(demo_table([row, {**row, "brand": "Lumio"}]))
    out = console.export_text()
    _fits(out)
    assert "123456" in out and "56789" in out and "50 %*" in out


def test_progress_display_keeps_source_names(db: Db) -> None:
    from monitor._cli.collect_cmds import _RichProgress
    from monitor._collect.reports import SourceReport

    cfg = load_config(db.config)
    names = [s.name for s in cfg.sources] + ["hn"]
    console = Console(width=WIDTH, file=io.StringIO(), record=True)
    prog = Progress(*progress_columns(names), console=console, auto_refresh=False)
    sink = _RichProgress(prog)
    for src in cfg.sources:
        sink.source_started(src)
        report = SourceReport(src.name, src.kind)
        report.status, report.reason, report.new, report.pages = "partial", REASON, 1234, 7
        sink.source_done(src, report)
    console.print(prog.make_tasks_table(prog.tasks))
    out = console.export_text()
    _fits(out)
    for src in cfg.sources:
        _name_shown(src.name, 24, out)
        assert f"({src.kind})" in out
    assert "1234 new" in " ".join(out.split())


def test_collect_table_fits_and_names_each_reason(tmp_path: Path) -> None:
    long = "a-very-long-source-name-for-the-acme-intergalactic-feed-sweden"
    with LocalServer() as server:
        server.routes["/gone"] = lambda h: Reply(403, "<html>Forbidden</html>")
        cfg = tmp_path / "monitor.toml"
        cfg.write_text(
            f"""
database_url = "sqlite:///{tmp_path / "m.db"}"
[http]
contact = "ops@example.com"
min_interval_s = 0
allow_private_addresses = true
retries = 0
[[brands]]
name = "{BRAND}"
[[sources]]
name = "{long}"
kind = "rss"
url = "{server.url("/gone")}"
""",
            encoding="utf-8",
        )
        res = runner.invoke(app, ["collect", "--config", str(cfg)], env={"COLUMNS": str(WIDTH)})
    assert res.exit_code == 1, res.output  # blocked
    _fits(res.stdout)
    _name_shown(long, 20, res.stdout)
    assert f"{long}: " in res.stdout and "403" in res.stdout  # the reason, under the full name


# -- --csv and --json: the API's figures, exactly ---------------------------------------


def _csv_matches(out: str, expected: list[dict[str, Any]]) -> None:
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert set(got) == set(want)
        for k, v in want.items():
            cell = got[k]
            if v is None:
                assert cell == "", k
            elif isinstance(v, bool):
                assert cell == str(v), k
            elif isinstance(v, (int, float)):
                assert float(cell) == v, (k, cell, v)  # full precision
            elif isinstance(v, (list, dict)):
                assert json.loads(cell) == v, k
            else:
                assert restore(cell) == v, k


def _api_rows(db: Db, what: str) -> list[dict[str, Any]]:
    with db.index() as idx:
        if what == "satisfaction":
            return idx.satisfaction(BRAND, by="week").to_dicts()
        if what == "breakdown":
            return idx.breakdown(BRAND, by="lang").to_dicts()
        if what == "compare":
            return idx.compare([BRAND, RIVAL, WIDE]).to_dicts()
        if what == "mentions":
            return idx.mentions(BRAND, limit=20).to_dicts()
        return idx.alerts(BRAND).to_dicts()


QUERIES = {
    "satisfaction": ["query", "satisfaction", BRAND, "--by", "week"],
    "breakdown": ["query", "breakdown", BRAND, "--by", "lang"],
    "compare": ["query", "compare", BRAND, RIVAL, WIDE],
    "mentions": ["query", "mentions", BRAND, "--limit", "20"],
    "alerts": ["query", "alerts", BRAND],
}


@pytest.mark.parametrize("what", list(QUERIES))
def test_json_and_csv_carry_the_api_figures(db: Db, what: str) -> None:
    expected = _api_rows(db, what)
    assert expected, f"the fixture gives {what} nothing to show"
    args = [*QUERIES[what], "--config", str(db.config)]
    assert json.loads(_run(*args, "--json")) == expected
    _csv_matches(_run(*args, "--csv"), expected)
    if what != "alerts":
        _fits(_run(*args))


def test_every_query_command_has_csv_and_json() -> None:
    import typer.main

    query = typer.main.get_command(app).commands["query"]  # type: ignore[attr-defined]
    for name, cmd in query.commands.items():
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert {"--csv", "--json"} <= opts, f"`monitor query {name}` lacks --csv or --json"


def test_json_and_csv_together_is_a_usage_error(db: Db) -> None:
    res = runner.invoke(app, ["query", "compare", BRAND, "--json", "--csv", "--config", str(db.config)])
    assert res.exit_code == 2 and "choose one" in res.output


def test_sources_list_csv_and_json(db: Db) -> None:
    with db.index() as idx:
        expected = [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in dict(r).items()}
            for r in map(_as_dict, idx.sources_overview())
        ]
    cols = {"name", "kind", "brand", "status", "last_success_at", "last_error", "blocked_reason"}
    got = json.loads(_run("sources", "list", "--json", "--config", str(db.config)))
    assert got == expected
    _csv_matches(
        _run("sources", "list", "--csv", "--config", str(db.config)),
        [{k: v for k, v in r.items() if k in cols} for r in expected],
    )


def _as_dict(row: Any) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    return asdict(row) if is_dataclass(row) else dict(row)


def test_model_cache_table_folds_long_folders_whole(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    long = "mm-e5-small-sentiment-0123456789abcdef0123456789abcdef-onnx-fp32-avx2-and-more"
    (cache / "onnx" / long).mkdir(parents=True)
    (cache / "onnx" / long / "model.onnx").write_bytes(b"\0" * 1000)
    res = runner.invoke(app, ["model", "cache"], env={"COLUMNS": str(WIDTH), "MONITOR_CACHE_DIR": str(cache)})
    assert res.exit_code == 0, res.output
    lines = _fits(res.stdout)
    [header] = [ln for ln in lines if ln.startswith("kind ")]
    start, end = header.index("folder"), header.index(" MB") - 2  # the column's cells ("0.0" is 3 wide)
    body = lines[lines.index(header) + 2 : -1]
    assert "".join(ln[start:end].strip() for ln in body) == f"onnx/{long}"  # folded over lines, never cut
