"""What is collected: the brands the team follows and the sources mentions come from."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from monitor._config._fields import Name, Plain, Strict
from monitor._labels import SUPPORTED_LANGUAGES
from monitor._redact import redact_url
from monitor._schedule.spec import parse_schedule

SOURCE_KINDS = (
    "rss",
    "reviews",
    "html",
    "mastodon",
    "reddit",
    "hackernews",
    "bluesky",
    "appstore",
    "youtube",
)


class BrandConfig(Strict):
    """A brand the team follows."""

    name: Name = Field(min_length=1)
    aliases: list[Plain] = Field(default_factory=list)
    exclusions: list[Plain] = Field(default_factory=list)
    query: Plain | None = None
    languages: list[str] = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    #: The brand's own accounts (``u/AcmeSupport``, ``@acme@mastodon.social``, a YouTube
    #: channel id): their replies mark complaints answered, their handles address the brand.
    accounts: list[Plain] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("brand name is empty")
        return v

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, v: list[str]) -> list[str]:
        for lang in v:
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"language {lang!r} is not an ISO 639-1 code like 'sv'")
        return v

    @field_validator("query")
    @classmethod
    def _query_parses(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            from monitor._matching import parse_query
        except ImportError:  # matching module not present yet: accept as-is
            return v
        try:
            parse_query(v)
        except Exception as exc:
            raise ValueError(f"boolean query {v!r} does not parse: {exc}") from exc
        return v


class SourceConfig(Strict):
    """One place mentions are collected from."""

    name: Name = Field(min_length=1)
    kind: str
    brand: Plain | None = None
    url: Plain | None = None
    query: Plain | None = None
    schedule: str = "1h"
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {v!r}; expected one of {', '.join(SOURCE_KINDS)}")
        return v

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, v: str) -> str:
        parse_schedule(v)
        return v

    @field_validator("url")
    @classmethod
    def _valid_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"url {redact_url(v)!r} must be an absolute http(s) URL")
        return v

    @field_validator("options")
    @classmethod
    def _options_fit_kind(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Check ``options`` against the kind's schema; each problem keeps its key path."""
        from monitor._sources.options import option_problems

        problems = option_problems(str(info.data.get("kind", "")), v)
        if problems:
            summary = "; ".join(f"{k}: {m}" if k else m for k, m in problems)
            raise PydanticCustomError("source_options", "{summary}", {"summary": summary, "problems": problems})
        return v

    @model_validator(mode="after")
    def _needs_target(self) -> SourceConfig:
        """What each kind cannot run without, checked at load time rather than at collection."""
        opts = self.options
        problem = None
        if self.kind in ("rss", "reviews", "html", "mastodon") and not self.url:
            problem = f"a {self.kind} source needs url" + (" (the instance)" if self.kind == "mastodon" else "")
        elif self.kind == "html" and not opts.get("item"):
            problem = "an html source needs options.item (the CSS selector of one review)"
        elif self.kind == "appstore" and not (opts.get("app_id") or self.url):
            problem = "an appstore source needs options.app_id"
        elif self.kind == "youtube" and not (opts.get("video_id") or opts.get("channel_id")):
            problem = "a youtube source needs options.video_id or options.channel_id"
        elif self.kind in ("reddit", "hackernews", "bluesky") and not (self.query or self.brand or opts):
            problem = f"a {self.kind} source needs a query (or a brand, whose name is searched)"
        if problem:
            raise ValueError(f"source {self.name!r}: {problem}")
        return self


__all__ = ["SOURCE_KINDS", "BrandConfig", "SourceConfig"]
