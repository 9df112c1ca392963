"""Field types and checks shared by the configuration models."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict

from monitor._textsafe import control_characters


class Strict(BaseModel):
    """A config section: unknown keys refused, frozen, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _no_controls(value: str) -> str:
    if control_characters(value):
        raise ValueError("holds a control character")
    return value


def _name(value: str) -> str:
    if control_characters(value):
        raise ValueError("name holds a control character")
    return value


#: Text that ends up in headers, file names, logs or terminals: no control characters.
Plain = Annotated[str, AfterValidator(_no_controls)]
Name = Annotated[str, AfterValidator(_name)]


def check_timezone(value: str) -> str:
    """``value`` if it is an IANA timezone name; else ValueError."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r} (use an IANA name like 'Europe/Stockholm')") from exc
    return value


#: The locales the digest writes numbers for (``digest.locale``; monitor/_digest/formats.py has their symbols).
DIGEST_LOCALES = ("en", "sv", "hy", "bg", "tr", "de", "fr", "ru", "es")


def check_locale(value: str) -> str:
    """``value`` if the digest can write numbers for it; else ValueError naming the choices."""
    if value not in DIGEST_LOCALES:
        raise ValueError(f"unknown locale {value!r} (expected one of {', '.join(DIGEST_LOCALES)})")
    return value


__all__ = ["DIGEST_LOCALES", "Name", "Plain", "Strict", "check_locale", "check_timezone"]
