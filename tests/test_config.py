"""Config loading: the example is valid; bad files name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor._config import load_config, parse_schedule
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_example_config_is_valid_and_documents_sections() -> None:
    cfg = load_config(REPO / "config" / "monitor.example.toml")
    assert cfg.index.bar == 0.80 and cfg.index.min_sample == 30
    assert {s.kind for s in cfg.sources} <= {
        "rss",
        "reviews",
        "html",
        "mastodon",
        "reddit",
        "hackernews",
        "bluesky",
        "appstore",
        "youtube",
    }
    text = (REPO / "config" / "monitor.example.toml").read_text(encoding="utf-8")
    for key in ("database_url", "[http]", "[model]", "[index]", "[digest]", "[retention]", "MONITOR_SMTP_PASSWORD"):
        assert key in text


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[index]\nbar = 1.5\n", "index.bar"),
        ("[[sources]]\nname='x'\nkind='myspace'\nurl='https://a.b'\n", "unknown source kind 'myspace'"),
        ("[[sources]]\nname='x'\nkind='rss'\nurl='ftp://a.b'\n", "sources[0] (x).url"),
        ("[[sources]]\nname='x'\nkind='rss'\nurl='https://a.b'\nschedule='sometimes'\n", "schedule"),
        ("[[sources]]\nname='x'\nkind='rss'\nurl='https://a.b'\nbrand='Ghost'\n", "brand 'Ghost'"),
        ("[digest]\ntimezone='Mars/Olympus'\n", "unknown timezone"),
        ("[digest]\ntime='8 o clock'\n", "HH:MM"),
        ("[digest]\nrecipients=['nobody']\n", "not an e-mail"),
        ("[[brands]]\nname='A'\n[[brands]]\nname='a'\n", "brand names repeat"),
        ("typo_key = 1\n", "typo_key"),
        ("[index\n", "not valid TOML"),
        ("[[sources]]\nname='a'\nkind='appstore'\noptions={country='se'}\n", "needs options.app_id"),
        ("[[sources]]\nname='h'\nkind='html'\nurl='https://a.b'\noptions={text='.t'}\n", "options.item"),
        ("[[sources]]\nname='m'\nkind='mastodon'\noptions={tag='x'}\n", "needs url (the instance)"),
        ("[[sources]]\nname='y'\nkind='youtube'\nquery='x'\n", "video_id"),
    ],
)
def test_bad_config_names_file_field_and_problem(tmp_path: Path, toml: str, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert str(f) in str(exc.value)
    assert needle in str(exc.value)


def test_missing_file_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    f = tmp_path / "c.toml"
    f.write_text('database_url = "sqlite:///rel.db"\n', encoding="utf-8")
    assert load_config(f).database_url == f"sqlite:///{tmp_path / 'rel.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql://x@y/z")
    assert load_config(f).database_url == "postgresql://x@y/z"


def test_schedules() -> None:
    assert parse_schedule("30m") == ("interval", 1800)
    assert parse_schedule("0 */2 * * *") == ("cron", "0 */2 * * *")
    with pytest.raises(ValueError):
        parse_schedule("10s")


def test_readme_config_walkthrough_is_valid() -> None:
    import tomllib

    from monitor._config import config_from_dict

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("A real config, walked through", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    cfg = config_from_dict(tomllib.loads(block))
    assert [b.name for b in cfg.brands] == ["Lumio", "Brisa"] and len(cfg.sources) == 3


# --- Item 10: nothing that passes validation may crash later -----------------------------

_RSS = "[[sources]]\nname='r'\nkind='rss'\nurl='https://a.example/feed'\n"
_MASTO = "[[sources]]\nname='masto'\nkind='mastodon'\nurl='https://m.example'\n"
_SHOP = "[[sources]]\nname='shop'\nkind='html'\nurl='https://shop.example/r'\n"


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        (
            _RSS + "schedule='99999999999999d'\n",
            "sources[0] (r).schedule: schedule '99999999999999d' is longer than 366 days",
        ),
        (_RSS + "schedule='367d'\n", "is longer than 366 days"),
        (_RSS + f"schedule='{'9' * 5000}m'\n", "is longer than 366 days"),
        (_RSS + "schedule='0 0 30 2 *'\n", "sources[0] (r).schedule: schedule '0 0 30 2 *' never fires"),
        (_RSS + "schedule='0 0 31 4 *'\n", "never fires"),
        ('database_url = "sqlite:///a\\u0000b.db"\n', "database_url: holds a control character"),
        ("[http]\ntimeout_s = inf\n", "http.timeout_s: must be a finite number"),
        ("[http]\ntimeout_s = nan\n", "http.timeout_s: must be a finite number"),
        ("[http]\nmin_interval_s = -inf\n", "http.min_interval_s"),
        ("[http]\ntimeout_s = 1e300\n", "http.timeout_s: must be less than or equal to 3600"),
        ("[index]\nspike_k = inf\n", "index.spike_k: must be a finite number"),
        ("[model]\nconfidence_threshold = nan\n", "model.confidence_threshold"),
        ("[retention]\nmention_days = 1000000000\n", "retention.mention_days"),
        ('[http]\ncontact = "ops@example.com\\r\\nX-Evil: 1"\n', "http.contact: holds a control character"),
        ('[digest]\nsender = "a@b\\r\\nBcc: x@y"\n', "digest.sender: holds a control character"),
        ('[digest]\nout_dir = "dig\\u0000ests"\n', "digest.out_dir: holds a control character"),
        (_MASTO + "options={tag='x', limit='many'}\n", "sources[0] (masto).options.limit: must be a whole number"),
        (_MASTO + "options={tag='x', limit=1.5}\n", "sources[0] (masto).options.limit: must be a whole number"),
        (_MASTO + "options={tag='x', limit=400}\n", "sources[0] (masto).options.limit: must be at most 40"),
        (_MASTO + "options={tag='x', local='yes'}\n", "options.local: must be true or false"),
        (_MASTO + "options={tga='x'}\n", "(masto).options: unknown key 'tga' — did you mean 'tag'?"),
        (_SHOP + "options={item='div['}\n", "sources[0] (shop).options.item: invalid CSS selector 'div[': "),
        (
            _SHOP + "options={item='div', title='p:nth-child('}\n",
            "sources[0] (shop).options.title: invalid CSS selector",
        ),
        (
            _SHOP + "options={item='div', rating_pattern='(?P<value'}\n",
            "options.rating_pattern: invalid regular expression",
        ),
        (_SHOP + "options={item='div', rating_scale=[5, 1]}\n", "options.rating_scale: must be [worst, best]"),
        (_SHOP + "options={item='div', rating_divisor=inf}\n", "options.rating_divisor: must be a finite number"),
        (_SHOP + "options={item='div', date_format=['%d', 3]}\n", "options.date_format[1]: must be a string"),
        (
            "[[sources]]\nname='h'\nkind='hackernews'\nquery='x'\noptions={hits_per_page='all'}\n",
            "options.hits_per_page",
        ),
        ("[[sources]]\nname='a'\nkind='appstore'\noptions={app_id='1', country='sweden'}\n", "options.country"),
        ("[[sources]]\nname='rd'\nkind='reddit'\nquery='x'\noptions={listing='top'}\n", "options.listing"),
        ("[[sources]]\nname='y'\nkind='youtube'\noptions={video_id='v', max_results=0}\n", "options.max_results"),
        (_RSS + "options={lang='english please'}\n", "options.lang"),
        (
            "[[sources]]\nname='rv'\nkind='reviews'\nurl='https://a.b'\noptions={page_url='https://a.b/p'}\n",
            "options.page_url: must hold {page}",
        ),
        (
            '[[brands]]\nname="Ok"\n[[brands]]\nname="Acme\\r\\nBcc: evil@example.com"\n',
            "brands[1] (Acme\\r\\nBcc: evil@example.com): name holds a control character",
        ),
        ('[[brands]]\nname="Ok"\naliases=["ok\\u001b[2J"]\n', "brands[0] (Ok).aliases[0]: holds a control character"),
        (
            '[[sources]]\nname="feed\\u001b]8;;http://evil\\u001b\\\\"\nkind="rss"\nurl="https://a.b"\n',
            "name holds a control character",
        ),
        (
            '[[sources]]\nname="r"\nkind="rss"\nurl="https://a.b/\\u0000x"\n',
            "sources[0] (r).url: holds a control character",
        ),
    ],
)
def test_config_that_would_crash_later_is_refused_at_load(tmp_path: Path, toml: str, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    message = str(exc.value)
    assert str(f) in message and needle in message
    assert not any(ord(c) < 0x20 and c != "\n" for c in message), "the message itself must be printable"


def test_database_url_password_is_not_shown_in_config_errors(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('database_url = "mysql://u:S3cretPass@h/x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert "database_url" in str(exc.value) and "S3cretPass" not in str(exc.value)


def test_good_options_and_schedules_still_load(tmp_path: Path) -> None:
    f = tmp_path / "ok.toml"
    f.write_text(
        _MASTO
        + "options={tag='x', limit=20, local=true}\nschedule='366d'\n"
        + _SHOP
        + "schedule='0 0 29 2 *'\n[sources.options]\nitem='div.review'\ntext=''\ndate_format='%d %B %Y'\n"
        + "rating_scale=[0, 10]\nrating_divisor=10\n"
        + "[[sources]]\nname='a'\nkind='appstore'\noptions={app_id=284815942, country='se'}\n",
        encoding="utf-8",
    )
    cfg = load_config(f)
    assert [s.name for s in cfg.sources] == ["masto", "shop", "a"]
    assert cfg.sources[0].options == {"tag": "x", "limit": 20, "local": True}  # stored as written


@pytest.mark.parametrize(
    "path",
    [*sorted((REPO / "config").glob("*.toml")), REPO / "monitor" / "data" / "monitor.example.toml"],
    ids=lambda p: p.name,
)
def test_every_shipped_example_config_loads_and_schedules(path: Path) -> None:
    from monitor._schedule import job_specs

    cfg = load_config(path)
    assert job_specs(cfg)  # schedules turn into triggers without overflowing


def test_option_schemas_cover_every_documented_option() -> None:
    import importlib
    import re

    from monitor._config import SOURCE_KINDS
    from monitor._sources.options import OPTION_SCHEMAS

    assert set(OPTION_SCHEMAS) == set(SOURCE_KINDS)
    for kind, model in OPTION_SCHEMAS.items():
        doc = importlib.import_module(f"monitor._sources.{kind}").__doc__ or ""
        documented = set(re.findall(r"``([a-z_]+)``", doc.split("Options", 1)[1])) - {"url", "best", "value", "href"}
        assert documented <= set(model.model_fields), (kind, documented - set(model.model_fields))
