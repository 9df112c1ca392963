"""``[aspects]``: defaults, the config's own aspects, and bad entries named with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor._config import config_from_dict, load_config
from monitor.errors import ConfigError


def test_defaults_and_own_aspects() -> None:
    cfg = config_from_dict({})
    assert [a.name for a in cfg.aspects.aspects()] == [
        "price", "delivery", "quality", "service", "app", "staff", "availability"
    ]  # fmt: skip
    own = config_from_dict(
        {
            "aspects": {
                "disabled": ["staff"],
                "custom": [
                    {"name": "battery", "keywords": {"en": ["battery"]}, "seeds": {"sv": ["Batteriet dör"]}},
                    {"name": "price", "label": "Pricing", "margin": 0.05},  # a built-in one, relabelled
                ],
            }
        }
    ).aspects
    names = [a.name for a in own.aspects()]
    assert names == ["price", "delivery", "quality", "service", "app", "availability", "battery"]
    price = own.aspects()[0]
    assert price.label == "Pricing" and price.similarity == 0.05 and "fiyat*" in price.keywords["tr"]  # built-in kept
    assert own.aspects()[-1].label == "Battery"
    assert "staff" in [a.name for a in own.reference()]  # switched off, still in the margin's mean
    assert own.fingerprint() != cfg.aspects.fingerprint()
    only = config_from_dict(
        {"aspects": {"defaults": False, "custom": [{"name": "dock", "keywords": {"en": ["dock"]}}]}}
    )
    assert [a.name for a in only.aspects.aspects()] == ["dock"]
    assert config_from_dict({"aspects": {"enabled": False}}).aspects.aspects() == ()


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[aspects]\ndisabled = ['staf']\n", "aspects.disabled: 'staf' is not a built-in aspect"),
        ("[aspects]\ndisabled = ['staf']\n", "did you mean 'staff'?"),
        ("[aspects]\nmargin = 2\n", "aspects.margin: must be less than or equal to 1"),
        ("[aspects]\ncustm = []\n", "aspects: unknown key 'custm' — did you mean 'custom'?"),
        ("[[aspects.custom]]\nname = 'Battery'\nkeywords = {en = ['x']}\n", "aspects.custom[0] (Battery).name"),
        (
            "[[aspects.custom]]\nname = 'battery'\n",
            "aspects.custom[0] (battery): aspect 'battery' needs seeds or keywords",
        ),
        (
            "[[aspects.custom]]\nname = 'battery'\nkeywords = {swedish = ['x']}\n",
            "aspects.custom[0] (battery).keywords: language 'swedish' is not an ISO 639-1 code",
        ),
        (
            "[[aspects.custom]]\nname = 'battery'\nkeywords = {en = ['ok', 'a*b']}\n",
            "keywords: en[1]: keyword 'a*b' may hold '*' only at its end",
        ),
        ("[[aspects.custom]]\nname = 'battery'\nseeds = {en = [' ']}\n", "seeds: en[0]: seed phrase ' ' is empty"),
        ("[[aspects.custom]]\nname = 'battery'\nseed = {en = ['x']}\n", "unknown key 'seed' — did you mean 'seeds'?"),
        (
            "[aspects]\ndisabled = ['price']\n[[aspects.custom]]\nname = 'price'\nkeywords = {en = ['x']}\n",
            "price: both disabled and defined",
        ),
        (
            "[[aspects.custom]]\nname = 'dock'\nkeywords = {en = ['x']}\n"
            "[[aspects.custom]]\nname = 'dock'\nkeywords = {en = ['y']}\n",
            "aspect names repeat in [[aspects.custom]]: dock",
        ),
    ],
)
def test_bad_aspects_name_file_field_and_problem(tmp_path: Path, toml: str, needle: str) -> None:
    f = tmp_path / "monitor.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert str(f) in str(exc.value) and needle in str(exc.value)
