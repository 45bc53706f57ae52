"""Follow-ups, the pure parts: the TRACKER_FOLLOWUP_AFTER setting, the model tree from tags, the providers'
two shapes, and the follow-up lines on cards (escaped, in the card's language, within Telegram's limit)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.config import ConfigError, duration_label, load_settings, parse_durations
from tracker.facts.tree import quant_label, relation, summarise
from tracker.hub.followup import live_providers
from tracker.render import l10n
from tracker.render.text import visible_length
from tracker.render.views import followup
from tracker.telegram.cards import followup_block, release_card


@pytest.mark.parametrize(("text", "seconds"), [
    ("24h,7d", [86_400, 604_800]), ("7d, 24h", [86_400, 604_800]), ("3s,6s", [3, 6]), ("90m", [5400]),
    ("1d,24h", [86_400]), ("off", []), ("", []), (" 2H ", [7200]),
])
def test_durations_parse(text: str, seconds: list[int]) -> None:
    assert parse_durations(text) == seconds


@pytest.mark.parametrize("text", ["5x", "24", "h", "1h,,2h", "-1h", "0s", "400d", "1.5h", "24h;7d"])
def test_bad_durations_are_a_clear_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="TRACKER_FOLLOWUP_AFTER") as caught:
        load_settings(TRACKER_FOLLOWUP_AFTER=text)
    assert "duration" in str(caught.value) or "between" in str(caught.value)


def test_the_default_is_a_day_and_a_week_and_config_shows_it_as_written() -> None:
    settings = load_settings()
    assert settings.followup_after == [86_400, 604_800]
    assert settings.redacted()["TRACKER_FOLLOWUP_AFTER"] == "24h,7d"
    assert load_settings(TRACKER_FOLLOWUP_AFTER="off").redacted()["TRACKER_FOLLOWUP_AFTER"] == "off"


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_value_error(text: str) -> None:
    try:
        parsed = parse_durations(text)
    except ValueError:
        return
    assert parsed == sorted(set(parsed)) and all(1 <= s <= 365 * 86_400 for s in parsed)
    assert parse_durations(",".join(duration_label(s) for s in parsed) or "off") == parsed  # labels round-trip


@pytest.mark.parametrize(("seconds", "en", "it"), [
    (86_400, "24 h later", "24 ore dopo"), (604_800, "7 days later", "7 giorni dopo"),
    (3, "3 s later", "3 s dopo"), (1800, "30 min later", "30 min dopo"), (172_800, "2 days later", "2 giorni dopo"),
])
def test_checkpoints_read_as_people_say_them(seconds: int, en: str, it: str) -> None:
    assert l10n.later(seconds) == en
    with l10n.speaking("it"):
        assert l10n.later(seconds) == it


@dataclass
class Child:
    repo_id: str
    tags: tuple[str, ...]
    likes: int = 0
    library_name: str | None = None


BASE = "Qwen/Qwen3-8B"


def tree_tags(kind: str, base: str = BASE) -> tuple[str, ...]:
    return (f"base_model:{base}", f"base_model:{kind}:{base}")


def test_the_tree_is_read_from_the_relation_tags_not_from_names() -> None:
    children = [
        Child("bartowski/Qwen3-8B-GGUF", ("gguf", *tree_tags("quantized")), 90),
        Child("mlx-community/Qwen3-8B-4bit", ("mlx", *tree_tags("quantized")), 60, "mlx"),
        Child("Qwen/Qwen3-8B-AWQ", ("transformers", "awq", *tree_tags("quantized")), 70),
        Child("someone/Qwen3-8B-GGUF-but-a-finetune", tree_tags("finetune"), 5),
        Child("x/lora", tree_tags("adapter"), 1, "peft"),
        Child("m/merge", (*tree_tags("merge"), *tree_tags("merge", "Other/Model")), 3),
        Child("cousin/of-another", tree_tags("quantized", "Qwen/Qwen3-4B"), 999),
        Child("grandchild/of-a-finetune", tree_tags("quantized", "someone/Qwen3-8B-GGUF-but-a-finetune"), 50),
    ]
    tree = summarise(BASE, children)
    assert {k: tree[k]["count"] for k in ("quantized", "finetune", "adapter", "merge")} == {
        "quantized": 3, "finetune": 1, "adapter": 1, "merge": 1}
    assert [t["label"] for t in tree["quantized"]["top"]] == ["bartowski GGUF", "Qwen AWQ", "mlx-community 4-bit"]
    assert tree["finetune"]["top"][0]["label"] == "someone/Qwen3-8B-GGUF-but-a-finetune"
    assert relation(Child("a/b", ("base_model:quantized:qwen/qwen3-8b",)), BASE) == "quantized"  # ids: any case


@pytest.mark.parametrize(("child", "label"), [
    (Child("mlx-community/Qwen3-8B-8bit", (), library_name="mlx"), "mlx-community 8-bit"),
    (Child("mlx-community/Qwen3-8B-DWQ", ("mlx",)), "mlx-community MLX"),
    (Child("unsloth/Qwen3-8B-GGUF", ("gguf",)), "unsloth GGUF"),
    (Child("RedHatAI/Qwen3-8B-FP8-dynamic", ("compressed-tensors",)), "RedHatAI FP8"),
    (Child("Qwen/Qwen3-8B-GPTQ-Int4", ("gptq",)), "Qwen GPTQ"),
    (Child("turboderp/Qwen3-8B-exl2", ()), "turboderp EXL2"),
    (Child("unsloth/Qwen3-8B-bnb-4bit", ("bitsandbytes",)), "unsloth bnb"),
    (Child("someone/Qwen3-8B-q", ()), "someone/Qwen3-8B-q"),
])
def test_quantized_builds_are_named_by_owner_and_format(child: Child, label: str) -> None:
    assert quant_label(child) == label


def test_the_most_liked_are_named_once_each() -> None:
    children = [Child(f"bartowski/Qwen3-8B-GGUF-{i}", ("gguf", *tree_tags("quantized")), 10 - i) for i in range(5)]
    children.append(Child("lmstudio-community/Qwen3-8B-GGUF", ("gguf", *tree_tags("quantized")), 1))
    top = summarise(BASE, children)["quantized"]["top"]
    assert [t["label"] for t in top] == ["bartowski GGUF", "lmstudio-community GGUF"]


def test_live_providers_from_both_shapes() -> None:
    as_info = {"together": {"status": "live", "providerId": "x", "task": "conversational"},
               "nebius": {"status": "staging"}, "groq": {"status": "error"}, "novita": {"status": "live"}}
    as_listing = [{"provider": name, **value} for name, value in as_info.items()]
    assert live_providers(as_info) == live_providers(as_listing) == ("together", "novita")
    assert live_providers(None) == live_providers("live") == live_providers([1, "x"]) == ()
    assert live_providers({"evil\u0000<b>": {"status": "live"}, "ok": "live"}) == ("evil<b>",)


def test_an_old_or_partial_follow_up_still_renders() -> None:
    view = followup({"after": 60, "quantized": {"count": 2}, "paper": "not a dict"})
    assert view["quantized"] == {"count": 2, "top": []} and view["merge"] == {"count": 0, "top": []}
    assert view["paper"] is None and view["providers"] == [] and view["complete"] is True
    m = SimpleNamespace(id=1, repo_id="a/b")
    assert "1 min later" in followup_block([m], {1: [{"after": 60}]}, "en")


FU = {"after": 86_400, "likes": 1234, "downloads": 56_789, "providers": ["together", "novita"],
      "quantized": {"count": 3, "top": [{"id": "bartowski/Q-GGUF", "label": "bartowski GGUF", "likes": 9},
                                        {"id": "mlx-community/Q-4bit", "label": "mlx-community 4-bit", "likes": 8},
                                        {"id": "unsloth/Q-GGUF", "label": "unsloth GGUF", "likes": 7}]},
      "finetune": {"count": 1, "top": [{"id": "a/<script>", "label": "a/<script>", "likes": 1}]},
      "adapter": {"count": 1, "top": []}, "merge": {"count": 0, "top": []},
      "paper": {"id": "2505.09388", "title": "Qwen3 Technical Report & <More>", "upvotes": 142}}


def test_the_follow_up_line_says_what_the_issue_asks_escaped() -> None:
    m = SimpleNamespace(id=7, repo_id="Qwen/Qwen3-8B")
    line = followup_block([m], {7: [FU]}, "en")
    assert line == ("📈 <b>24 h later</b>: 3 quantized builds (bartowski GGUF, mlx-community 4-bit…), 1 fine-tune "
                    "(a/&lt;script&gt;), 1 adapter · live on together, novita · paper: Qwen3 Technical Report "
                    "&amp; &lt;More&gt;, 142 upvotes · 1,234 likes, 56,789 downloads")
    it = followup_block([m], {7: [FU]}, "it")
    assert it.startswith("📈 <b>24 ore dopo</b>: 3 versioni quantizzate") and "1.234 like" in it


def test_a_card_with_follow_ups_fits_telegram(tmp_path: object) -> None:
    long = {**FU, "paper": {"id": "1", "title": "T" * 3000, "upvotes": 1}}
    m = SimpleNamespace(id=1, repo_id="Qwen/Qwen3-8B", lab="Qwen", org="Qwen", family="Qwen3", variant=None,
                        quant_format=None, modality=None, pipeline_tag=None, summary="S" * 200, params_total=None,
                        params_active=None, params_total_source=None, params_active_source=None,
                        params_stored=None, memory_bf16_gb=None, license="x" * 900, license_id=None,
                        license_name=None, license_link=None, license_class=None, license_reason=None,
                        gated="no", openness_level=None, context_length=None, weights_bytes=None,
                        first_seen_at=None, created_at=None, released_at=None, backfill=False,
                        kv_bytes_per_token=None, params_notes=None, params_active_lab=None, is_moe=False,
                        openness_evidence=None, library_name=None, distilled_from=None)
    text = release_card([m], "en", "https://huggingface.co", followups={1: [long, long, long]})
    assert visible_length(text) <= 4096
    assert "📈" in text and "Qwen3-8B" in text
