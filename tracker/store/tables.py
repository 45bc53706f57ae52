"""SQLModel tables: plain tables and column names, ISO 8601 UTC text timestamps, JSON lists as text.

Schema changes ship as Alembic migrations in `tracker/migrations/versions/` (add new ones at the end).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, String, TypeDecorator, UniqueConstraint, false
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as ISO 8601 text ('2025-07-28T10:21:00Z').

    Text keeps the SQLite file readable by any tool and sorts correctly; values read back are aware.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class UTCStamp(UTCDateTime):
    """A UTCDateTime to the microsecond ('2025-07-28T10:21:00.123456Z'): two changes of a row within one second
    get different stamps, and the text still sorts as time does."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _changed_now() -> datetime:
    return datetime.now(UTC)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime truncated to whole seconds (the stored precision)."""
    return datetime.now(UTC).replace(microsecond=0)


def _time(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _bigint(index: bool = False) -> Any:
    # Parameter counts pass 2**31 (PostgreSQL's INTEGER); SQLite's INTEGER is 64-bit anyway.
    return Field(default=None, sa_column=Column(BigInteger, nullable=True, index=index))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class TrackedModel(SQLModel, table=True):
    """One Hub repo we know of, with its facts as last seen. The past lives in `events`."""

    __tablename__ = "models"

    id: int | None = Field(default=None, primary_key=True)
    repo_id: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    lab: str = Field(index=True)
    org: str = Field(index=True)
    region: str | None = None
    status: str = Field(default="public", index=True)  # public | removed
    backfill: bool = False  # recorded silently on an organisation's first poll
    created_at: datetime | None = _time()
    first_seen_at: datetime | None = _time(index=True)
    # When it became public as far as anyone can tell: first seen for releases we caught, the repo's
    # creation for backfill. History, feeds and the site sort by it.
    released_at: datetime | None = _time(index=True)
    last_modified: datetime | None = _time()
    removed_at: datetime | None = _time()
    sha: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] | None = _json()
    gated: str = "no"  # no | auto | manual
    license: str | None = Field(default=None, index=True)  # as the card or tag says it
    license_name: str | None = None
    license_link: str | None = None
    license_id: str | None = None
    license_class: str | None = None
    license_reason: str | None = None
    base_models: list[str] | None = _json()
    params_total: int | None = _bigint(index=True)
    params_total_source: str | None = None
    params_active: int | None = _bigint()
    params_active_source: str | None = None
    params_active_lab: int | None = _bigint()  # the active count as the lab counts it (facts/conventions.py)
    params_stored: int | None = _bigint()
    dtype_breakdown: dict[str, int] | None = _json()
    params_notes: list[str] | None = _json()
    is_moe: bool = False
    memory_bf16_gb: float | None = None
    memory_fp8_gb: float | None = None
    memory_4bit_gb: float | None = None
    family: str | None = Field(default=None, index=True)
    variant: str | None = None
    quant_format: str | None = None
    modality: str | None = None
    distilled_from: str | None = None
    problems: list[str] | None = _json()
    # The Hub metadata the facts are computed from (card license fields, safetensors, gguf, config subset),
    # kept so facts can be recomputed later, e.g. when a backfilled model's config.json is read.
    hub_meta: dict[str, Any] | None = _json()
    config_checked_at: datetime | None = _time()
    # What it takes to run it, how open it is, and the card's summary (migration 0007).
    weights_bytes: int | None = _bigint()
    context_length: int | None = _bigint()
    kv_bytes_per_token: int | None = _bigint()  # BF16 KV cache per token of context (migration 0009)
    openness_level: str | None = Field(default=None, index=True)
    openness_evidence: list[str] | None = _json()
    summary: str | None = None
    readme_sha: str | None = None  # the README.md blob the openness evidence and summary were read from
    readme_meta: dict[str, Any] | None = _json()  # what was found in it (tracker.facts.readme.CardText)
    readme_checked_at: datetime | None = _time()
    weights_digest: str | None = None  # digest of the weight files (names, sizes, LFS sha256) at the last check
    # The hubs that show it: [{hub, repo_id, url, first_seen_at}] (migration 0012); None = the Hub only, under
    # repo_id (tracker.hub.sources.sources_of). A release first seen on ModelScope has its ModelScope repo id
    # until the Hub shows it too.
    sources: list[dict[str, Any]] | None = _json()
    # When the row last changed, written by every insert and ORM update (migration 0013): the bot's inline index
    # takes in the rows changed since its last look (tracker.history.search). Bookkeeping; exports leave it out.
    updated_at: datetime | None = Field(default=None, sa_column=Column(
        UTCStamp(), nullable=True, index=True, default=_changed_now, onupdate=_changed_now))


class Event(SQLModel, table=True):
    """Something that happened to a model: new, published, backfill, license_changed, removed, restored, refacts,
    weights_updated, followup (what became of a release at a TRACKER_FOLLOWUP_AFTER checkpoint, in new_value)."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="models.id", index=True)
    repo_id: str = Field(index=True)
    kind: str = Field(index=True)
    at: datetime = _time(nullable=False, index=True)
    old_value: dict[str, Any] | None = _json()
    new_value: dict[str, Any] | None = _json()


class Alert(SQLModel, table=True):
    """The outbox: an event worth telling people about, written with the event in one transaction."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", unique=True)
    model_id: int = Field(foreign_key="models.id", index=True)
    kind: str  # release | license_changed | weights_updated | followup
    created_at: datetime = _time(nullable=False)
    status: str = Field(default="new", index=True)  # new -> fanned out into deliveries


class Delivery(SQLModel, table=True):
    """One alert to one target (console, channel, a subscriber), with its attempts and outcome."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    target: str = Field(index=True)  # console | channel | user:<telegram id>
    status: str = Field(default="pending", index=True)  # pending | sent | failed | dropped
    attempts: int = 0
    next_attempt_at: datetime | None = _time(index=True)
    sent_at: datetime | None = _time()
    last_error: str | None = None
    created_at: datetime = _time(nullable=False)


class OrgState(SQLModel, table=True):
    """Polling state per organisation: when it last worked, the last error and how many in a row."""

    __tablename__ = "org_state"

    org: str = Field(primary_key=True)
    lab: str
    first_polled_at: datetime | None = _time()
    last_attempt_at: datetime | None = _time()
    last_success_at: datetime | None = _time()
    last_error: str | None = None
    error_count: int = 0
    model_count: int = 0


class Subscriber(SQLModel, table=True):
    """A person who talks to the bot in a private chat; `active` when they get alerts, with their filters.

    Empty lists mean "any": no labs chosen = every lab, no license classes chosen = every class.
    """

    __tablename__ = "subscribers"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str | None = None
    lang: str = "en"
    active: bool = Field(default=False, index=True)
    labs: list[str] | None = _json()
    min_params: int | None = _bigint()
    max_params: int | None = _bigint()
    license_classes: list[str] | None = _json()
    include_quantized: bool = True
    keywords: list[str] | None = _json()
    created_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)
    blocked_at: datetime | None = _time()
    openness_levels: list[str] | None = _json()  # empty = any level
    weight_updates: bool = False  # also alert when a model's weight files change
    # Digest mode (off | daily | weekly): a digest subscriber gets one message per period instead of alerts.
    # `digest_period` is the last period queued for them, `digest_since` where their next digest starts.
    digest: str = Field(default="off", sa_column=Column(String(16), nullable=False, server_default="off"))
    digest_period: str | None = None
    digest_since: datetime | None = _time()
    quant_builds: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    vram_gb: float | None = None  # GB of memory to run models in: alerts only what fits (migration 0010)


class Card(SQLModel, table=True):
    """A message we posted for a release wave, so later variants of the family edit it instead of posting."""

    __tablename__ = "cards"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(index=True)  # channel | user:<id>
    chat_id: str
    thread_id: int | None = None
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    wave_key: str = Field(index=True)  # lab + family (or the repo id when there is no family)
    lang: str = "en"
    model_ids: list[int] | None = _json()
    opened_at: datetime = _time(nullable=False)
    updated_at: datetime = _time(nullable=False)


class ForumTopic(SQLModel, table=True):
    """The forum topic of a lab in a forum supergroup, created on first use and remembered."""

    __tablename__ = "forum_topics"

    chat_id: str = Field(primary_key=True)
    lab: str = Field(primary_key=True)
    thread_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = _time(nullable=False)


class RuntimeFlag(SQLModel, table=True):
    """Small runtime state that must survive a restart, e.g. `paused` set by an admin."""

    __tablename__ = "runtime_flags"

    key: str = Field(primary_key=True)
    value: str
    updated_at: datetime = _time(nullable=False)


class LeaderLease(SQLModel, table=True):
    """Who may act (poll, deliver, run the bot) among replicas on one PostgreSQL (tracker.run.leader).

    `expires_at` is in seconds since the epoch on the database server's clock, so replicas' clocks never
    matter; `term` grows with each change of holder."""

    __tablename__ = "leader_lease"

    name: str = Field(primary_key=True)
    holder: str
    term: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: float
    acquired_at: datetime = _time(nullable=False)


class Digest(SQLModel, table=True):
    """One digest to one target (a subscriber or the channel) for one period: the digest's outbox row.

    Queued once per (target, period) in the same transaction that moves the subscriber's period on, and
    marked sent right after Telegram accepted it, so a restart neither loses nor repeats one.
    """

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("target", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(index=True)  # channel | user:<telegram id>
    period: str  # e.g. daily:2026-12-02 or weekly:2026-11-30
    since: datetime = _time(nullable=False)
    until: datetime = _time(nullable=False)
    status: str = Field(default="pending", index=True)  # pending | sent | empty | failed | dropped
    attempts: int = 0
    next_attempt_at: datetime | None = _time(index=True)
    sent_at: datetime | None = _time()
    last_error: str | None = None
    created_at: datetime = _time(nullable=False)


class DiscoveredOrg(SQLModel, table=True):
    """An organisation outside the watchlist found on the Hub's trending list, proposed once to the admins.

    status: proposed (waiting for an admin) | watched (added to the watchlist at runtime) | ignored |
    unwatched (removed with /unwatch). Rows are never deleted, so an organisation is proposed only once.
    """

    __tablename__ = "discovered_orgs"

    org: str = Field(primary_key=True)
    repo_id: str  # the trending model that brought it up (alerted when the organisation is watched)
    likes: int = 0
    model_created_at: datetime | None = _time()
    status: str = Field(default="proposed", index=True)
    found_at: datetime = _time(nullable=False)
    proposed_at: datetime | None = _time()  # when the admins were told (None: still to tell)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: datetime | None = _time()


class Followup(SQLModel, table=True):
    """One checkpoint of a release's follow-up (TRACKER_FOLLOWUP_AFTER): when it is due and whether it is done.

    status: pending (retried each cycle until it works) | done (its `followup` event is `event_id`) | skipped (a
    later checkpoint was due too) | expired (the release stayed unreachable for days). Done is never redone.
    """

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("model_id", "after_s"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="models.id", index=True)
    repo_id: str
    after_s: int  # seconds after the release was first seen
    due_at: datetime = _time(nullable=False, index=True)
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    last_error: str | None = None
    done_at: datetime | None = _time()
    event_id: int | None = None
    created_at: datetime = _time(nullable=False)
class QuantBuild(SQLModel, table=True):
    """A quantized build of a recent release found on the Hub (any organisation), recorded once (migration 0010).

    `variants` is {name: bytes} of its complete weight sets (each GGUF quantization, split parts summed);
    `smallest_bytes` the smallest of them."""

    __tablename__ = "quant_builds"
    __table_args__ = (UniqueConstraint("model_id", "repo_id"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="models.id", index=True)  # the release it is a build of
    repo_id: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    format: str
    smallest_variant: str
    smallest_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    variants: dict[str, int] | None = _json()
    created_at: datetime | None = _time()  # the build repo's creation on the Hub
    first_seen_at: datetime = _time(nullable=False)


class QuantNotice(SQLModel, table=True):
    """What a subscriber was told about a release's builds, so each is said once: `quant` (its first
    quantized build) or `fits` (the first build that fits their memory); written with the delivery."""

    __tablename__ = "quant_notices"
    __table_args__ = (UniqueConstraint("user_id", "model_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    model_id: int = Field(foreign_key="models.id", index=True)
    kind: str  # quant | fits
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    vram_gb: float | None = None  # the memory they had set when told
    at: datetime = _time(nullable=False)
