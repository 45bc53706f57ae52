"""End to end through the fake Bot API: the openness filter and the weight-update opt-in of /settings, and
what /model says about how open a model is and what its card says (issue 9)."""

from __future__ import annotations

from tests.integration.test_bot_commands import World, world  # noqa: F401  (the module's bot, store and Hub)
from tracker.deliver.filters import SubscriptionFilter, matches
from tracker.store import subscribers as subscriptions
from tracker.store.queries import find_models


def test_settings_openness_filter_and_weight_updates_by_text(world: World) -> None:  # noqa: F811
    user = world.user()
    text = world.send(user, "/settings openness open-model+")
    assert "Openness: open-model, open-science" in text
    assert subscriptions.get(world.store, user).openness_levels == ["open-model", "open-science"]
    assert "Openness: open-weights" in world.send(user, "/settings openness open-weights")
    wrong = world.send(user, "/settings openness <b>free</b>")
    assert "Unknown openness level <b>free</b>." in wrong  # shown as typed: escaped, or the fake had refused it
    assert "Valid: restricted-weights, open-weights, open-model, open-science" in wrong
    assert "Weight updates: not alerted" in world.send(user, "/settings openness any")
    assert "Weight updates: alerted" in world.send(user, "/settings weights on")
    assert subscriptions.get(world.store, user).weight_updates is True
    assert "/settings weights on" in world.send(user, "/settings weights maybe")
    text = world.send(user, "/settings reset")
    assert "Openness: any" in text and "Weight updates: not alerted" in text


def test_the_openness_filter_picks_the_stored_models_it_names(world: World) -> None:  # noqa: F811
    user = world.user()
    world.send(user, "/settings openness open-model+")
    f = SubscriptionFilter.of(subscriptions.get(world.store, user))
    qwen = find_models(world.store.engine, "Qwen/Qwen3-30B-A3B")[0]
    gpt = find_models(world.store.engine, "openai/gpt-oss-120b")[0]
    assert qwen.openness_level == "open-model" and matches(f, qwen)
    assert gpt.openness_level == "open-weights" and not matches(f, gpt)


def test_model_answer_shows_summary_and_openness_with_its_evidence(world: World) -> None:  # noqa: F811
    text = world.send(world.user(), "/model Qwen/Qwen3-30B-A3B")
    assert "Qwen3 is the latest generation of large language models in Qwen series" in text
    assert "🧭 open-model: open weights, technical report and code" in text
    assert "· code: https://github.com/QwenLM/Qwen3" in text
    assert "📜 40K tokens of context" in text and "🖥 Fits on 1×80 GB GPU as shipped" in text
    # 48 layers x 2 x 4 KV heads x 128 x BF16 = 96 KiB a token: 18.9 GB hold 4 sequences of the 40K context
    assert "left for the KV cache: room for 4 sequences of the full 40K context" in text


def test_settings_buttons_toggle_openness_levels_and_weight_updates(world: World) -> None:  # noqa: F811
    user = world.user()
    (msg,) = world.bot.send(user, "/settings")
    assert "Openness: any" in msg.text
    world.bot.click(user, msg, "s:open")
    levels = world.bot.last(user)
    assert [b["callback_data"] for b in levels.buttons][:4] == [
        "s:open:restricted-weights", "s:open:open-weights", "s:open:open-model", "s:open:open-science"]
    assert world.bot.click(user, levels, "s:open:open-science")["text"] == "Saved"
    world.bot.click(user, world.bot.last(user), "s:open:open-model")
    assert subscriptions.get(world.store, user).openness_levels == ["open-model", "open-science"]
    assert "Openness: open-model, open-science" in world.bot.last(user).text
    world.bot.click(user, world.bot.last(user), "s:home")
    world.bot.click(user, world.bot.last(user), "s:w")
    assert subscriptions.get(world.store, user).weight_updates is True
    assert "Weight updates: alerted" in world.bot.last(user).text


def test_model_answer_shows_the_labs_active_figure_beside_ours(world: World) -> None:  # noqa: F811
    gpt = find_models(world.store.engine, "openai/gpt-oss-120b")[0]
    assert gpt.params_active_lab is not None and gpt.params_active_lab < gpt.params_active  # no embeddings
    text = world.send(world.user(), "/model openai/gpt-oss-120b")
    assert "active per token" in text and "5.1B as the lab counts it" in text
    deepseek = world.send(world.user(), "/model deepseek-ai/DeepSeek-V3")
    assert "as the lab counts it" not in deepseek  # DeepSeek counts embeddings in, as we do
