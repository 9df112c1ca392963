"""SQLModel tables (the schema; migrations in ``monitor/_store/migrations`` create it).

Counting model: every mention has one *effective label* (``Mention.label``): a person's or an
importer's label wins, otherwise the newest counted model score, otherwise ``unscored``.
Rollups count mentions by that effective label and are updated in the same transaction as
the write that changes it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Table, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from monitor._labels import EFFECTIVE_LABELS, UNSCORED
from monitor._store import theme_tables  # noqa: F401  (registers the vector and theme tables)
from monitor._store.tables_insights import MENTION_ASPECT_T, MentionAspect
from monitor._store.tables_reach import REACH_ROLLUP_T, ReachRollup


class Brand(SQLModel, table=True):
    """A brand the team follows (aliases etc. are JSON-encoded lists)."""

    __tablename__ = "brand"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    aliases: str = Field(default="[]", sa_type=Text)
    exclusions: str = Field(default="[]", sa_type=Text)
    query: str | None = Field(default=None, sa_type=Text)
    languages: str = Field(default="[]", sa_type=Text)


class Source(SQLModel, table=True):
    """A place mentions come from, with its collection state."""

    __tablename__ = "source"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(max_length=40)
    brand_id: int | None = Field(default=None, foreign_key="brand.id")
    url: str | None = Field(default=None, sa_type=Text)
    query: str | None = Field(default=None, sa_type=Text)
    schedule: str | None = Field(default=None, max_length=100)
    status: str = Field(default="never", max_length=20)  # monitor._health.HealthStatus
    last_success_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    last_error_at: datetime | None = None
    blocked_reason: str | None = Field(default=None, sa_type=Text)
    cursor: str = Field(default="{}", sa_type=Text)


class HttpValidator(SQLModel, table=True):
    """ETag / Last-Modified kept per URL for conditional GET."""

    __tablename__ = "http_validator"
    url: str = Field(primary_key=True, max_length=2000)
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, max_length=100)
    updated_at: datetime


class Mention(SQLModel, table=True):
    """One mention of a brand; unique on (source, external id)."""

    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_mention_source_external"),
        Index("ix_mention_brand_label_pub", "brand_id", "label", "published_at"),
        Index("ix_mention_brand_pub", "brand_id", "published_at"),
        Index("ix_mention_brand_lang_pub", "brand_id", "lang", "published_at"),  # the language filter
        Index("ix_mention_brand_hash", "brand_id", "content_hash"),
        # only never-scored mentions: what the scorer asks for most, at no cost for labelled imports
        Index(
            "ix_mention_unscored",
            "id",
            sqlite_where=text("label_origin IS NULL"),
            postgresql_where=text("label_origin IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id")
    source_id: int = Field(foreign_key="source.id")
    external_id: str = Field(max_length=500)
    url: str | None = Field(default=None, sa_type=Text)
    author: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, sa_type=Text)
    text: str = Field(sa_type=Text)
    lang: str | None = Field(default=None, max_length=12)
    lang_confidence: float | None = None
    published_at: datetime
    fetched_at: datetime
    day: date  # published_at's calendar day in the index timezone (rollup key)
    rating: float | None = None
    rating_worst: float | None = None
    rating_best: float | None = None
    rating_norm: float | None = None  # (rating - worst) / (best - worst)
    reach: int | None = Field(default=None, sa_column=Column(BigInteger))
    reach_kind: str | None = Field(default=None, max_length=20)  # what ``reach`` counts (followers, upvotes …)
    content_hash: str = Field(max_length=32)
    label: str = Field(default=UNSCORED, max_length=10)  # effective label
    label_origin: str | None = Field(default=None, max_length=200)  # manual|import|model id@ver
    manual_label: str | None = Field(default=None, max_length=10)
    p_negative: float | None = None  # probabilities of the score behind ``label``
    p_neutral: float | None = None
    p_positive: float | None = None
    manual_by: str | None = Field(default=None, max_length=100)  # who set ``manual_label`` (None: unknown)
    manual_at: datetime | None = None  # when
    answered_at: datetime | None = None  # when the brand answered it (the earliest answer known)
    answered_by: str | None = Field(default=None, max_length=100)  # a person's name, "cli", "source" (seen)


class Sighting(SQLModel, table=True):
    """Every (source, external id) a mention was seen under, the first one included."""

    __tablename__ = "sighting"
    __table_args__ = (UniqueConstraint("source_id", "external_id", name="uq_sighting_source_external"),)
    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True)
    source_id: int = Field(foreign_key="source.id")
    external_id: str = Field(max_length=500)
    url: str | None = Field(default=None, sa_type=Text)
    seen_at: datetime


class Score(SQLModel, table=True):
    """A model's scores for a mention; a new model version adds rows, never overwrites."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("mention_id", "model_id", "model_version", name="uq_score_mention_model"),)
    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True)
    model_id: str = Field(max_length=200)
    model_version: str = Field(max_length=100)
    label: str = Field(max_length=10)
    p_negative: float
    p_neutral: float
    p_positive: float
    counted: bool = True  # False: unsupported language or below the confidence threshold
    scored_at: datetime


class DailyRollup(SQLModel, table=True):
    """Mention counts per brand × day × source × language × effective label × label origin."""

    __tablename__ = "daily_rollup"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    source_id: int = Field(primary_key=True, foreign_key="source.id")
    lang: str = Field(primary_key=True, max_length=12)  # "" when unknown
    label: str = Field(primary_key=True, max_length=10)
    origin: str = Field(primary_key=True, max_length=200)  # "" for unscored
    n: int = 0


class RatingRollup(SQLModel, table=True):
    """Rating histogram per brand × day × source × language × scale × value."""

    __tablename__ = "rating_rollup"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    source_id: int = Field(primary_key=True, foreign_key="source.id")
    lang: str = Field(primary_key=True, max_length=12)
    worst: float = Field(primary_key=True)
    best: float = Field(primary_key=True)
    value: float = Field(primary_key=True)
    n: int = 0


class DirtyDay(SQLModel, table=True):
    """A brand-day whose rollups changed since its snapshot was computed."""

    __tablename__ = "dirty_day"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)


class IndexSnapshot(SQLModel, table=True):
    """The stored index of one brand-day (whole brand, or one source kind or language)."""

    __tablename__ = "index_snapshot"
    __table_args__ = (Index("ix_snapshot_scope_day", "brand_id", "scope", "scope_value", "day"),)
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    scope: str = Field(primary_key=True, max_length=10)  # all|source|lang
    scope_value: str = Field(primary_key=True, max_length=200)  # "" for all
    positive: int
    neutral: int
    negative: int
    unscored: int
    volume: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    net_sentiment: float | None
    csat: float | None
    csat_n: int
    nps: float | None
    nps_n: int
    model_versions: str = Field(default="[]", sa_type=Text)
    computed_at: datetime


class Run(SQLModel, table=True):
    """One collection / scoring / digest / import run."""

    __tablename__ = "run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=20)
    counts: str = Field(default="{}", sa_type=Text)
    errors: str = Field(default="[]", sa_type=Text)
    duration_s: float | None = None
    owner: str | None = Field(default=None, max_length=200)  # "host:pid" of the process running it
    heartbeat_at: datetime | None = None  # renewed while that process lives


class SchedulerLease(SQLModel, table=True):
    """An exactly-once claim of one scheduled job firing, shared by every scheduler process."""

    __tablename__ = "scheduler_lease"
    job_id: str = Field(primary_key=True, max_length=200)
    run_time: str = Field(primary_key=True, max_length=40)  # ISO 8601 UTC of the scheduled time
    owner: str = Field(max_length=200)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(max_length=20)  # running|done|failed|skipped|abandoned
    heartbeat_at: datetime | None = None  # renewed while the job runs; expired = its scheduler died


class Meta(SQLModel, table=True):
    """Key/value facts about the database (e.g. the timezone rollup days are in)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_type=Text)


class RatingSnapshot(SQLModel, table=True):
    """A source's AggregateRating as read on one local day (the day's last reading wins).

    Not a mention: the index never counts it. ``day`` is in the index timezone.
    """

    __tablename__ = "rating_snapshot"
    source_id: int = Field(primary_key=True, foreign_key="source.id")
    day: date = Field(primary_key=True)
    value: float
    worst: float
    best: float
    rating_count: int | None = Field(default=None, sa_column=Column(BigInteger))
    review_count: int | None = Field(default=None, sa_column=Column(BigInteger))
    item: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    observed_at: datetime


class WebUser(SQLModel, table=True):
    """A person who may log in to the dashboard (``monitor user add``); the password as an argon2 hash."""

    __tablename__ = "web_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    role: str = Field(max_length=10)  # viewer|editor|admin
    password_hash: str = Field(sa_type=Text)
    created_at: datetime


class WebSession(SQLModel, table=True):
    """A logged-in browser: the SHA-256 of its cookie, its user, its CSRF token, its expiry."""

    __tablename__ = "web_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime


class LabelChange(SQLModel, table=True):
    """A person's relabelling of one mention or a selection, undoable as a unit."""

    __tablename__ = "label_change"
    id: int | None = Field(default=None, primary_key=True)
    label: str | None = Field(default=None, max_length=10)  # None: back to the model's label
    changed_by: str | None = Field(default=None, max_length=100)
    changed_at: datetime
    mentions: int = 0
    undone_by: str | None = Field(default=None, max_length=100)
    undone_at: datetime | None = None


class LabelChangeItem(SQLModel, table=True):
    """One mention of a :class:`LabelChange`, with the label it had before and its origin (for undo).

    No foreign key to the mention: retention may delete it, and undo then skips it.
    """

    __tablename__ = "label_change_item"
    change_id: int = Field(primary_key=True, foreign_key="label_change.id")
    mention_id: int = Field(primary_key=True, index=True)
    old_label: str = Field(max_length=10)
    old_origin: str | None = Field(default=None, max_length=200)
    old_by: str | None = Field(default=None, max_length=100)
    old_at: datetime | None = None


class WorkerTask(SQLModel, table=True):
    """A task enqueued on the broker and not started yet (distributed mode's waiting list)."""

    __tablename__ = "worker_task"
    __table_args__ = (Index("ix_worker_task_queue", "queue", "enqueued_at"),)
    task_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    queue: str = Field(max_length=200)
    enqueued_at: datetime


class WorkerPassTask(SQLModel, table=True):
    """A task of one ``monitor run --once`` pass in distributed mode: waiting, running, or its outcome."""

    __tablename__ = "worker_pass_task"
    __table_args__ = (Index("ix_worker_pass_task_pass", "pass_id", "enqueued_at"),)
    task_id: str = Field(primary_key=True, max_length=64)
    pass_id: str = Field(max_length=64)
    name: str = Field(max_length=100)
    queue: str = Field(max_length=200)
    status: str = Field(default="waiting", max_length=20)  # waiting|running|ok|partial|failed|skipped …
    result: str = Field(default="{}", sa_type=Text)  # the task's counts, errors and details (JSON)
    enqueued_at: datetime
    finished_at: datetime | None = None


class HostSlot(SQLModel, table=True):
    """When a host's last collection ended, so the next one on any machine keeps the interval."""

    __tablename__ = "host_slot"
    host_key: str = Field(primary_key=True, max_length=300)
    released_at: datetime
    owner: str | None = Field(default=None, max_length=200)


class RobotsFile(SQLModel, table=True):
    """A host's robots.txt as last fetched (``status`` None: unreachable), shared by every worker."""

    __tablename__ = "robots_file"
    url: str = Field(primary_key=True, max_length=2000)
    status: int | None = None
    body: str = Field(default="", sa_type=Text)
    fetched_at: datetime


# Core ``Table`` objects, for the bulk writes and aggregate reads that go below the ORM.
BRAND_T = Brand.__table__  # type: ignore[attr-defined]
SOURCE_T = Source.__table__  # type: ignore[attr-defined]
HTTP_VALIDATOR_T = HttpValidator.__table__  # type: ignore[attr-defined]
MENTION_T = Mention.__table__  # type: ignore[attr-defined]
SIGHTING_T = Sighting.__table__  # type: ignore[attr-defined]
SCORE_T = Score.__table__  # type: ignore[attr-defined]
DAILY_ROLLUP_T = DailyRollup.__table__  # type: ignore[attr-defined]
RATING_ROLLUP_T = RatingRollup.__table__  # type: ignore[attr-defined]
DIRTY_DAY_T = DirtyDay.__table__  # type: ignore[attr-defined]
SNAPSHOT_T = IndexSnapshot.__table__  # type: ignore[attr-defined]
RUN_T = Run.__table__  # type: ignore[attr-defined]
LEASE_T = SchedulerLease.__table__  # type: ignore[attr-defined]
META_T = Meta.__table__  # type: ignore[attr-defined]
RATING_SNAPSHOT_T = RatingSnapshot.__table__  # type: ignore[attr-defined]
WEB_USER_T = WebUser.__table__  # type: ignore[attr-defined]
WEB_SESSION_T = WebSession.__table__  # type: ignore[attr-defined]
LABEL_CHANGE_T = LabelChange.__table__  # type: ignore[attr-defined]
LABEL_CHANGE_ITEM_T = LabelChangeItem.__table__  # type: ignore[attr-defined]
WORKER_TASK_T = WorkerTask.__table__  # type: ignore[attr-defined]
WORKER_PASS_TASK_T = WorkerPassTask.__table__  # type: ignore[attr-defined]
HOST_SLOT_T = HostSlot.__table__  # type: ignore[attr-defined]
ROBOTS_FILE_T = RobotsFile.__table__  # type: ignore[attr-defined]

#: The text search's table: each mention's title and text folded (``monitor._search.body``),
#: written with the mention, gone with it. Migration ``0008_search`` owns it and its index
#: (SQLite: the FTS5 trigram table ``mention_search_fts``, written with it;
#: PostgreSQL: a pg_trgm GIN index); it lives outside ``SQLModel.metadata`` because the
#: schema comparison cannot describe either (``migrations/env_filter.py`` skips it).
SEARCH_T = Table(
    "mention_search",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),  # the mention's id
    Column("body", Text, nullable=False),
)

__all__ = [
    "BRAND_T",
    "DAILY_ROLLUP_T",
    "DIRTY_DAY_T",
    "EFFECTIVE_LABELS",
    "HOST_SLOT_T",
    "HTTP_VALIDATOR_T",
    "LABEL_CHANGE_ITEM_T",
    "LABEL_CHANGE_T",
    "LEASE_T",
    "MENTION_ASPECT_T",
    "MENTION_T",
    "META_T",
    "RATING_ROLLUP_T",
    "RATING_SNAPSHOT_T",
    "REACH_ROLLUP_T",
    "ROBOTS_FILE_T",
    "RUN_T",
    "SCORE_T",
    "SEARCH_T",
    "SIGHTING_T",
    "SNAPSHOT_T",
    "SOURCE_T",
    "UNSCORED",
    "WEB_SESSION_T",
    "WEB_USER_T",
    "WORKER_PASS_TASK_T",
    "WORKER_TASK_T",
    "Brand",
    "DailyRollup",
    "DirtyDay",
    "HostSlot",
    "HttpValidator",
    "IndexSnapshot",
    "LabelChange",
    "LabelChangeItem",
    "Mention",
    "MentionAspect",
    "Meta",
    "RatingRollup",
    "RatingSnapshot",
    "ReachRollup",
    "RobotsFile",
    "Run",
    "SchedulerLease",
    "Score",
    "Sighting",
    "Source",
    "WebSession",
    "WebUser",
    "WorkerPassTask",
    "WorkerTask",
]
