"""Weight updates: what counts as one (pure detection), and who is told (the Telegram fan-out's targets)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import load_settings
from tracker.detect import WeightState, weights_changed, weights_digest
from tracker.hub.shapes import parse_model, weight_manifest
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import Alert, TrackedModel
from tracker.telegram.sender import TelegramDelivery

FILES = {"model-00001-of-00002.safetensors": {"size": 5, "sha256": "a"},
         "model-00002-of-00002.safetensors": {"size": 3, "sha256": "b"}}


def _model(safetensors: dict | None = None, gguf: dict | None = None):  # noqa: ANN202
    item = {"id": "lab/m", "sha": "s2"}
    if safetensors is not None:
        item["safetensors"] = {"parameters": safetensors, "total": sum(safetensors.values())}
    if gguf is not None:
        item["gguf"] = gguf
    return parse_model(item)


@pytest.mark.parametrize(
    ("before", "model", "manifest", "changed"),
    [
        # same counts, same files: a card or config commit
        (WeightState(weights_digest(FILES), {"parameters": {"BF16": 8}}, None), _model({"BF16": 8}), FILES, False),
        # the dtype breakdown changed (re-quantized, re-shaped)
        (WeightState(weights_digest(FILES), {"parameters": {"BF16": 8}}, None), _model({"F8_E4M3": 8}), FILES, True),
        # same counts, new file contents (retrained): only the LFS hashes tell
        (WeightState(weights_digest(FILES), {"parameters": {"BF16": 8}}, None), _model({"BF16": 8}),
         {**FILES, "model-00002-of-00002.safetensors": {"size": 3, "sha256": "c"}}, True),
        # first commit we see: no digest yet, so the files become the baseline, not an update
        (WeightState(None, {"parameters": {"BF16": 8}}, None), _model({"BF16": 8}), FILES, False),
        # the Hub could not list the files: only the counts can tell
        (WeightState("d", {"parameters": {"BF16": 8}}, None), _model({"BF16": 8}), None, False),
        # a GGUF repo whose total changed
        (WeightState(None, None, 7), _model(gguf={"total": 8}), None, True),
    ],
)
def test_what_counts_as_a_weight_update(before: WeightState, model, manifest, changed: bool) -> None:  # noqa: ANN001
    assert weights_changed(before, model, manifest)[0] is changed


def test_manifest_keeps_weight_files_only_with_their_lfs_hash() -> None:
    siblings = [{"rfilename": "README.md", "size": 10, "blobId": "x"},
                {"rfilename": "m.safetensors", "size": 9, "lfs": {"sha256": "abc", "size": 9}},
                {"rfilename": "q.gguf", "size": "big"}, "junk", {"rfilename": 5}]
    assert weight_manifest(siblings) == {"m.safetensors": {"size": 9, "sha256": "abc"},
                                         "q.gguf": {"size": None, "sha256": None}}
    assert weight_manifest("nope") is None


def test_weight_update_alerts_go_only_to_those_who_opted_in(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for uid, opted in ((1, True), (2, False)):
        subscriptions.ensure(store, uid, uid)
        subscriptions.update(store, uid, active=True, weight_updates=opted)
    model = TrackedModel(repo_id="Qwen/Qwen3-8B", lab="Qwen (Alibaba)", org="Qwen", gated="no")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    weights = Alert(event_id=1, model_id=1, kind="weights_updated", created_at=now)
    release = Alert(event_id=2, model_id=1, kind="release", created_at=now)

    def targets(**env: str) -> tuple[list[str], list[str]]:
        settings = load_settings(TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_CHANNEL="@releases", **env)
        pick = TelegramDelivery(None, store, settings).targets_for()  # type: ignore[arg-type]
        return pick(weights, model), pick(release, model)

    assert targets() == (["user:1"], ["channel", "user:1", "user:2"])
    assert targets(TRACKER_ALERT_WEIGHT_UPDATES="1")[0] == ["channel", "user:1"]
