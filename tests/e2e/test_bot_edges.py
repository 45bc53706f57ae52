"""End to end through the fake Bot API (real HTTP, real PTB): the inputs that once made handlers fail,
inline queries and one-tap follow links. Shares the bot and store of test_bot_commands."""

from __future__ import annotations

import pytest

from tests.e2e.test_bot_commands import World, world  # noqa: F401  (the module's shared bot)


@pytest.mark.parametrize(("text", "expect"), [
    ("/recent " + "9" * 5000, "Recent releases"),
    ("/recent ³", "I don't know the lab"),
    ("/settings min 1e999B", "is not a size"),
    ("/settings max 99999999999999999999999T", "is not a size"),
    ("/settings colour red", "I can't set"),
    ("/model \ud800", "No stored model matches"),
    ("/lab \ud800", "I don't know the lab"),
    ("/\ud800", "I don't know"),
])
def test_inputs_that_once_failed_get_a_friendly_answer(world: World, text: str, expect: str,  # noqa: F811
                                                       caplog: pytest.LogCaptureFixture) -> None:
    reply = world.send(world.user(), text)
    assert expect in reply
    assert "Something went wrong" not in reply and "bot handler failed" not in caplog.text


@pytest.mark.parametrize("data", ["s:min:1e999B", "s:max:99999999999999999999999T", "m:9223372036854775808"])
def test_forged_buttons_with_huge_numbers_get_a_short_answer(world: World, data: str,  # noqa: F811
                                                             caplog: pytest.LogCaptureFixture) -> None:
    user = world.user()
    (message,) = world.bot.send(user, "/settings")
    query_id = world.fake.user_clicks(user, message, data)
    answer = world.fake.wait_for(
        lambda: next((a for a in world.fake.callback_answers if a["callback_query_id"] == query_id), None))
    assert answer["text"] in ("This button is no longer valid", "That model is no longer stored")
    assert "bot handler failed" not in caplog.text
