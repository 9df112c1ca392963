"""What each source kind accepts in ``[sources.options]``, checked when the config loads.

One pydantic model per kind, keyed by kind in :data:`OPTION_SCHEMAS`, mirroring the
options each ``monitor/_sources/<kind>.py`` documents. Values are strict (TOML has types:
``limit = "many"`` is an error, not a zero), unknown keys are errors that suggest the
closest known one (or list them), regular expressions are compiled and the ``html`` kind's CSS selectors are compiled
with the selector engine that kind uses (selectolax/lexbor), so a bad selector fails the
config instead of every page at fetch time.

:func:`option_problems` is the pure entry point: ``(kind, options)`` in, a list of
``(key path, what is wrong)`` out, empty when the options are good.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor._hints import closest
from monitor._textsafe import control_characters, shown


def _plain(value: str) -> str:
    if control_characters(value):
        raise ValueError("holds a control character")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {shown(value, 60)!r}: {exc}") from None
    return value


@cache
def _selector_probe() -> Any:
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser("<html><body><div></div></body></html>")


def check_css(value: str) -> str:
    """``value`` if selectolax/lexbor (the ``html`` kind's engine) compiles it; else ValueError."""
    if not value:
        return value  # an empty optional selector means "not used"
    try:
        _selector_probe().css_first(value)
    except Exception as exc:  # selectolax raises its own SelectolaxError (and others) for bad CSS
        raise ValueError(f"invalid CSS selector {shown(value, 60)!r}: {exc}") from None
    return value


def _lang(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        raise ValueError(f"{shown(value)!r} is not a language code like 'sv' or 'en-GB'")
    return value


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError(f"{shown(value)!r} is not a two-letter country code like 'se'")
    return value


Text = Annotated[str, AfterValidator(_plain)]
Css = Annotated[str, AfterValidator(_plain), AfterValidator(check_css)]
Regex = Annotated[str, AfterValidator(_plain), AfterValidator(_regex)]
Lang = Annotated[str, AfterValidator(_lang)]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class RssOptions(_Options):
    lang: Lang | None = None


class ReviewsOptions(_Options):
    page_url: Text | None = None
    lang: Lang | None = None

    @field_validator("page_url")
    @classmethod
    def _page_placeholder(cls, v: str | None) -> str | None:
        if v is not None and "{page}" not in v:
            raise ValueError("must hold {page}, where the page number goes")
        return v


class HtmlOptions(_Options):
    item: Css = Field(min_length=1)
    text: Css | None = None
    title: Css | None = None
    author: Css | None = None
    date: Css | None = None
    date_attr: Text | None = None
    date_pattern: Regex | None = None
    date_format: list[Text] | None = None  # one format may be given as a plain string
    rating: Css | None = None
    rating_attr: Text | None = None
    rating_pattern: Regex | None = None
    rating_divisor: float | None = Field(default=None, gt=0)
    rating_scale: list[float] | None = Field(default=None, min_length=2, max_length=2)
    link: Css | None = None
    helpful: Css | None = None
    id_attr: Text | None = None
    next: Css | None = None
    lang: Lang | None = None

    @field_validator("date_format", mode="before")
    @classmethod
    def _one_format(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("rating_scale")
    @classmethod
    def _scale_order(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError("must be [worst, best] with worst < best")
        return v


class MastodonOptions(_Options):
    tag: Text | None = Field(default=None, min_length=1)
    query: Text | None = None
    limit: int = Field(default=40, ge=1, le=40)
    local: bool = False


class RedditOptions(_Options):
    subreddit: Text | None = None
    listing: Literal["search", "new", "comments"] | None = None
    query: Text | None = None
    limit: int = Field(default=100, ge=1, le=100)


class HackerNewsOptions(_Options):
    tags: Text = "(story,comment)"
    hits_per_page: int = Field(default=100, ge=1, le=1000)


class BlueskyOptions(_Options):
    limit: int = Field(default=100, ge=1, le=100)
    lang: Lang | None = None


class AppStoreOptions(_Options):
    app_id: Text | None = None  # a number is accepted too

    @field_validator("app_id", mode="before")
    @classmethod
    def _numeric_id(cls, v: object) -> object:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    country: Annotated[str, AfterValidator(_country)] = "us"
    sort: Literal["mostrecent", "mosthelpful"] = "mostrecent"


class YouTubeOptions(_Options):
    video_id: Text | None = None
    channel_id: Text | None = None
    max_results: int = Field(default=100, ge=1, le=100)


#: The options model of every source kind.
OPTION_SCHEMAS: dict[str, type[_Options]] = {
    "rss": RssOptions,
    "reviews": ReviewsOptions,
    "html": HtmlOptions,
    "mastodon": MastodonOptions,
    "reddit": RedditOptions,
    "hackernews": HackerNewsOptions,
    "bluesky": BlueskyOptions,
    "appstore": AppStoreOptions,
    "youtube": YouTubeOptions,
}

_TYPE_WORDS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "missing": "is required",
}


def _message(err: Mapping[str, Any], model: type[_Options]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(err["loc"][-1]) if err["loc"] else ""
        hint = closest(key, model.model_fields)
        said = repr(shown(key, 60))
        if hint is not None:
            return f"unknown key {said} — did you mean {hint!r}?"
        return f"unknown key {said}; valid keys: {', '.join(model.model_fields)}"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
        "string_too_short": "must not be empty",
        "string_pattern_mismatch": "is not a valid value",
        "too_short": "must have at least {min_length} items",
        "too_long": "must have at most {max_length} items",
    }
    if kind in bounds:
        return bounds[kind].format(**ctx)
    msg = str(err["msg"]).removeprefix("Value error, ")
    return msg.replace("Input should be", "must be")


def _key_path(loc: tuple[int | str, ...]) -> str:
    """``("date_format", "list[str]", 1)`` → ``date_format[1]`` (union members name their type)."""
    if not loc:
        return ""
    key, *rest = loc
    return str(key) + "".join(f"[{p}]" for p in rest if isinstance(p, int))


def option_problems(kind: str, options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with ``options`` for a source of ``kind``: ``[(key path, problem)]``."""
    model = OPTION_SCHEMAS.get(kind)
    if model is None:
        return []
    try:
        model.model_validate(dict(options))
    except ValidationError as exc:
        seen: dict[tuple[str, str], str] = {}
        for err in exc.errors():
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":  # said of the table: "options: unknown key 'x' …"
                seen.setdefault((_key_path(loc[:-1]), str(loc[-1])), _message(err, model))
            else:  # one problem per key (a union's members would each report it)
                seen.setdefault((_key_path(loc), ""), _message(err, model))
        return [(key, msg) for (key, _), msg in seen.items()]
    return []


__all__ = ["OPTION_SCHEMAS", "check_css", "option_problems"]
