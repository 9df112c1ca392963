"""Configuration: one TOML file validated into pydantic models.

Secrets (SMTP password, API keys, tokens, webhook URLs) never live in the file: they come
from the environment through :class:`Secrets` (pydantic-settings, prefix ``MONITOR_``), and
``MONITOR_DATABASE_URL`` overrides the file's database URL.

Everything that would fail later is refused at load, naming the file, the field (a list
item by index and name: ``sources[2] (shop).options.item``) and the problem: numbers are
finite and within sane ranges, schedules are at most :data:`MAX_INTERVAL_DAYS` days apart
and cron expressions must fire at least once, names, URLs and paths hold no control
characters, and each source's ``options`` match its kind's schema
(:mod:`monitor._sources.options`, CSS selectors and regular expressions compiled). An
unknown key gets the closest valid key, or the table it belongs in (``_keys``).

The models live by concern: ``_collection`` (brands and sources), ``_settings`` (HTTP,
model, index, digest, retention), ``_aspects`` (the aspects mentions are tagged with),
``_workers`` (distributed mode), ``_loading`` (the whole file, the environment's secrets,
loading and its error messages), ``_discovery`` (where the file is: the one lookup every
command and the doctor use) and ``_fields`` (shared field types); import them from here.
"""

from __future__ import annotations

from monitor._config._aspects import AspectConfig, AspectsConfig
from monitor._config._collection import SOURCE_KINDS, BrandConfig, SourceConfig
from monitor._config._discovery import CONFIG_ENV, DATABASE_ENV, START_FIX, ConfigLookup, find_config
from monitor._config._loading import (
    DEFAULT_DATABASE_URL,
    Config,
    Secrets,
    check_database_url,
    config_from_dict,
    load_config,
)
from monitor._config._settings import (
    MAX_RETENTION_DAYS,
    PRECISIONS,
    ComplaintsConfig,
    DigestConfig,
    HttpConfig,
    IndexConfig,
    ModelConfig,
    Precision,
    RetentionConfig,
    ThemesConfig,
)
from monitor._config._workers import WorkersConfig
from monitor._labels import SUPPORTED_LANGUAGES
from monitor._schedule.spec import MAX_INTERVAL_DAYS, parse_schedule

__all__ = [
    "CONFIG_ENV",
    "DATABASE_ENV",
    "DEFAULT_DATABASE_URL",
    "MAX_INTERVAL_DAYS",
    "MAX_RETENTION_DAYS",
    "PRECISIONS",
    "SOURCE_KINDS",
    "START_FIX",
    "SUPPORTED_LANGUAGES",
    "AspectConfig",
    "AspectsConfig",
    "BrandConfig",
    "ComplaintsConfig",
    "Config",
    "ConfigLookup",
    "DigestConfig",
    "HttpConfig",
    "IndexConfig",
    "ModelConfig",
    "Precision",
    "RetentionConfig",
    "Secrets",
    "SourceConfig",
    "ThemesConfig",
    "WorkersConfig",
    "check_database_url",
    "config_from_dict",
    "find_config",
    "load_config",
    "parse_schedule",
]
