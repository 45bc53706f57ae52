"""Quantized builds: what is one and how big (pure), who is told of it and that each notice is said once
(the fan-out over a real SQLite store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.telegram_html import parse_html
from tracker.config import load_settings
from tracker.deliver.builds import notices
from tracker.deliver.filters import SubscriptionFilter, matches
from tracker.facts.builds import Variant, base_links, best_fit, build_format, fits, variants
from tracker.hub.shapes import parse_model
from tracker.poll.builds import candidate
from tracker.store import builds, outbox
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import TrackedModel
from tracker.telegram.cards import build_card
from tracker.telegram.targets import telegram_targets

GB = 10**9
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(("files", "expected"), [
    # one file per quantization; the vision projector is not weights of its own
    ({"Qwen3-32B-Q4_K_M.gguf": 19_851_335_840, "Qwen3-32B-IQ2_XXS.gguf": 9_012_345_678,
      "mmproj-Qwen3-32B-f16.gguf": 1_200_000_000, "README.md": 9_000},
     [Variant("IQ2_XXS", 9_012_345_678), Variant("Q4_K_M", 19_851_335_840)]),
    # split GGUF: the parts of one quantization are summed, in sub-folders too
    ({"Q8_0/Qwen3-32B-Q8_0-00001-of-00002.gguf": 20 * GB, "Q8_0/Qwen3-32B-Q8_0-00002-of-00002.gguf": 14 * GB,
      "Qwen3-32B-Q6_K.gguf": 27 * GB},
     [Variant("Q6_K", 27 * GB), Variant("Q8_0", 34 * GB)]),
    # a split quantization still uploading (part 2 of 3 missing) is not complete
    ({"m-Q4_K_M-00001-of-00003.gguf": 8 * GB, "m-Q4_K_M-00003-of-00003.gguf": 4 * GB, "m-Q2_K.gguf": 12 * GB},
     [Variant("Q2_K", 12 * GB)]),
    # safetensors builds are one variant: every shard, named after the format
    ({"model-00001-of-00002.safetensors": 5 * GB, "model-00002-of-00002.safetensors": 3 * GB, "config.json": 1},
     [Variant("MLX", 8 * GB)]),
    ({"model-00001-of-00002.safetensors": 5 * GB}, []),
    ({"Q4.gguf": None, "README.md": 10}, []),
])
def test_complete_weight_sets_and_their_sizes(files: dict, expected: list[Variant]) -> None:
    assert variants(files, "MLX") == expected


def test_best_fit_is_the_largest_variant_within_90_percent() -> None:
    sizes = [Variant("IQ2_XXS", 9 * GB), Variant("Q4_K_M", 19_900_000_000), Variant("Q6_K", 22 * GB)]
    assert best_fit(sizes, 24) == Variant("Q4_K_M", 19_900_000_000)  # 22 GB > 21.6 GB
    assert best_fit(sizes, 8) is None
    assert fits(int(21.6 * GB), 24) and not fits(int(21.6 * GB) + 1, 24) and not fits(None, 24)


@pytest.mark.parametrize(("tags", "library", "config", "safetensors", "fmt"), [
    (["gguf", "base_model:quantized:Qwen/Qwen3-32B"], None, None, None, "GGUF"),
    (["mlx", "safetensors"], "mlx", None, None, "MLX"),
    (["transformers"], "transformers", {"quantization_config": {"quant_method": "awq"}}, None, "AWQ"),
    (["transformers"], "transformers", {"quantization_config": {"quant_method": "gptq"}}, None, "GPTQ"),
    (["transformers"], "transformers", {"quantization_config": {"quant_method": "fp8"}}, None, "FP8"),
    (["transformers"], "transformers", {"quantization_config": {"quant_method": "compressed-tensors"}},
     {"parameters": {"I32": 4, "BF16": 1}}, "INT4"),
    (["transformers"], "transformers", {"quantization_config": {"quant_method": "compressed-tensors"}},
     {"parameters": {"F8_E4M3": 4, "BF16": 1}}, "FP8"),
    (["transformers"], "transformers", {"architectures": ["Qwen3ForCausalLM"]}, {"parameters": {"BF16": 4}}, None),
])
def test_the_format_comes_from_the_packaging(tags: list, library: str | None, config: dict | None,
                                              safetensors: dict | None, fmt: str | None) -> None:
    assert build_format(tags, library, config, safetensors) == fmt


def _hub_model(repo_id: str, tags: list[str], library: str | None = None, config: dict | None = None):  # noqa: ANN202
    item = {"id": repo_id, "tags": tags, "library_name": library, "createdAt": "2026-12-07T05:00:00.000Z"}
    if config is not None:
        item["config"] = config
    return parse_model(item)


RELEASES = {"qwen/qwen3-32b": 7}


@pytest.mark.parametrize(("model", "found"), [
    # matched by the model tree, not the name: any organisation, any name
    (_hub_model("bartowski/anything", ["gguf", "base_model:Qwen/Qwen3-32B", "base_model:quantized:Qwen/Qwen3-32B"]),
     (7, "GGUF")),
    # MLX and AWQ uploads often show as finetunes: their packaging says they are quantized
    (_hub_model("mlx-community/q", ["mlx", "base_model:finetune:Qwen/Qwen3-32B"], "mlx"), (7, "MLX")),
    (_hub_model("x/q", ["base_model:finetune:Qwen/Qwen3-32B"], "transformers",
                {"quantization_config": {"quant_method": "awq"}}), (7, "AWQ")),
    # a real fine-tune, an adapter, a merge, or a GGUF of another model are not builds of the release
    (_hub_model("x/tuned", ["base_model:finetune:Qwen/Qwen3-32B"], "transformers"), None),
    (_hub_model("x/lora", ["gguf", "base_model:adapter:Qwen/Qwen3-32B"]), None),
    (_hub_model("x/merge", ["mlx", "base_model:merge:Qwen/Qwen3-32B"], "mlx"), None),
    (_hub_model("x/Qwen3-32B-GGUF", ["gguf", "base_model:quantized:Qwen/Qwen3-8B"]), None),
    (_hub_model("x/y", ["base_model:quantized:qwen/QWEN3-32B"]), (7, "quantized")),
])
def test_candidates_are_matched_on_base_model_tags(model, found) -> None:  # noqa: ANN001
    assert candidate(model, RELEASES) == found
    assert base_links(["base_model:Qwen/Qwen3-32B", "base_model:adapter:a/b", "license:mit"]) == [("adapter", "a/b")]


@dataclass
class Release:
    repo_id: str = "Qwen/Qwen3-32B"
    lab: str = "Qwen (Alibaba)"
    params_total: int | None = 32_800_000_000
    license_class: str | None = "permissive"
    openness_level: str | None = "open-weights"
    variant: str | None = "instruct"
    quant_format: str | None = None
    weights_bytes: int | None = 65_600_000_000


FIRST_Q8 = {"first": True, "bytes": 34 * GB}
LATER_Q4 = {"first": False, "bytes": 19_900_000_000}


@pytest.mark.parametrize(("f", "build", "said", "expected"), [
    (SubscriptionFilter(quant_builds=True), FIRST_Q8, set(), ("quant",)),
    (SubscriptionFilter(quant_builds=True), LATER_Q4, set(), ()),  # only the first build
    (SubscriptionFilter(quant_builds=True), FIRST_Q8, {"quant"}, ()),
    (SubscriptionFilter(vram_gb=24), FIRST_Q8, set(), ()),  # 34 GB does not fit 24 GB
    (SubscriptionFilter(vram_gb=24), LATER_Q4, set(), ("fits",)),
    (SubscriptionFilter(vram_gb=24), LATER_Q4, {"fits"}, ()),  # once per release
    (SubscriptionFilter(vram_gb=80), LATER_Q4, set(), ()),  # the release itself fits 80 GB: alerted already
    (SubscriptionFilter(vram_gb=24, quant_builds=True), {"first": True, "bytes": 9 * GB}, set(), ("quant", "fits")),
    (SubscriptionFilter(vram_gb=24, labs=("DeepSeek",)), LATER_Q4, set(), ()),  # not a release they follow
    (SubscriptionFilter(), FIRST_Q8, set(), ()),
])
def test_who_is_told_of_a_build(f: SubscriptionFilter, build: dict, said: set, expected: tuple) -> None:
    assert notices(f, Release(), build, said) == expected


def test_a_memory_filter_alerts_only_releases_that_fit() -> None:
    assert not matches(SubscriptionFilter(vram_gb=24), Release())
    assert matches(SubscriptionFilter(vram_gb=80), Release())
    assert matches(SubscriptionFilter(vram_gb=24), Release(weights_bytes=None))  # unknown: not hidden


def _store(tmp_path: Path) -> tuple[Store, int]:
    store = Store.open(f"sqlite:///{tmp_path / 't.db'}")
    with store.session() as session, session.begin():
        row = TrackedModel(repo_id="Qwen/Qwen3-32B", lab="Qwen (Alibaba)", org="Qwen", created_at=NOW,
                           first_seen_at=NOW, released_at=NOW, params_total=32_800_000_000,
                           weights_bytes=65_600_000_000, license_class="permissive")
        session.add(row)
    assert row.id is not None
    return store, row.id


def test_each_notice_goes_out_once_even_when_builds_keep_coming(tmp_path: Path) -> None:
    store, release = _store(tmp_path)
    settings = load_settings(env={"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_CHANNEL": "@c"})
    for uid, changes in ((1, {"quant_builds": True}), (2, {"vram_gb": 24.0}), (3, {}), (4, {"vram_gb": 24.0})):
        subscriptions.ensure(store, uid, uid)
        subscriptions.update(store, uid, active=True, **changes)
    subscriptions.update(store, 4, digest="daily")  # digest subscribers get digests, not instant notices
    assert builds.wanted(store)
    assert builds.recent_releases(store, NOW - timedelta(days=14)) == {"qwen/qwen3-32b": release}

    def add(repo: str, sizes: dict[str, int]) -> None:
        assert builds.record(store, builds.FoundBuild(release, repo, "GGUF", sizes, NOW), NOW)

    add("a/Q8-GGUF", {"Q8_0": 34 * GB})
    add("b/Q4-GGUF", {"Q4_K_M": 19_900_000_000, "Q8_0": 34 * GB})  # two builds in one fan-out: both fit 24 GB
    add("c/Q2-GGUF", {"Q2_K": 12 * GB})
    assert not builds.record(store, builds.FoundBuild(release, "a/Q8-GGUF", "GGUF", {"Q8_0": 1}, NOW), NOW)
    assert outbox.fan_out(store, telegram_targets(store, settings), NOW) == 2
    add("d/Q3-GGUF", {"Q3_K_M": 15 * GB})
    assert outbox.fan_out(store, telegram_targets(store, settings), NOW) == 0  # restart-proof: it is in the store

    sent = {(i.delivery.target, i.event.new_value["repo_id"]) for i in outbox.due(store, NOW)}
    assert sent == {("user:1", "a/Q8-GGUF"), ("user:2", "b/Q4-GGUF")}
    for item in outbox.due(store, NOW):
        uid = int(item.delivery.target.split(":")[1])
        assert builds.notices_of(store, uid, item.alert.id) == ((("quant",), None) if uid == 1 else (("fits",), 24.0))
    assert [b.repo_id for b in builds.builds_of(store, release)] == ["a/Q8-GGUF", "b/Q4-GGUF", "c/Q2-GGUF",
                                                                     "d/Q3-GGUF"]


def test_a_build_card_escapes_what_the_hub_supplies_and_parses_as_telegram_html() -> None:
    hostile = {"repo_id": "<b>evil</b>/x&y", "format": "GGUF<i>", "variant": "Q4_K_M</a>", "bytes": 19 * GB,
               "variants": {"Q4_K_M</a>": 19 * GB, "Q8_0&": 34 * GB}}
    release = TrackedModel(repo_id="Qwen/Qwen3-32B<script>", lab="Qwen & co")
    for lang in ("en", "it"):
        text = build_card(release, hostile, ("quant", "fits"), 24.0, lang, "https://huggingface.co")
        parsed = parse_html(text)  # Telegram would refuse a broken tag or entity
        assert "<b>evil</b>/x&y" in parsed.text and "Q4_K_M</a>" in parsed.text
        assert [e["type"] for e in parsed.entities].count("text_link") == 2


def test_recent_means_released_in_the_last_14_days_however_old_the_repo(tmp_path: Path) -> None:
    store, release = _store(tmp_path)
    with store.session() as session, session.begin():
        session.add(TrackedModel(repo_id="Qwen/Made-Public-Today", lab="Q", org="Qwen", released_at=NOW,
                                 created_at=NOW - timedelta(days=60)))
        session.add(TrackedModel(repo_id="Qwen/Old", lab="Q", org="Qwen", released_at=NOW - timedelta(days=15),
                                 created_at=NOW - timedelta(days=15)))
        session.add(TrackedModel(repo_id="Qwen/Backfilled", lab="Q", org="Qwen", released_at=NOW, backfill=True))
    assert set(builds.recent_releases(store, NOW - timedelta(days=14))) == {"qwen/qwen3-32b", "qwen/made-public-today"}
