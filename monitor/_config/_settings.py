"""How the product runs: HTTP politeness, the model, the index, the digest and retention."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, get_args

from pydantic import Field, field_validator

from monitor._complaints import parse_duration
from monitor._config._fields import Plain, Strict, check_locale, check_timezone
from monitor._dates import parse_clock

#: Retention beyond a century is "for ever" and would overflow date arithmetic.
MAX_RETENTION_DAYS = 36_500


class HttpConfig(Strict):
    """Politeness and limits of the shared HTTP layer."""

    contact: Plain = ""
    concurrency_per_host: int = Field(default=2, ge=1, le=32)
    min_interval_s: float = Field(default=1.0, ge=0, le=3600)
    timeout_s: float = Field(default=20.0, gt=0, le=3600)
    max_bytes: int = Field(default=5_000_000, ge=1024, le=1_000_000_000)
    retries: int = Field(default=3, ge=0, le=10)
    respect_robots: bool = True
    proxy: Plain | None = None
    max_pages: int = Field(default=10, ge=1, le=10_000)
    #: Collector processes; the sources of one host always share a process (politeness).
    workers: int = Field(default=1, ge=1, le=32)
    #: Fetch from private, loopback, link-local and reserved addresses. Off by default: a
    #: configured URL or a redirect that resolves to one is refused (server-side request
    #: forgery). Turn it on only for a server on your own network, such as the demo's.
    allow_private_addresses: bool = False


Precision = Literal["auto", "fp32", "bf16", "int8", "onnx-fp32", "onnx-int8"]
PRECISIONS: tuple[str, ...] = get_args(Precision)


class ModelConfig(Strict):
    """Which sentiment model scores mentions, and how."""

    backend: Literal["embedded", "hf"] = "embedded"
    name: Plain = "mm-e5-small-sentiment"
    path: Plain | None = None
    label_map: dict[str, str] = Field(default_factory=dict)
    threads: int = Field(default=2, ge=1, le=64)
    batch_size: int = Field(default=32, ge=1, le=1024)
    precision: Precision = "auto"
    confidence_threshold: float = Field(default=0.0, ge=0.0, le=1.0)


class IndexConfig(Strict):
    """Index definitions' parameters."""

    bar: float = Field(default=0.80, gt=0.0, lt=1.0)
    min_sample: int = Field(default=30, ge=1, le=1_000_000_000)
    spike_k: float = Field(default=3.0, gt=0.0, le=1000.0)
    timezone: str = "UTC"
    #: A rated mention's label follows its stars (after a person's and an imported label,
    #: before the model); off: only reviews without words take their stars' label.
    label_from_rating: bool = True
    #: Alert when the model's agreement with the stars over the last 7 days is this much
    #: (a fraction: 0.15 = 15 points) below the 30 days before, per language or source …
    agreement_drop: float = Field(default=0.15, gt=0.0, lt=1.0)
    #: … with at least this many rated mentions scored by the model in each of the two windows.
    agreement_min_sample: int = Field(default=30, ge=1, le=1_000_000_000)

    _tz = field_validator("timezone")(classmethod(lambda cls, v: check_timezone(v)))


class DigestConfig(Strict):
    """When, how and to whom the daily digest goes."""

    time: str = "08:00"
    #: Times in the digest are shown in this timezone; its figures cover a calendar day of
    #: ``index.timezone`` (set both alike unless the team reads from elsewhere).
    timezone: str = "UTC"
    #: How the digest writes numbers (decimal mark, digit grouping): en, sv, hy, bg, tr, de, fr, ru, es.
    locale: str = "en"
    recipients: list[Plain] = Field(default_factory=list)
    delivery: list[Literal["file", "smtp", "webhook"]] = Field(default_factory=lambda: ["file"])  # type: ignore[arg-type]
    out_dir: Plain = "digests"
    markdown: bool = False
    sender: Plain = "mention-monitor@localhost"
    smtp_host: Plain = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"

    _tz = field_validator("timezone")(classmethod(lambda cls, v: check_timezone(v)))
    _locale = field_validator("locale")(classmethod(lambda cls, v: check_locale(v)))

    @field_validator("time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            parse_clock(v)
        except ValueError as exc:
            raise ValueError(f"time {v!r} must be HH:MM (24-hour)") from exc
        return v

    @field_validator("recipients")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for addr in v:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", addr):
                raise ValueError(f"recipient {addr!r} is not an e-mail address")
        return v

    @property
    def local_time(self) -> dt.time:
        return parse_clock(self.time)


class ComplaintsConfig(Strict):
    """Complaints awaiting an answer: how soon an answer is due."""

    #: The answer target (``"3d"``, ``"36h"``, ``"90m"``, ``"1w"``): answered within it is "in time".
    answer_within: str = "3d"

    @field_validator("answer_within")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @property
    def target(self) -> dt.timedelta:
        """:attr:`answer_within` as a timedelta."""
        return parse_duration(self.answer_within)


class ThemesConfig(Strict):
    """Themes: each mention's sentence vector (after scoring) and the brands' themes."""

    #: Embed new mentions and update the themes in every pass (``false``: neither).
    enabled: bool = True
    #: The days of mentions an update clusters and that keep a theme's centroid current.
    window_days: int = Field(default=30, ge=1, le=366)


class RetentionConfig(Strict):
    """How long raw mention text is kept (index snapshots are kept for ever)."""

    mention_days: int = Field(default=730, ge=30, le=MAX_RETENTION_DAYS)  # alerts need the last 8 days raw
    run_days: int = Field(default=90, ge=1, le=MAX_RETENTION_DAYS)


__all__ = [
    "MAX_RETENTION_DAYS",
    "PRECISIONS",
    "ComplaintsConfig",
    "DigestConfig",
    "HttpConfig",
    "IndexConfig",
    "ModelConfig",
    "Precision",
    "RetentionConfig",
    "ThemesConfig",
]
