"""The whole file: :class:`Config`, the environment's :class:`Secrets`, and loading with
errors that name the file, the field and the problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor._config._aspects import AspectsConfig
from monitor._config._collection import BrandConfig, SourceConfig
from monitor._config._fields import Strict
from monitor._config._keys import unknown_key
from monitor._config._settings import (
    ComplaintsConfig,
    DigestConfig,
    HttpConfig,
    IndexConfig,
    ModelConfig,
    RetentionConfig,
    ThemesConfig,
)
from monitor._config._workers import WorkersConfig, check_broker_url, distributed_problem
from monitor._hints import unknown_brand, unknown_source
from monitor._redact import redact_text, redact_url
from monitor._textsafe import control_characters, shown
from monitor.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///monitor.db"


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


class Config(Strict):
    """The whole configuration file."""

    database_url: str = DEFAULT_DATABASE_URL
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    http: HttpConfig = Field(default_factory=HttpConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    complaints: ComplaintsConfig = Field(default_factory=ComplaintsConfig)
    aspects: AspectsConfig = Field(default_factory=AspectsConfig)
    themes: ThemesConfig = Field(default_factory=ThemesConfig)
    workers: WorkersConfig = Field(default_factory=WorkersConfig)
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
        """The configured brand ``name`` (case-insensitively); :class:`UnknownBrand` (a ``ConfigError``,
        naming the configured brands and the closest) when there is none."""
        for b in self.brands:
            if b.name == name or b.name.casefold() == name.casefold():
                return b
        raise unknown_brand(name, [b.name for b in self.brands], where="in the config")

    def source(self, name: str) -> SourceConfig:
        """The configured source ``name``; :class:`UnknownSource` (a ``ConfigError``, naming the
        configured sources and the closest) when there is none."""
        for s in self.sources:
            if s.name == name:
                return s
        raise unknown_source(name, [s.name for s in self.sources], where="in the config")


class Secrets(BaseSettings):
    """Secrets and overrides from the environment (never from the config file)."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    database_url: str | None = None
    broker_url: SecretStr | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    webhook_url: SecretStr | None = None
    youtube_api_key: SecretStr | None = None
    mastodon_token: SecretStr | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: SecretStr | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None


def _ordinal(n: int) -> str:
    if n < 0:
        return f"{n}th"
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


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
            elif isinstance(node, dict):  # a table without a name: say which one, counting from 1
                path += f" (the {_ordinal(part + 1 if part >= 0 else part)} [[{loc[0]}]], no name)"
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path


def _error_lines(err: Any, data: Any) -> list[str]:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden" and loc:
        where, msg = unknown_key(Config, loc, data)
        return [f"  {_field_path(where, data) or '(top level)'}: {msg}"]
    if err["type"] == "source_options":
        return [f"  {_field_path((*loc, *(k.split('.') if k else ())), data)}: {m}" for k, m in err["ctx"]["problems"]]
    msg = "is required" if err["type"] == "missing" else str(err["msg"])
    msg = redact_text(msg.removeprefix("Value error, ").replace("Input should be", "must be"))
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
    if env.broker_url is not None and env.broker_url.get_secret_value().strip():
        try:
            broker = check_broker_url(env.broker_url.get_secret_value().strip())
        except ValueError as exc:
            raise ConfigError(f"MONITOR_BROKER_URL: {exc}") from None
        cfg = cfg.model_copy(update={"workers": cfg.workers.model_copy(update={"broker_url": broker})})
    problem = distributed_problem(cfg.database_url, cfg.workers)
    if problem is not None:
        raise ConfigError(f"{where}: invalid configuration\n  {problem}")
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


__all__ = ["DEFAULT_DATABASE_URL", "Config", "Secrets", "check_database_url", "config_from_dict", "load_config"]
