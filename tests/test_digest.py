"""Digest periods, queuing (once per period, catching up after downtime) and the message, on real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.deliver import digests as digest
from tracker.deliver.filters import SubscriptionFilter
from tracker.render.text import visible_length
from tracker.store import digests as digest_rows
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import Alert, Delivery, Digest, Event, TrackedModel
from tracker.telegram.channel_digest import caption

WED = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(("mode", "now", "expected"), [
    ("daily", datetime(2026, 12, 2, 8, 0, tzinfo=UTC), datetime(2026, 12, 2, 8, 0, tzinfo=UTC)),
    ("daily", datetime(2026, 12, 2, 7, 59, tzinfo=UTC), datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
    ("daily", WED, datetime(2026, 12, 2, 8, 0, tzinfo=UTC)),
    ("weekly", WED, datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),
    ("weekly", datetime(2026, 11, 30, 7, 0, tzinfo=UTC), datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
    ("weekly", datetime(2026, 11, 30, 8, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),
])
def test_a_period_begins_at_the_digest_time_and_weekly_on_mondays(mode: str, now: datetime,
                                                                  expected: datetime) -> None:
    assert digest.boundary(mode, "08:00", now) == expected
    assert digest.next_time(mode, "08:00", now) == expected + digest.LENGTH[mode]


def _store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")


def _release(store: Store, repo_id: str, lab: str, at: datetime, **facts: object) -> None:
    with store.session() as session, session.begin():
        model = TrackedModel(repo_id=repo_id, lab=lab, org=repo_id.split("/")[0], released_at=at,
                             first_seen_at=at, **facts)
        session.add(model)
        session.flush()
        event = Event(model_id=model.id, repo_id=repo_id, kind="new", at=at)
        session.add(event)
        session.flush()
        session.add(Alert(event_id=event.id, model_id=model.id, kind="release", created_at=at))


def _digests(store: Store) -> list[Digest]:
    with store.session() as session:
        return list(session.exec(select(Digest).order_by(Digest.id)).all())


def test_a_digest_is_queued_once_per_period_and_a_missed_one_on_return(tmp_path: Path) -> None:
    store = _store(tmp_path)
    subscriptions.ensure(store, 1, 1)
    subscriptions.update(store, 1, active=True, **digest.mode_changes("daily", "08:00", WED))
    subscriptions.ensure(store, 2, 2)
    subscriptions.update(store, 2, active=True, **digest.mode_changes("weekly", "08:00", WED))
    subscriptions.ensure(store, 3, 3)
    subscriptions.update(store, 3, active=True)  # alerts one by one: never a digest

    assert digest.queue_due(store, "08:00", WED + timedelta(hours=19)) == 0  # Thursday 07:00
    thursday = WED + timedelta(hours=20, minutes=1)
    assert digest.queue_due(store, "08:00", thursday) == 1
    assert digest.queue_due(store, "08:00", thursday + timedelta(hours=1)) == 0  # no repeat
    # Down from Thursday until the next Tuesday noon: one daily digest (not five), and the weekly one.
    back = WED + timedelta(days=6)
    assert digest.queue_due(store, "08:00", back) == 2
    rows = _digests(store)
    assert [(r.target, r.period) for r in rows] == [
        ("user:1", "daily:2026-12-03"), ("user:1", "daily:2026-12-08"), ("user:2", "weekly:2026-12-07")]
    assert rows[0].since == WED and rows[1].since == rows[0].until == thursday  # windows follow on
    assert rows[2].since == WED and rows[2].until == back
    digest_rows.mark(store, rows[0].id, "sent", thursday)
    assert digest_rows.prune(store, thursday + timedelta(days=31)) == 1  # pending ones stay
    assert [r.id for r in _digests(store)] == [rows[1].id, rows[2].id]


def test_the_digest_lists_what_the_filter_matches_grouped_by_lab_and_cut_to_fit(tmp_path: Path) -> None:
    store = _store(tmp_path)
    since = WED - timedelta(days=1)
    _release(store, "deepseek-ai/DeepSeek-V3", "DeepSeek", WED, params_total=671 * 10**9,
             license_id="deepseek", license_class="open-restricted")
    _release(store, "Qwen/Qwen3-8B", "Qwen", WED + timedelta(minutes=1), params_total=8 * 10**9,
             license_id="apache-2.0", license_class="permissive")
    _release(store, "Qwen/Old", "Qwen", since - timedelta(minutes=1), params_total=10**9)

    everything = digest.releases(store, since, WED + timedelta(hours=1))
    assert [m.repo_id for m in everything] == ["deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B"]
    small = digest.releases(store, since, WED + timedelta(hours=1), SubscriptionFilter(max_params=10 * 10**9))
    assert [m.repo_id for m in small] == ["Qwen/Qwen3-8B"]

    text = digest.digest_text(digest.DigestView("daily", since, WED, everything), "en", "https://huggingface.co")
    assert "<b>DeepSeek</b>\n• " in text and "<b>Qwen</b>\n• " in text
    assert "<b>671B</b>" in text and "apache-2.0 — permissive" in text
    assert "more" not in text.split("/settings digest off")[0]
    italian = digest.digest_text(digest.DigestView("weekly", since, WED, everything), "it", "https://huggingface.co")
    assert "riepilogo settimanale" in italian and "permissiva" in italian

    many = everything * 200
    cut = digest.digest_text(digest.DigestView("daily", since, WED, many), "en", "https://huggingface.co")
    assert visible_length(cut) <= 4096
    shown = cut.count("\n• ")
    assert 10 < shown < 400 and f"… and {400 - shown} more" in cut


def test_hub_supplied_text_is_escaped_in_digests_and_captions(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _release(store, "evil/<b>x</b>&y", "<i>Lab</i>", WED, license="<script>", params_total=None)
    models = digest.releases(store, WED - timedelta(days=1), WED + timedelta(hours=1))
    for text in (digest.digest_text(digest.DigestView("daily", WED, WED, models), "en", "https://hf.co"),
                 caption(models, "weekly", WED, WED, "it", "https://hf.co")):
        assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;&amp;y" in text
        assert "&lt;i&gt;Lab&lt;/i&gt;" in text and "<script>" not in text


def test_an_alert_of_the_second_a_window_ends_is_in_the_next_digest_only(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _release(store, "a/at-since", "A", WED)
    _release(store, "a/at-until", "A", WED + timedelta(hours=1))
    first = digest.releases(store, WED, WED + timedelta(hours=1))
    second = digest.releases(store, WED + timedelta(hours=1), WED + timedelta(hours=2))
    assert [m.repo_id for m in first] == ["a/at-since"] and [m.repo_id for m in second] == ["a/at-until"]


def test_changes_list_license_changes_and_opted_in_weight_updates_escaped(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _release(store, "Qwen/Qwen3-8B", "Qwen", WED, license_id="cc-by-nc-4.0", license_class="non-commercial")
    with store.session() as session, session.begin():
        model = session.exec(select(TrackedModel)).one()
        for kind, old, new in (("license_changed", {"license": "apache-2.0"}, {"license": "<b>nc</b>"}),
                               ("weights_updated", {"sha": "a" * 40}, {"sha": "b" * 40})):
            event = Event(model_id=model.id, repo_id=model.repo_id, kind=kind, at=WED, old_value=old, new_value=new)
            session.add(event)
            session.flush()
            session.add(Alert(event_id=event.id, model_id=model.id, kind=kind, created_at=WED))
    window = (WED - timedelta(hours=1), WED + timedelta(hours=1))
    assert [c.kind for c in digest.changes(store, *window)] == ["license_changed"]
    both = digest.changes(store, *window, weight_updates=True)
    assert [c.kind for c in both] == ["license_changed", "weights_updated"]
    assert digest.changes(store, WED + timedelta(seconds=1), WED + timedelta(hours=1)) == []

    text = digest.digest_text(digest.DigestView("daily", *window, [], both), "en", "https://huggingface.co")
    assert "0 releases, 2 changes" in text
    assert "license apache-2.0 → <b>&lt;b&gt;nc&lt;/b&gt;</b> — non-commercial" in text
    assert "weights updated (commit <code>bbbbbbbbbb</code>)" in text
    italian = digest.digest_text(digest.DigestView("weekly", *window, [], both), "it", "https://huggingface.co")
    assert "2 cambiamenti" in italian and "pesi aggiornati" in italian and "non commerciale" in italian


def test_a_digest_lists_a_change_past_the_memory_filter_only_for_a_release_its_reader_was_told_of(
        tmp_path: Path) -> None:
    store = _store(tmp_path)
    _release(store, "Qwen/Qwen3-235B-A22B", "Qwen", WED, weights_bytes=470_187_269_120)
    with store.session() as session, session.begin():
        model = session.exec(select(TrackedModel)).one()
        release = session.exec(select(Alert)).one()
        session.add(Delivery(alert_id=release.id, target="user:7", status="sent", created_at=WED))
        session.add(Delivery(alert_id=release.id, target="user:8", status="dropped", created_at=WED))
        event = Event(model_id=model.id, repo_id=model.repo_id, kind="license_changed", at=WED,
                      old_value={"license": "apache-2.0"}, new_value={"license": "other"})
        session.add(event)
        session.flush()
        session.add(Alert(event_id=event.id, model_id=model.id, kind="license_changed", created_at=WED))
    window = (WED - timedelta(hours=1), WED + timedelta(hours=1))
    small = SubscriptionFilter(vram_gb=24)
    assert [c.model.repo_id for c in digest.changes(store, *window, small, user_id=7)] == ["Qwen/Qwen3-235B-A22B"]
    assert digest.changes(store, *window, small, user_id=8) == []  # its release alert never reached them
    assert digest.changes(store, *window, small, user_id=9) == []  # never heard of it
    assert digest.changes(store, *window, SubscriptionFilter(vram_gb=24, labs=("DeepSeek",)), user_id=7) == []
    assert len(digest.changes(store, *window, SubscriptionFilter(vram_gb=1024), user_id=9)) == 1  # it fits
