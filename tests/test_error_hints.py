"""Errors that point at the fix (issue 15, item 5).

Through the command line (typer's CliRunner): each mistake gets exit code 2 and one line
that names the value, what is wrong, the closest valid value and the valid ones. Through
the API: the same filter checks raise typed errors carrying the suggestion.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from monitor import (
    ConfigError,
    InvalidArgument,
    InvalidLabel,
    MentionIndex,
    UnknownBrand,
    UnknownLanguage,
    UnknownSource,
    load_config,
)
from monitor._cli import _register  # noqa: F401
from monitor._cli.app import app
from monitor._exporter import export_mentions
from monitor._hints import closest, hinted, listing
from monitor._importer import import_file
from monitor._langcodes import ISO_639_1, language_hint

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)

CONFIG = """\
database_url = "sqlite:///monitor.db"

[[brands]]
name = "Dawn"
aliases = ["Dawn"]

[[brands]]
name = "Nike"
aliases = ["Nike"]

[[sources]]
name = "dawn-shop"
kind = "html"
brand = "Dawn"
url = "https://shop.example/dawn"
options = { item = "div.review", text = "p.body" }

[[sources]]
name = "hn"
kind = "hackernews"
query = "dawn"
"""

PAGE = """<html><body>
<div class="review"><p class="body">Bästa diskmedlet jag har köpt</p></div>
<div class="review"><p class="body">Luktar konstigt</p></div>
</body></html>"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (cwd) with monitor.toml and a database holding two mentions."""
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitor.toml").write_text(CONFIG, encoding="utf-8")
    with MentionIndex.open(tmp_path / "monitor.toml") as idx:
        idx.add_mention(
            brand="Dawn", source="dawn-shop", external_id="1", text="Bra diskmedel", lang="sv",
            published_at=NOW, label="positive",
        )  # fmt: skip
        idx.add_mention(
            brand="Dawn", source="hn", external_id="2", text="This soap is bad", lang="en",
            published_at=NOW, label="negative",
        )  # fmt: skip
    return tmp_path


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def one_error(res: Result) -> str:
    """The single error line a refused command printed (exit code 2, nothing on stdout)."""
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


# -- filters: languages, sources, brands -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["query", "satisfaction", "Dawn", "--lang", "swedish"],
            "error: --lang swedish: not a language code; did you mean 'sv'? Languages: hy, sv, tr, bg, en",
        ),
        (
            ["query", "mentions", "Dawn", "--lang", "Svenska"],
            "error: --lang Svenska: not a language code; did you mean 'sv'? Languages: hy, sv, tr, bg, en",
        ),
        (
            ["query", "mentions", "Dawn", "--lang", "en-GB"],
            "error: --lang en-GB: not a language code; did you mean 'en'? Languages: hy, sv, tr, bg, en",
        ),
        (
            ["query", "satisfaction", "Dawn", "--lang", "xx"],
            "error: --lang xx: not a language code. Languages: hy, sv, tr, bg, en",
        ),
        (
            ["query", "satisfaction", "Dawn", "--source", "nosuch"],
            "error: --source nosuch: no source or source kind of that name. "
            "Sources: dawn-shop, hn; kinds: hackernews, html",
        ),
        (
            ["query", "mentions", "Dawn", "--source", "dawn-shopp"],
            "error: --source dawn-shopp: no source or source kind of that name; did you mean 'dawn-shop'? "
            "Sources: dawn-shop, hn; kinds: hackernews, html",
        ),
        (
            ["query", "satisfaction", "Dwan"],
            "error: unknown brand 'Dwan'; did you mean 'Dawn'? Brands: Dawn, Nike",
        ),
        (
            ["query", "compare", "Dawn", "Nkie"],
            "error: unknown brand 'Nkie'; did you mean 'Nike'? Brands: Dawn, Nike",
        ),
        (
            ["query", "alerts", "Adidas"],
            "error: unknown brand 'Adidas'. Brands: Dawn, Nike",
        ),
        (
            ["export", "out.jsonl", "--brand", "Nkie"],
            "error: unknown brand 'Nkie'; did you mean 'Nike'? Brands: Dawn, Nike",
        ),
        (
            ["query", "mentions", "Dawn", "--sentiment", "negatve"],
            "error: --sentiment negatve: expected one of negative, neutral, positive or 'unscored'; "
            "did you mean 'negative'?",
        ),
        (
            ["query", "breakdown", "Dawn", "--by", "language"],
            "error: --by language: expected 'source' or 'lang'; did you mean 'lang'?",
        ),
        (
            ["query", "satisfaction", "Dawn", "--by", "weekly"],
            "error: --by weekly: not a period; did you mean 'week'? Periods: day, week, month, all",
        ),
        (
            ["collect", "--source", "hnn"],
            "error: --source hnn: no source of that name in the config; did you mean 'hn'? Sources: dawn-shop, hn",
        ),
        (
            ["digest", "--brand", "Nkie"],
            "error: unknown brand 'Nkie'; did you mean 'Nike'? Brands: Dawn, Nike",
        ),
        (
            ["collect", "--brand", "Dwn"],
            "error: unknown brand 'Dwn' in the config; did you mean 'Dawn'? Brands: Dawn, Nike",
        ),
    ],
)
def test_a_filter_that_cannot_match_is_one_line_with_the_fix(project: Path, args: list[str], line: str) -> None:
    assert one_error(run(*args)) == line


def test_a_bad_export_brand_leaves_no_file(project: Path) -> None:
    one_error(run("export", "out.jsonl", "--brand", "Nkie"))
    assert not (project / "out.jsonl").exists()


def test_good_filters_still_answer(project: Path) -> None:
    res = run("query", "mentions", "Dawn", "--lang", "SV", "--json")  # any case: the code is stored lower-case
    assert res.exit_code == 0, res.output
    assert [m["text"] for m in json.loads(res.stdout)] == ["Bra diskmedel"]
    res = run("query", "mentions", "Dawn", "--source", "hackernews", "--json")  # a kind
    assert [m["text"] for m in json.loads(res.stdout)] == ["This soap is bad"]
    res = run("query", "satisfaction", "Dawn", "--source", "reddit", "--by", "all", "--json")  # a kind, no data
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["volume"] == 0
    res = run("query", "satisfaction", "Dawn", "--lang", "de", "--by", "all", "--json")  # ISO 639-1, no data
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["volume"] == 0
    res = run("export", "out.jsonl", "--brand", "dawn")  # the brand's stored spelling is used
    assert res.exit_code == 0, res.output
    assert len((project / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_a_long_hint_is_never_wrapped(project: Path) -> None:
    with MentionIndex.open(project / "monitor.toml") as idx:
        for i in range(30):
            idx.add_mention(brand=f"Brand number {i:02}", source="hn", external_id=f"b{i}", text=f"t{i}")
    line = one_error(run("query", "satisfaction", "Brand numbr 07"))
    assert line.startswith("error: unknown brand 'Brand numbr 07'; did you mean 'Brand number 07'? Brands: ")
    assert line.endswith(" and 12 more") and len(line) > 300


def test_the_readme_examples_are_what_users_see(project: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(
        b for b in re.findall(r"^```text\n(.*?)^```", readme, re.S | re.M) if "$ monitor" in b and "\nerror: " in b
    )
    lines = block.splitlines()
    pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)]
    assert len(pairs) == 4
    for command, said in pairs:
        assert command.startswith("$ monitor ")
        assert one_error(run(*shlex.split(command)[2:])) == said


# -- label -----------------------------------------------------------------------------


def test_label_answers_in_the_products_words(project: Path) -> None:
    assert one_error(run("label", "abc", "negative")) == (
        "error: mention id 'abc' is not a number (`monitor query mentions BRAND` lists the ids)"
    )
    assert one_error(run("label", "123", "negative")) == "error: no mention with id 123"
    assert one_error(run("label", "99999999999999999999", "negative")) == (
        "error: no mention with id 99999999999999999999"
    )
    assert one_error(run("label", "1", "negatve")) == (
        "error: label 'negatve': not a label; did you mean 'negative'? Labels: negative, neutral, positive, clear"
    )
    assert one_error(run("label", "1", "great")) == (
        "error: label 'great': not a label. Labels: negative, neutral, positive, clear"
    )
    res = run("label", "1", "Negative")
    assert res.exit_code == 0 and res.stdout.strip() == "Mention 1: label negative"
    res = run("label", "1", "clear")
    assert res.exit_code == 0 and res.stdout.strip() == "Mention 1: manual label cleared"


def test_label_checks_its_arguments_before_opening_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    one_error(run("label", "abc", "negative", "--db", f"sqlite:///{tmp_path / 'x.db'}"))
    one_error(run("label", "1", "bad", "--db", f"sqlite:///{tmp_path / 'x.db'}"))
    assert list(tmp_path.iterdir()) == []


# -- import --brand --------------------------------------------------------------------


def test_import_brand_that_looks_like_a_typo_is_refused(project: Path) -> None:
    (project / "in.csv").write_text("text\nGreat soap\n", encoding="utf-8")
    assert one_error(run("import", "in.csv", "--brand", "Nkie")) == (
        "error: unknown brand 'Nkie'; did you mean 'Nike'? Brands: Dawn, Nike "
        "(to import under a new brand this close to a stored one, add it to [[brands]] in the config first)"
    )
    res = run("import", "in.csv", "--brand", "nike")  # the stored brand, however spelt
    assert res.exit_code == 0, res.output
    res = run("import", "in.csv", "--brand", "Adidas", "--source", "adidas-file")  # a new brand: created
    assert res.exit_code == 0, res.output
    with MentionIndex.open(project / "monitor.toml") as idx:
        assert idx.brands() == ["Adidas", "Dawn", "Nike"]
        assert [m.brand for m in idx.mentions("Nike")] == ["Nike"]


# -- sources parse --source ------------------------------------------------------------


def test_sources_parse_finds_monitor_toml_in_the_current_folder(project: Path, tmp_path: Path) -> None:
    (project / "page.html").write_text(PAGE, encoding="utf-8")
    res = run("sources", "parse", "html", "page.html", "--source", "dawn-shop")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Bästa diskmedlet jag har köpt", "Luktar konstigt"]
    assert rows[0]["url"] is None or rows[0]["url"].startswith("https://shop.example/")
    assert one_error(run("sources", "parse", "html", "page.html", "--source", "dawn-shp")) == (
        "error: --source dawn-shp: no source of that name in the config; did you mean 'dawn-shop'? "
        "Sources: dawn-shop, hn"
    )


def test_sources_parse_follows_monitor_config(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "page.html").write_text(PAGE, encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    line = one_error(run("sources", "parse", "html", "page.html", "--source", "dawn-shop"))
    assert line.startswith("error: no config file found; looked for: --config (not given); $MONITOR_CONFIG (not set); ")
    assert str(elsewhere / "monitor.toml") in line and "`monitor init`" in line
    monkeypatch.setenv("MONITOR_CONFIG", str(project / "monitor.toml"))
    res = run("sources", "parse", "html", "page.html", "--source", "dawn-shop")
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 2


# -- config: unknown keys --------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        (
            '[[brands]]\nname = "Dawn"\n[[brands]]\nname = "Slack"\nalises = ["Slack"]\n',
            "  brands[1] (Slack): unknown key 'alises' — did you mean 'aliases'?",
        ),
        ('databse_url = "sqlite:///x.db"\n', "  (top level): unknown key 'databse_url' — did you mean 'database_url'?"),
        ('[digest]\ntme = "08:00"\n', "  digest: unknown key 'tme' — did you mean 'time'?"),
        ('[http]\ncontcat = "me@example.com"\n', "  http: unknown key 'contcat' — did you mean 'contact'?"),
        ("[model]\nprecison = 'auto'\n", "  model: unknown key 'precison' — did you mean 'precision'?"),
        ("[retention]\nmention_day = 60\n", "  retention: unknown key 'mention_day' — did you mean 'mention_days'?"),
        (
            '[[sources]]\nname = "hn"\nkind = "hackernews"\nquery = "x"\nshedule = "1h"\n',
            "  sources[0] (hn): unknown key 'shedule' — did you mean 'schedule'?",
        ),
        (
            '[[sources]]\nname = "m"\nkind = "mastodon"\nurl = "https://m.example"\noptions = { tga = "dawn" }\n',
            "  sources[0] (m).options: unknown key 'tga' — did you mean 'tag'?",
        ),
        (
            '[[sources]]\nname = "m"\nkind = "mastodon"\nurl = "https://m.example"\noptions = { frobnicate = 1 }\n',
            "  sources[0] (m).options: unknown key 'frobnicate'; valid keys: tag, query, limit, local",
        ),
        (
            '[[sources]]\nname = "m"\nkind = "mastodon"\nurl = "https://m.example"\ntag = "dawn"\n',
            "  sources[0] (m): unknown key 'tag' — it is an option of mastodon sources: "
            "write it as options = { tag = … }",
        ),
        (
            '[index]\ntimezone = "UTC"\nrecipients = ["a@example.com"]\n',
            "  index: unknown key 'recipients' — it belongs in [digest]",
        ),
        (
            '[http]\ncontact = "me@example.com"\ndatabase_url = "sqlite:///x.db"\n',
            "  http: unknown key 'database_url' — a top-level key: move it above the first [table] of the file",
        ),
        (
            '[[brands]]\nname = "Dawn"\n[[brands]]\naliases = ["x"]\n',
            "  brands[1] (the 2nd [[brands]], no name).name: is required",
        ),
    ],
)
def test_an_unknown_config_key_suggests_the_closest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, line: str
) -> None:
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitor.toml").write_text(toml, encoding="utf-8")
    res = run("query", "satisfaction", "Dawn")
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines() == ["error: monitor.toml: invalid configuration", line]
    assert not (tmp_path / "x.db").exists()


def test_every_unknown_key_is_its_own_line(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text('[[sources]]\nname = "m"\nkind = "mastodon"\nurl = "https://m.example"\n'
                 'options = { tga = "x", limt = 5 }\nshedule = "1h"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert str(exc.value).splitlines()[1:] == [
        "  sources[0] (m).options: unknown key 'tga' — did you mean 'tag'?",
        "  sources[0] (m).options: unknown key 'limt' — did you mean 'limit'?",
        "  sources[0] (m): unknown key 'shedule' — did you mean 'schedule'?",
    ]


# -- the API ---------------------------------------------------------------------------


@pytest.fixture
def idx(db_url: str) -> MentionIndex:
    idx = MentionIndex.open(db_url)
    idx.add_mention(brand="Dawn", source="dawn-shop", source_kind="reviews", external_id="1", text="Bra", lang="sv",
                    published_at=NOW, label="positive")  # fmt: skip
    idx.add_mention(brand="Dawn", source="hn", source_kind="hackernews", external_id="2", text="Bad", lang="en",
                    published_at=NOW, label="negative")  # fmt: skip
    idx.add_mention(brand="Nike", source="hn", source_kind="hackernews", external_id="3", text="Sabah", lang="ace",
                    published_at=NOW)  # fmt: skip
    return idx


def test_api_language_filters_are_checked(idx: MentionIndex) -> None:
    for call in (
        lambda: idx.satisfaction("Dawn", lang="swedish"),
        lambda: idx.compare(["Dawn", "Nike"], lang="swedish"),
        lambda: idx.mentions("Dawn", lang="swedish"),
    ):
        with pytest.raises(UnknownLanguage) as exc:
            call()
        e = exc.value
        assert str(e) == "lang='swedish': not a language code; did you mean 'sv'? Languages: hy, sv, tr, bg, en"
        assert (e.argument, e.value, e.suggestion, e.known) == ("lang", "swedish", "sv", ("hy", "sv", "tr", "bg", "en"))
        assert isinstance(e, InvalidArgument) and isinstance(e, ValueError) and isinstance(e, ConfigError)
    assert [m.text for m in idx.mentions("Dawn", lang="SV")] == ["Bra"]
    assert [m.text for m in idx.mentions("Nike", lang="ace")] == ["Sabah"]  # not ISO 639-1, but stored
    assert idx.satisfaction("Dawn", by=None, lang="de")[0].volume == 0  # a real code, no mentions
    with pytest.raises(UnknownLanguage, match=r"^lang='': not a language code\. Languages: "):
        idx.mentions("Dawn", lang="")


def test_api_source_filters_are_checked(idx: MentionIndex) -> None:
    for call in (
        lambda: idx.satisfaction("Dawn", source="dawn-shopp"),
        lambda: idx.compare(["Dawn"], source="dawn-shopp"),
        lambda: idx.mentions("Dawn", source="dawn-shopp"),
    ):
        with pytest.raises(UnknownSource) as exc:
            call()
        e = exc.value
        assert str(e) == (
            "source='dawn-shopp': no source or source kind of that name; did you mean 'dawn-shop'? "
            "Sources: dawn-shop, hn; kinds: hackernews, reviews"
        )
        assert (e.value, e.suggestion, e.known, e.kinds) == (
            "dawn-shopp", "dawn-shop", ("dawn-shop", "hn"), ("hackernews", "reviews")
        )  # fmt: skip
        assert isinstance(e, InvalidArgument) and isinstance(e, LookupError)
    assert [m.text for m in idx.mentions("Dawn", source="reviews")] == ["Bra"]
    assert idx.mentions("Dawn", source="youtube") == []  # a kind the product knows
    with pytest.raises(UnknownSource, match=r"^source='nope': no source of that name\. Sources: dawn-shop, hn$"):
        idx.ratings(source="nope")


def test_api_brands_are_checked_with_a_suggestion(idx: MentionIndex) -> None:
    with pytest.raises(UnknownBrand) as exc:
        idx.satisfaction("Nkie")
    assert str(exc.value) == "unknown brand 'Nkie'; did you mean 'Nike'? Brands: Dawn, Nike"
    assert (exc.value.brand, exc.value.suggestion, exc.value.known) == ("Nkie", "Nike", ("Dawn", "Nike"))
    assert idx.brand("dawn") == "Dawn" and idx.brand("Nike") == "Nike"
    with pytest.raises(UnknownBrand, match="did you mean 'Dawn'"):
        idx.brand("Dwan")
    with pytest.raises(InvalidArgument, match=r"scope='language': expected 'all', 'source' or 'lang'"):
        idx.snapshots("Dawn", scope="language")
    with pytest.raises(InvalidLabel, match=r"sentiment='postive': .*; did you mean 'positive'\?$"):
        idx.mentions("Dawn", sentiment="postive")


def test_an_empty_database_says_so(tmp_path: Path) -> None:
    with MentionIndex.open(f"sqlite:///{tmp_path / 'e.db'}") as empty:
        with pytest.raises(UnknownBrand, match=r"^unknown brand 'Dawn'\. No brand is stored yet\.$"):
            empty.satisfaction("Dawn")
        with pytest.raises(UnknownBrand, match=r"^unknown brand 'Dawn'\. No brand is stored yet\.$"):
            export_mentions(empty, tmp_path / "out.csv", brand="Dawn")
    assert not (tmp_path / "out.csv").exists()


def test_import_file_refuses_a_brand_typo(idx: MentionIndex, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("text\nhej\n", encoding="utf-8")
    with pytest.raises(UnknownBrand, match="did you mean 'Dawn'"):
        import_file(idx, f, brand="Dawm")
    assert import_file(idx, f, brand="DAWN").new == 1
    assert idx.brands() == ["Dawn", "Nike"]


def test_config_lookups_name_the_configured_values(tmp_path: Path) -> None:
    f = tmp_path / "monitor.toml"
    f.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(f)
    with pytest.raises(UnknownSource) as exc:
        cfg.source("hnn")
    assert exc.value.suggestion == "hn" and isinstance(exc.value, ConfigError)
    with pytest.raises(UnknownBrand, match=r"^unknown brand 'Nikee' in the config; did you mean 'Nike'\?"):
        cfg.brand("Nikee")


# -- the hint helpers ------------------------------------------------------------------


def test_language_hints() -> None:
    assert len(ISO_639_1) == 184 and ISO_639_1["hy"] == "Armenian" and ISO_639_1["sv"] == "Swedish"
    cases = {
        "swedish": "sv",
        "Svenska": "sv",
        "swe": "sv",
        "Sweddish": "sv",
        "en_US": "en",
        "en-GB": "en",
        "türkçe": "tr",
        "Turkish": "tr",
        "български": "bg",
        "armenian": "hy",
        "հայերեն": "hy",
        "Bulgarain": "bg",
        "xx": None,
        "klingon": None,
    }
    assert {v: language_hint(v) for v in cases} == cases


def test_hint_helpers() -> None:
    assert closest("alises", ["name", "aliases", "exclusions"]) == "aliases"
    assert closest("NIKE", ["Nike"]) == "Nike" and closest("zzz", ["Nike"]) is None
    assert listing([str(i) for i in range(25)], 3) == "0, 1, 2 and 22 more"
    assert hinted("bad", "x", ("things", ["x", "y"])) == "bad; did you mean 'x'? Things: x, y"
    assert hinted("bad", None, ("things", ["x"]), ("kinds", ["k"])) == "bad. Things: x; kinds: k"
    assert hinted("bad", None, ("things", []), none="Nothing yet.") == "bad. Nothing yet."
    assert hinted("bad", None) == "bad"
