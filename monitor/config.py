"""Configuration: one TOML file validated into pydantic models.

Secrets (SMTP password, API keys, tokens, webhook URLs) never live in the file: they come
from the environment through :class:`Secrets` (pydantic-settings, prefix ``MONITOR_``), and
``MONITOR_DATABASE_URL`` overrides the file's database URL.

Everything that would fail later is refused at load, naming the file, the field (a list
item by index and name: ``sources[2] (shop).options.item``) and the problem: numbers are
finite and within sane ranges, schedules are at most :data:`MAX_INTERVAL_DAYS` days apart
and cron expressions must fire at least once, names, URLs and paths hold no control
characters, and each source's ``options`` match its kind's schema
(:mod:`monitor.sources.options`, CSS selectors and regular expressions compiled).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError
from monitor.labels import SUPPORTED_LANGUAGES
from monitor.redact import redact_text, redact_url
from monitor.schedule.spec import MAX_INTERVAL_DAYS, parse_schedule
from monitor.textsafe import control_characters, shown

DEFAULT_DATABASE_URL = "sqlite:///monitor.db"
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
#: Retention beyond a century is "for ever" and would overflow date arithmetic.
MAX_RETENTION_DAYS = 36_500


class _Strict(BaseModel):
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


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r} (use an IANA name like 'Europe/Stockholm')") from exc
    return value


class BrandConfig(_Strict):
    """A brand the team follows."""

    name: Name = Field(min_length=1)
    aliases: list[Plain] = Field(default_factory=list)
    exclusions: list[Plain] = Field(default_factory=list)
    query: Plain | None = None
    languages: list[str] = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))

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
            from monitor.matching import parse_query
        except ImportError:  # matching module not present yet: accept as-is
            return v
        try:
            parse_query(v)
        except Exception as exc:
            raise ValueError(f"boolean query {v!r} does not parse: {exc}") from exc
        return v


class SourceConfig(_Strict):
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
        from monitor.sources.options import option_problems

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


class HttpConfig(_Strict):
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


class ModelConfig(_Strict):
    """Which sentiment model scores mentions, and how."""

    backend: Literal["embedded", "hf"] = "embedded"
    name: Plain = "mm-e5-small-sentiment"
    path: Plain | None = None
    label_map: dict[str, str] = Field(default_factory=dict)
    threads: int = Field(default=2, ge=1, le=64)
    batch_size: int = Field(default=32, ge=1, le=1024)
    precision: Precision = "auto"
    confidence_threshold: float = Field(default=0.0, ge=0.0, le=1.0)


class IndexConfig(_Strict):
    """Index definitions' parameters."""

    bar: float = Field(default=0.80, gt=0.0, lt=1.0)
    min_sample: int = Field(default=30, ge=1, le=1_000_000_000)
    spike_k: float = Field(default=3.0, gt=0.0, le=1000.0)
    timezone: str = "UTC"

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))


class DigestConfig(_Strict):
    """When, how and to whom the daily digest goes."""

    time: str = "08:00"
    timezone: str = "UTC"
    recipients: list[Plain] = Field(default_factory=list)
    delivery: list[Literal["file", "smtp", "webhook"]] = Field(default_factory=lambda: ["file"])  # type: ignore[arg-type]
    out_dir: Plain = "digests"
    markdown: bool = False
    sender: Plain = "mention-monitor@localhost"
    smtp_host: Plain = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            dt.time.fromisoformat(v)
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
        return dt.time.fromisoformat(self.time)


class RetentionConfig(_Strict):
    """How long raw mention text is kept (index snapshots are kept for ever)."""

    mention_days: int = Field(default=730, ge=30, le=MAX_RETENTION_DAYS)  # alerts need the last 8 days raw
    run_days: int = Field(default=90, ge=1, le=MAX_RETENTION_DAYS)


def check_database_url(url: str) -> str:
    """``url`` if it is a SQLite or PostgreSQL URL without control characters; else ValueError.

    The message shows the URL with its password masked.
    """
    if control_characters(url):
        raise ValueError("holds a control character")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme not in ("sqlite", "postgresql"):
        raise ValueError(
            f"{redact_url(url)!r} is not a database URL this product supports "
            "(sqlite:///file.db or postgresql://user@host/db)"
        )
    return url


class Config(_Strict):
    """The whole configuration file."""

    database_url: str = DEFAULT_DATABASE_URL
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    http: HttpConfig = Field(default_factory=HttpConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, v: str) -> str:
        return check_database_url(v)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        names = [b.name.casefold() for b in self.brands]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"brand names repeat: {', '.join(sorted(dup))}")
        snames = [s.name for s in self.sources]
        sdup = {n for n in snames if snames.count(n) > 1}
        if sdup:
            raise ValueError(f"source names repeat: {', '.join(sorted(sdup))}")
        known = {b.name for b in self.brands}
        for s in self.sources:
            if s.brand is not None and s.brand not in known:
                raise ValueError(f"source {s.name!r} names brand {s.brand!r}, which is not configured")
        return self

    def brand(self, name: str) -> BrandConfig:
        """The configured brand ``name`` (case-insensitively); ``ConfigError`` when there is none."""
        for b in self.brands:
            if b.name == name or b.name.casefold() == name.casefold():
                return b
        raise ConfigError(f"no brand named {name!r} in the config")

    def source(self, name: str) -> SourceConfig:
        """The configured source ``name``; ``ConfigError`` when there is none."""
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"no source named {name!r} in the config")


class Secrets(BaseSettings):
    """Secrets and overrides from the environment (never from the config file)."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    database_url: str | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    webhook_url: SecretStr | None = None
    youtube_api_key: SecretStr | None = None
    mastodon_token: SecretStr | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: SecretStr | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None


def _field_path(loc: tuple[int | str, ...], data: Any) -> str:
    """``("sources", 2, "options")`` → ``sources[2] (shop).options``: list items by index and name."""
    path, node = "", data
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str):
                path += f" ({shown(name)})"
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path


def _error_lines(err: Any, data: Any) -> list[str]:
    loc = tuple(err["loc"])
    if err["type"] == "source_options":
        return [f"  {_field_path((*loc, *(k.split('.') if k else ())), data)}: {m}" for k, m in err["ctx"]["problems"]]
    msg = redact_text(str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be"))
    if loc and loc[-1] == "name" and msg.startswith("name "):
        loc = loc[:-1]  # "brands[1] (Acme\r\n…): name holds a control character"
    return [f"  {_field_path(loc, data) or '(top level)'}: {msg}"]


def _format_validation_error(exc: ValidationError, where: str, data: Any = None) -> str:
    lines = [f"{where}: invalid configuration"]
    for err in exc.errors():
        lines.extend(_error_lines(err, data))
    return "\n".join(lines)


def config_from_dict(data: dict[str, Any], *, where: str = "<config>") -> Config:
    """Validate a parsed config mapping; raise :class:`ConfigError` naming field and problem."""
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, where, data)) from None
    env = Secrets()
    if env.database_url:
        try:
            check_database_url(env.database_url)
        except ValueError as exc:
            raise ConfigError(f"MONITOR_DATABASE_URL: {exc}") from None
        cfg = cfg.model_copy(update={"database_url": env.database_url})
    return cfg


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file; environment overrides apply."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found (create one with `monitor init`)") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    cfg = config_from_dict(data, where=str(p))
    db = cfg.database_url
    # A relative SQLite path in a config file is relative to the file, not the cwd.
    relative = db.startswith("sqlite:///") and not db.startswith("sqlite:////") and db != "sqlite:///:memory:"
    if relative and not Secrets().database_url:
        rel = db.removeprefix("sqlite:///")
        db = "sqlite:///" + str((p.parent / rel).resolve())
    return cfg.model_copy(update={"database_url": db, "path": p.resolve()})


__all__ = [
    "DEFAULT_DATABASE_URL",
    "MAX_INTERVAL_DAYS",
    "MAX_RETENTION_DAYS",
    "SOURCE_KINDS",
    "SUPPORTED_LANGUAGES",
    "BrandConfig",
    "Config",
    "DigestConfig",
    "HttpConfig",
    "IndexConfig",
    "ModelConfig",
    "RetentionConfig",
    "Secrets",
    "SourceConfig",
    "check_database_url",
    "config_from_dict",
    "load_config",
    "parse_schedule",
]
