"""Config loading: the example is valid; bad files name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config, parse_schedule
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

    from monitor.config import config_from_dict

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("A real config, walked through", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    cfg = config_from_dict(tomllib.loads(block))
    assert [b.name for b in cfg.brands] == ["Lumio", "Brisa"] and len(cfg.sources) == 3
