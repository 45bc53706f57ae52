"""Inline mode of the fake Bot API: inline_query updates and answerInlineQuery (mixed into FakeTelegram).

    fake.inline_mode = True                       # as /setinline in @BotFather; getMe reports it
    query_id = fake.user_inline(42, "deepseek")   # someone types "@bot deepseek" in any chat
    answer = fake.wait_for(lambda: fake.inline_answer(query_id))

answerInlineQuery is checked as Telegram does: at most 50 results, ids of 1-64 bytes and unique, a
next_offset of at most 64 bytes, each result's message text parsed (HTML errors and texts over 4,096
characters after parsing are 400s), buttons validated, and each query answered once, within
ANSWER_WINDOW seconds of being asked (later, Telegram has dropped it: 400 "query is too old"). Each answer
keeps when it came (`at`, time.monotonic()).
"""

from __future__ import annotations

import re
import time
from typing import Any

from .telegram_methods import BotApiMethods
from .telegram_models import ApiError, as_bool, as_int, as_json, bad_request, validate_reply_markup

MAX_RESULTS = 50
_START = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TYPES_WITH_TEXT = {"article"}
TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
ANSWER_WINDOW = 10.0  # seconds Telegram waits for an answer before it drops the query


class InlineMixin(BotApiMethods):
    """``user_inline`` plus ``m_answerinlinequery``; answers land in ``inline_answers``."""

    inline_mode: bool = False
    inline_window: float = ANSWER_WINDOW
    _query_ids: Any

    def _inline_state(self) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        if not hasattr(self, "_inline_queries"):
            self._inline_queries: dict[str, dict[str, Any]] = {}
            self._inline_asked: dict[str, float] = {}
            self.inline_answers: list[dict[str, Any]] = []
        return self._inline_queries, self.inline_answers

    def m_getme(self, params: dict[str, Any]) -> Any:
        return dict(super().m_getme(params), supports_inline_queries=self.inline_mode)

    def user_inline(self, user_id: int, query: str, offset: str = "", first_name: str = "Ada",
                    language_code: str | None = "en", chat_type: str = "private") -> str:
        """Enqueue an inline_query update (the user typed "@bot <query>"); returns the query id."""
        if not self.inline_mode:
            raise RuntimeError("inline mode is off for this bot (set fake.inline_mode = True, like /setinline)")
        with self._cond:
            queries, _ = self._inline_state()
            query_id = f"9{user_id}{next(self._query_ids):08d}"
            user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
            if language_code:
                user["language_code"] = language_code
            queries[query_id] = {"id": query_id, "from": user, "query": query[:256], "offset": offset,
                                 "chat_type": chat_type}
            self._inline_asked[query_id] = time.monotonic()
            self._enqueue({"inline_query": queries[query_id]})
            return query_id

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answer to an inline query, once it came."""
        with self._cond:
            return next((a for a in self._inline_state()[1] if a["inline_query_id"] == query_id), None)

    def m_answerinlinequery(self, params: dict[str, Any]) -> Any:
        queries, answers = self._inline_state()
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in queries or time.monotonic() - self._inline_asked[query_id] > self.inline_window:
            raise bad_request(TOO_OLD)
        results = as_json(params.get("results"), "results")
        if not isinstance(results, list):
            raise bad_request("can't parse results JSON object")
        if len(results) > MAX_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        parsed = [self._inline_result(result, seen) for result in results]
        next_offset = str(params.get("next_offset") or "")
        if len(next_offset.encode("utf-8")) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        cache_time = as_int(params.get("cache_time") or 300, "cache_time")
        button = self._results_button(as_json(params.get("button"), "button"))
        queries.pop(query_id)
        answers.append({"inline_query_id": query_id, "results": parsed, "next_offset": next_offset, "button": button,
                        "cache_time": cache_time, "is_personal": as_bool(params.get("is_personal", False)),
                        "at": time.monotonic()})
        self._cond.notify_all()
        return True

    @staticmethod
    def _results_button(button: Any) -> dict[str, Any] | None:
        """The button above the results: a text and either a start_parameter or a web_app."""
        if button in (None, ""):
            return None
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            raise bad_request("BUTTON_TEXT_INVALID")
        if ("start_parameter" in button) == ("web_app" in button):
            raise bad_request("BUTTON_TYPE_INVALID")
        if "start_parameter" in button and not _START.fullmatch(str(button["start_parameter"])):
            raise bad_request("START_PARAM_INVALID")
        return button

    def _inline_result(self, result: Any, seen: set[str]) -> dict[str, Any]:
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise bad_request("can't parse InlineQueryResult: Field \"type\" must be of type String")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        out = dict(result)
        if result["type"] in _TYPES_WITH_TEXT:
            if not str(result.get("title") or "").strip():
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict) or "message_text" not in content:
                raise bad_request("MESSAGE_EMPTY")
            try:
                text = self._parse_text({"text": content["message_text"], "parse_mode": content.get("parse_mode"),
                                         "entities": content.get("entities")})
            except ApiError as exc:
                if "too long" in exc.description:
                    raise bad_request("MESSAGE_TOO_LONG") from None
                raise
            out["parsed_text"], out["parsed_entities"] = text.text, text.entities
        out["reply_markup"] = validate_reply_markup(result.get("reply_markup"))
        return out
