"""Italian, all of it: every Italian template and every bot answer, rendered in Italian, holds none of the
English words that once leaked into it and no number written the English way.

The bot is the real one (tracker.bot through python-telegram-bot) against the fake Bot API, over a store
filled by a real poll (and enrichment) of the fake Hub; cards, digests and the chart are rendered by the
functions the sender uses. Text that comes from the Hub (model names, card summaries, links) is left out of
the check: it is quoted, not ours to translate.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.bot_harness import BotHarness
from tracker.bot.base import page
from tracker.config import load_settings
from tracker.deliver import digests
from tracker.deliver.apprise_sink import render_message
from tracker.deliver.filters import LICENSE_CLASSES
from tracker.facts.fits import setup_table
from tracker.facts.openness import classify_openness
from tracker.hub.client import HubClient
from tracker.poll.cycle import Poller
from tracker.render import l10n
from tracker.render.chart_png import releases_chart
from tracker.render.templates import environment, templates_dir
from tracker.store import queries
from tracker.store.releases import Store
from tracker.telegram import cards
from tracker.telegram.channel_digest import caption, chart_title
from tracker.watchlist import load_watchlist

TOKEN = "4242:test-token-SECRET"
ADMINS = (4999, 4998)
USERS = tuple(range(1, 13))  # Italian speakers, taking turns
HUB = "https://huggingface.co"

# English that reached Italian readers (issue 19 §3), and what the rest of the messages would say in English.
ENGLISH = (
    "released", "release", "releases", "made public", "public since", "first seen", "created on", "tokens",
    "of context", "room for", "sequences", "fits on", "left for", "none of our", "as shipped", "GPUs", "China",
    "North America", "Europe", "Middle East", "Asia-Pacific", "United States", "permissive", "open-restricted",
    "non-commercial", "license", "licenses", "OSI-approved", "technical report", "training data",
    "code repository", "model card", "not read", "declared", "linked", "size unknown", "unknown", "other labs",
    "today", "yesterday", "Today's", "This week's", "by lab and size", "stored in", "weight files",
    "not counted", "total", "active", "parameters", "reasoning", "text", "Gated", "Open download",
    "request access", "Follow", "private chat", "subscribe to", "Settings", "any", "none", "more",
)
_ENGLISH = re.compile(r"(?<![\w/@-])(?:" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])", re.I)
# Numbers written the English way: "6.3M", "1.5T", "61.1 GB", "12,345", ISO dates.
_UNLOCALISED = re.compile(r"\b\d+\.\d{1,2}\s?(?:[KMBT]|GB)(?!\w)|\b\d{1,3}(?:,\d{3})+(?![\d,])|\b\d{4}-\d{2}-\d{2}\b")
# Not ours to translate: links, repo ids, code, the product's name, and commands to type as written.
# Italian that reads wrong: "dal oggi" (da oggi), "dal 8 apr" (dall'8 apr).
_GRAMMAR = re.compile(r"\bdal (?:oggi|ieri|1|8|11)\b")
_QUOTED = re.compile(r"https?://\S+|[\w.-]+/[\w.-]+|<code>.*?</code>|Release Tracker|/settings [^·\n]*")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@dataclass
class Italian:
    bot: BotHarness
    fake: FakeTelegram
    store: Store
    quoted: list[str] = field(default_factory=list)  # Hub texts, longest first
    seen: list[tuple[str, str]] = field(default_factory=list)  # (what, text) of everything checked
    users: Iterator[int] = field(default_factory=lambda: itertools.cycle(USERS))

    def check(self, what: str, text: str) -> str:
        """Record `text` (rendered in Italian) for the checks; returns it."""
        self.seen.append((what, text))
        return text

    def ask(self, text: str, user: int | None = None, count: int = 1) -> list:
        """Send `text` as `user` (else the next of the Italian users: Telegram allows a chat 3 messages in 3 s)."""
        replies = self.bot.send(user or next(self.users), text, count=count)
        assert not [r for r in replies if "Qualcosa è andato storto" in r.text], f"{text}: the handler failed"
        for reply in replies:
            self.check(text, reply.text)
            for button in reply.buttons:
                self.check(f"{text} button", button["text"])
        return replies

    def click(self, message, data: str, user: int = 1) -> None:  # type: ignore[no-untyped-def]
        answer = self.bot.click(user, message, data)
        self.check(f"{data} answer", answer.get("text") or "")
        edited = self.bot.last(user)
        self.check(data, edited.text)
        for button in edited.buttons:
            self.check(f"{data} button", button["text"])

    def leaks(self, text: str) -> tuple[list[str], list[str]]:
        for quoted in self.quoted:
            text = text.replace(quoted, " ")
        text = re.sub(r"<[^>]+>", " ", _QUOTED.sub(" ", text))
        return _ENGLISH.findall(text), _UNLOCALISED.findall(text) + _GRAMMAR.findall(text)


def fill_hub(hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(hub)  # old: recorded silently, a shared card must not call it new
    hub_catalog.qwen3_30b_a3b(hub, created_at=ago(hours=2))
    hub_catalog.gpt_oss_120b(hub, created_at=ago(hours=3))
    hub_catalog.glm_4_5_air(hub, created_at=ago(days=100))
    hub_catalog.llama_3_1_8b(hub, created_at=ago(days=8))
    hub.add_model("MiniMaxAI/MiniMax-M1-80k", created_at=ago(days=300),
                  config=hub_catalog.real_config("MiniMaxAI/MiniMax-M1-80k"), safetensors={"BF16": 456 * 10**9})
    hub.add_model("Qwen/Qwen3-1.5T-Toy", created_at=ago(days=40), safetensors={"BF16": 1_500 * 10**9},
                  license="cc-by-nc-4.0")


@pytest.fixture
def italian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Italian]:
    tmp: Path = tmp_path_factory.mktemp("italian")
    environment().cache.clear()  # to see which templates this module loads
    with FakeHub() as hub, FakeTelegram(token=TOKEN, rate_limits=None) as fake:
        fill_hub(hub)
        store = Store.open(f"sqlite:///{tmp}/t.db")
        watchlist = load_watchlist(None)
        poller = Poller(HubClient(endpoint=hub.url, token=None, timeout=10, cache_dir=tmp / "hf"), store, watchlist,
                        workers=4)
        poller.run_cycle()
        poller.enrich(100)  # configs and model cards of the models recorded silently
        poller.enrich_cards(100)
        settings = load_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_CHANNEL="@releases",
                                 TRACKER_ADMINS=",".join(map(str, ADMINS)), HF_ENDPOINT=HUB, TRACKER_DATABASE_URL=f"sqlite:///{tmp}/t.db")
        for admin in ADMINS:
            fake.add_private(admin, "Root")
        rows = queries.history(store.engine, queries.HistoryFilter(limit=None))
        quoted = [t for r in rows for t in (r.repo_id, r.repo_id.split("/", 1)[1], r.summary, r.license_name,
                                            *(r.base_models or ())) if t]
        with BotHarness(fake, settings, store, watchlist) as bot:
            world = Italian(bot, fake, store, sorted(set(quoted), key=len, reverse=True))
            for user in USERS:
                bot.send(user, "/start", first_name="Ada", language_code="it-IT")
            for admin in ADMINS:
                bot.send(admin, "/lang it")
            yield world


def test_every_template_and_bot_answer_is_italian(italian: Italian) -> None:
    """One test (one bot, one store): xdist would otherwise start a bot per worker."""
    bot_answers(italian)
    cards_digests_and_charts(italian)
    assert_italian(italian)
    loaded = {name for _, name in environment().cache}
    italian_files = {p.relative_to(templates_dir()).as_posix() for p in (templates_dir() / "it").rglob("*.*")
                     if p.suffix in (".html", ".md", ".txt")}
    assert italian_files - loaded == set(), "Italian templates this test does not render"
    assert {name for name in loaded if name.startswith("en/")} == set(), "fell back to English"


def bot_answers(italian: Italian) -> None:
    for command in ("/start", "/help", "/labs", "/lab deepseek", "/lab minimax", "/lab nessuno", "/lab",
                    "/recent", "/recent 3 qwen", "/recent 2 mistral", "/stats", "/model DeepSeek-V3",
                    "/model gpt-oss-120b", "/model MiniMax-M1", "/model Qwen3-1.5T", "/model qwen", "/model zzzz",
                    "/model", "/subscribe", "/subscribe deepseek nessuno", "/unsubscribe", "/unsubscribe", "/lang",
                    "/settings", "/settings min 1.5T", "/settings max 7", "/settings license permissive",
                    "/settings keywords", "/settings digest daily", "/settings digest off", "/settings min 9T",
                    "/settings quants on", "/settings quants forse", "/settings vram 7,5", "/settings vram molta",
                    "/start sub_deepseek", "/start sub_nessuno", "/boh", "ciao"):
        italian.ask(command)
    (recent,) = italian.ask("/recent 2", user=1)
    italian.click(recent, recent.buttons[0]["callback_data"])
    (listing,) = italian.ask("/recent 2", user=2)
    italian.click(listing, "r:2:2:-", user=2)
    # Each /settings view from its own chat (Telegram allows a chat 3 edits in 3 s).
    for user, clicks in zip(USERS[2:], (("s:labs:0", "s:all:0"), ("s:min", "s:min:7B"), ("s:max",),
                                        ("s:lic", "s:lic:permissive"), ("s:open",), ("s:dg", "s:dg:weekly"),
                                        ("s:kw",), ("s:done",), ("s:vr", "s:vr:24"), ("s:qb",)), strict=False):
        italian.ask("/settings", user=user)
        for data in clicks:
            italian.click(italian.bot.last(user), data, user=user)
    for admin, command in zip(itertools.cycle(ADMINS), ("/status", "/pause", "/pause", "/resume", "/resume",
                                                         "/unwatch nessuno"), strict=False):
        italian.ask(command, user=admin)
    italian.fake.inline_mode = True
    for query in ("deepseek", "", "qwen"):
        query_id = italian.fake.user_inline(1, query, "", language_code="it")
        answer = italian.fake.wait_for(lambda q=query_id: italian.fake.inline_answer(q))
        for result in answer["results"]:
            italian.check(f"inline {query}", result["input_message_content"]["message_text"])
            italian.check(f"inline {query} description", result["description"])


def cards_digests_and_charts(italian: Italian) -> None:
    rows = queries.history(italian.store.engine, queries.HistoryFilter(limit=None))
    wave = [r for r in rows if r.repo_id.startswith("Qwen/")]
    for kind in ("new", "published", "shared"):
        for row in rows:
            italian.check(f"{kind} card {row.repo_id}", cards.release_card([row], "it", HUB, kind=kind,
                                                                           follow_url="https://t.me/bot?start=x"))
    italian.check("wave", cards.release_card(wave, "it", HUB))
    fu = {"after": 86_400, "likes": 1234, "downloads": 56_789, "providers": ["together", "novita"],
          "quantized": {"count": 3, "top": [{"id": "bartowski/Q-GGUF", "label": "bartowski GGUF", "likes": 9}]},
          "finetune": {"count": 2, "top": []}, "adapter": {"count": 1, "top": []},
          "paper": {"id": "2505.09388", "title": "Qwen3", "upvotes": 142}}
    italian.check("card with follow-ups", cards.release_card([rows[0]], "it", HUB, followups={
        rows[0].id: [fu, {"after": 604_800, "likes": 1, "downloads": 2}]}))
    italian.check("wave with follow-ups", cards.release_card(wave, "it", HUB, followups={wave[0].id: [fu]}))
    old = {"sha": "a" * 40, "params_total": 30_000_000_000, "parameters": {"BF16": 30_000_000_000}}
    new = {"sha": "b" * 40, "params_total": 30_532_122_624, "parameters": {"BF16": 30_532_122_624},
           "files": 16, "bytes": 61_064_245_248}
    italian.check("weights card", cards.weights_card(rows[0], old, new, "it", HUB))
    build = {"repo_id": "bartowski/Qwen3-32B-GGUF", "format": "GGUF", "variant": "IQ2_XXS", "bytes": 9_012_345_678,
             "variants": {"IQ2_XXS": 9_012_345_678, "Q4_K_M": 19_851_335_840, "Q8_0": 34_820_000_000}}
    for notices in (("quant",), ("fits",), ("quant", "fits")):
        italian.check(f"build card {notices}", cards.build_card(rows[0], build, notices, 24.0, "it", HUB))
    italian.check("license card", cards.license_card(rows[0], {"license": "apache-2.0"}, {"license": "mit"}, "it",
                                                     HUB))
    apprise_messages(italian, rows, wave, old, new)
    now = datetime.now(UTC)
    changes = [digests.Change("license_changed", rows[0], {"license": "apache-2.0"}, {"license": "mit"}),
               digests.Change("weights_updated", rows[1], old, new)]
    for mode in ("daily", "weekly"):
        view = digests.DigestView(mode, now - timedelta(days=7), now, rows, changes)
        italian.check(f"{mode} digest", digests.digest_text(view, "it", HUB))
        italian.check(f"{mode} channel caption", caption(rows, mode, now - timedelta(days=7), now, "it", HUB))
        italian.check(f"{mode} chart", releases_chart(rows, chart_title(mode, "it"), "it").svg())
    many = [*rows, *(type("Row", (), {"lab": f"Lab {i}", "params_total": None})() for i in range(13))]
    chart = releases_chart(many, chart_title("daily", "it"), "it")
    assert "dimensione ignota" in chart.svg() and "altri lab" in chart.svg()
    assert not [t["label"] for t in chart.xticks if "." in t["label"]]
    italian.check("chart with every legend", chart.svg())
    for status in ("proposed", "watched", "ignored"):
        row = type("Org", (), {"status": status, "org": "acme", "repo_id": "acme/Acme-7B", "likes": 1234,
                               "model_created_at": now})()
        italian.check(f"discovery {status}", page("discovery", "it", row=row, url=f"{HUB}/acme/Acme-7B",
                                                  org_url=f"{HUB}/acme"))


def apprise_messages(italian: Italian, rows: list, wave: list, old: dict, new: dict) -> None:
    """The Apprise messages (templates/it/apprise_*), rendered as the sink renders them."""
    def item(row, alert: str, event: str, before: dict | None = None, after: dict | None = None):  # noqa: ANN001, ANN202
        return SimpleNamespace(alert=SimpleNamespace(kind=alert), model=row,
                               event=SimpleNamespace(kind=event, old_value=before, new_value=after))

    for what, items in (("release", [item(rows[0], "release", "new")]),
                        ("made public", [item(rows[1], "release", "published")]),
                        ("wave", [item(r, "release", "new") for r in wave]),
                        ("license change", [item(rows[0], "license_changed", "license_changed",
                                                 {"license": "apache-2.0"}, {"license": "mit"})]),
                        ("weight update", [item(rows[0], "weights_updated", "weights_updated", old, new)])):
        title, body = render_message(items, HUB, "it")  # type: ignore[arg-type]
        italian.check(f"Apprise {what}", f"{title}\n{body}")


def test_the_checks_catch_what_leaked_before() -> None:
    probe = Italian(None, None, None)  # type: ignore[arg-type]
    words, numbers = probe.leaks("Cina: 1 · permissive · 8×80 GB GPUs · North America · ≈ 6.3M token · 1.5T · "
                                 "pubblico dal 2026-12-07 · 12,345 · pubblico dal oggi")
    assert [w.lower() for w in words] == ["permissive", "gpus", "north america"]
    assert numbers == ["6.3M", "1.5T", "2026-12-07", "12,345", "dal oggi"]
    assert probe.leaks("61,1 GB · 1.369 GB · 30,5B · 6,3M · 12.345 · 7 dic 2026") == ([], [])


def assert_italian(italian: Italian) -> None:
    problems = []
    for what, text in italian.seen:
        words, numbers = italian.leaks(text)
        if words or numbers:
            problems.append(f"{what}: English {sorted(set(words))}, numbers {sorted(set(numbers))}\n{text}")
    assert not problems, "\n\n".join(problems[:8])
    assert len(italian.seen) > 40


@pytest.mark.parametrize(("moment", "now", "expected"), [
    (datetime(2026, 12, 7, 3, 20, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC), "da oggi, 03:20 UTC"),
    (datetime(2026, 12, 6, 3, 20, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC), "da ieri, 03:20 UTC"),
    (datetime(2025, 4, 27, 3, 40, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC), "dal 27 apr 2025, 03:40 UTC"),
    (datetime(2025, 4, 8, 3, 40, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC), "dall'8 apr 2025, 03:40 UTC"),
    (datetime(2025, 4, 11, 3, 40, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC), "dall'11 apr 2025, 03:40 UTC"),
])
def test_since_takes_the_right_preposition(moment: datetime, now: datetime, expected: str) -> None:
    with l10n.speaking("it"):
        assert l10n.since(moment, now) == expected
    assert l10n.since(moment, now).startswith("since ")
    with l10n.speaking("it"):  # a card that stays in a channel never says "oggi"
        assert l10n.since(moment, now, style="moment").startswith(("dal ", "dall'"))
        assert l10n.since(datetime(2025, 4, 8, tzinfo=UTC), style="day") == "dall'8 apr 2025"


def test_every_openness_reason_watchlist_place_and_license_class_has_its_italian() -> None:
    reasons = set()
    for license_id, cls in (("apache-2.0", "permissive"), ("cc-by-4.0", "permissive"), ("x", "non-commercial"),
                            ("x", "open-restricted"), ("x", "permissive"), ("x", "unknown"), (None, "unknown")):
        for readme in (None, {"found": False}, {"found": False, "problem": "too large"},
                       {"found": True, "papers": ["a", "b", "c", "d"], "code": ["https://github.com/x/y"]}):
            reasons |= set(classify_openness(license_id, cls, "manual", ("dataset:d",), {}, readme)[1])
            reasons |= set(classify_openness(license_id, cls, False, (), {"datasets": ["d"]}, readme)[1])
    with l10n.speaking("it"):
        untranslated = [r for r in reasons if l10n.evidence(r) == r or _ENGLISH.search(l10n.evidence(r))]
        assert untranslated == []
        assert l10n.evidence("technical report: a, b, c and 1 more") == "rapporto tecnico: a, b, c e altri 1"
        places = {p for lab in load_watchlist(None).labs for p in (lab.country, lab.region)}
        assert [p for p in places if l10n.place(p) == p and p != "Canada"] == []
        assert [c for c in LICENSE_CLASSES if l10n.term(c) == c] == []
    names = [dict(s.names).get("it") for s in setup_table()[0]]
    assert None not in names and not [n for n in names if "GPUs" in n]
