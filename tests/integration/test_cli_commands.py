"""End to end: every CLI command as a user runs it, good arguments and bad ones."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.integration.daemon_harness import InProcessRun
from tracker.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def filled(tracker: Tracker, fake_hub: FakeHub) -> Tracker:
    """A store with a few real models: old ones backfilled, then two fresh releases."""
    hub_catalog.deepseek_v3(fake_hub, created_at="2024-12-25T12:00:00Z")
    hub_catalog.qwen2_5_7b(fake_hub, created_at="2024-09-19T00:00:00Z")
    hub_catalog.glm_4_5_air(fake_hub, created_at="2025-07-20T08:00:00Z")
    tracker.run("poll", check=True)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=5))
    hub_catalog.gpt_oss_120b(fake_hub, created_at=ago(minutes=5))
    tracker.run("poll", check=True)
    return tracker


def repo_ids(tracker: Tracker, *args: str) -> list[str]:
    result = tracker.run("history", "--format", "json", *args, check=True)
    return [r["repo_id"] for r in json.loads(result.stdout)]


def test_history_filters(filled: Tracker) -> None:
    assert repo_ids(filled, "--lab", "qwen") == ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen2.5-7B"]
    assert repo_ids(filled, "--org", "zai-org") == ["zai-org/GLM-4.5-Air"]
    assert set(repo_ids(filled, "--min-params", "100B")) == {
        "deepseek-ai/DeepSeek-V3", "zai-org/GLM-4.5-Air", "openai/gpt-oss-120b"}
    assert repo_ids(filled, "--license", "mit") == ["zai-org/GLM-4.5-Air"]
    assert repo_ids(filled, "--until", "2024-12-31", "--since", "2024-10-01") == ["deepseek-ai/DeepSeek-V3"]
    assert len(repo_ids(filled, "--limit", "2")) == 2


def test_history_json_fields_are_plain_and_complete(filled: Tracker) -> None:
    records = json.loads(filled.run("history", "--format", "json", check=True).stdout)
    gpt = next(r for r in records if r["repo_id"] == "openai/gpt-oss-120b")
    for key in ("repo_id", "lab", "org", "created_at", "first_seen_at", "params_total", "params_active",
                "params_source", "license", "gated", "pipeline_tag", "url", "license_id", "license_class",
                "family", "variant", "memory_bf16_gb", "params_stored", "dtype_breakdown", "base_models",
                "params_total_source", "params_active_source", "memory_fp8_gb", "memory_4bit_gb",
                "license_reason", "quant_format"):
        assert key in gpt
    assert gpt["params_total"] == 116829156672 and isinstance(gpt["params_active"], int)
    assert abs(gpt["params_active"] - 5.7e9) / 5.7e9 < 0.03
    assert gpt["lab"] == "OpenAI" and gpt["license_id"] == "apache-2.0" and gpt["gated"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", gpt["created_at"])
    deepseek = next(r for r in records if r["repo_id"] == "deepseek-ai/DeepSeek-V3")
    assert deepseek["backfill"] is True and deepseek["params_total_source"] == "safetensors"


def test_history_table_and_csv(filled: Tracker) -> None:
    table = filled.run("history", check=True).stdout
    assert table.splitlines()[0].split()[:3] == ["released", "lab", "model"]
    assert "Qwen/Qwen3-30B-A3B" in table and "30.5B" in table
    rows = list(csv.DictReader(io.StringIO(filled.run("history", "--format", "csv", check=True).stdout)))
    assert {r["repo_id"] for r in rows} >= {"openai/gpt-oss-120b", "Qwen/Qwen2.5-7B"}
    assert next(r for r in rows if r["repo_id"] == "Qwen/Qwen2.5-7B")["params_total"] == "7615616512"


@pytest.mark.parametrize("args, fragment", [
    (("history", "--min-params", "lots"), "not a parameter count"),
    (("history", "--since", "yesterday"), "not a date"),
    (("history", "--limit", "0"), "at least 1"),
    (("history", "--lab", "NoSuchLab"), "unknown lab"),
    (("history", "--format", "xml"), "invalid choice"),
    (("inspect", "not a repo"), "not a Hub repo id"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_arguments_get_one_line_and_a_non_zero_exit(tracker: Tracker, args: tuple[str, ...],
                                                         fragment: str) -> None:
    result = tracker.run(*args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_inspect_shows_facts_from_the_hub_without_a_store(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_30b_a3b(fake_hub)
    data = json.loads(tracker.run("inspect", "Qwen/Qwen3-30B-A3B", "--format", "json", check=True).stdout)
    assert data["params_total"] == 30532122624
    assert data["params_total_source"] == "safetensors"
    assert data["params_active_source"] == "config"
    assert abs(data["params_active"] - 3.3e9) / 3.3e9 < 0.03
    assert data["license_id"] == "apache-2.0" and data["license_class"] == "permissive"
    assert not tracker.db_path.exists()

    text = tracker.run("inspect", f"{fake_hub.url}/Qwen/Qwen3-30B-A3B", check=True).stdout
    assert "30.5B total" in text and "active" in text


def test_inspect_of_a_gated_model_uses_what_the_api_shows(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.llama_3_1_8b(fake_hub)
    text = tracker.run("inspect", "meta-llama/Llama-3.1-8B", check=True).stdout
    assert "gated" in text and "8B" in text
    assert "config.json needs access" in text


def test_inspect_of_a_missing_repo_is_a_friendly_error(tracker: Tracker, fake_hub: FakeHub) -> None:
    result = tracker.run("inspect", "deepseek-ai/DeepSeek-V9")
    assert result.returncode == 1
    assert "not found on the Hub" in result.stderr and "Traceback" not in result.stderr


def test_labs_shows_the_default_watchlist(tracker: Tracker) -> None:
    tracker.env.pop("TRACKER_WATCHLIST")
    labs = json.loads(tracker.run("labs", "--format", "json", check=True).stdout)
    names = {lab["name"] for lab in labs}
    assert len(labs) >= 20
    assert {"DeepSeek", "MiniMax", "Moonshot AI (Kimi)", "Meta", "Mistral AI"} <= names
    orgs = {org for lab in labs for org in lab["orgs"]}
    assert {"deepseek-ai", "Qwen", "zai-org", "THUDM", "baidu", "ByteDance-Seed", "moonshotai", "MiniMaxAI",
            "tencent", "inclusionAI", "XiaomiMiMo", "meituan-longcat", "allenai", "ibm-granite"} <= orgs


def test_a_wrong_watchlist_names_file_line_and_problem(tracker: Tracker) -> None:
    bad = tracker.cwd / "bad.toml"
    bad.write_text('[[lab]]\nname = "Good"\norgs = ["good-org"]\n\n[[lab]]\nname = "Broken"\norgs = "not-a-list"\n')
    tracker.env["TRACKER_WATCHLIST"] = str(bad)
    result = tracker.run("labs")
    assert result.returncode == 1
    assert f"{bad}:5:" in result.stderr and "orgs" in result.stderr
    bad.write_text("[[lab]\nname = 1\n")
    result = tracker.run("poll")
    assert result.returncode == 1 and f"{bad}:1" in result.stderr and "not valid TOML" in result.stderr


def test_config_redacts_secrets_and_reads_dot_env(tracker: Tracker) -> None:
    (tracker.cwd / ".env").write_text("HF_TOKEN=hf_secret_value_123\nTRACKER_WAVE_WINDOW=42\n")
    tracker.env["TELEGRAM_BOT_TOKEN"] = "12345:very-secret"
    out = tracker.run("config", check=True).stdout
    assert "hf_secret_value_123" not in out and "very-secret" not in out
    assert re.search(r"HF_TOKEN\s+\*+ \(set\)", out)
    assert re.search(r"TRACKER_WAVE_WINDOW\s+42", out)


def test_a_bad_setting_is_a_clear_error(tracker: Tracker) -> None:
    tracker.env["TRACKER_POLL_INTERVAL"] = "soon"
    result = tracker.run("poll")
    assert result.returncode == 1
    assert "TRACKER_POLL_INTERVAL" in result.stderr and "Traceback" not in result.stderr


def test_poll_enrich_reads_configs_of_backfilled_models_now(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.gpt_oss_120b(fake_hub)
    hub_catalog.qwen3_8b(fake_hub)
    first = tracker.run("poll", "--enrich", "1", check=True)
    assert "read config.json of 2 backfilled models" in first.stderr  # one per organisation
    records = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    assert records["openai/gpt-oss-120b"]["params_active_source"] == "config"
    assert records["Qwen/Qwen3-8B"]["params_active_source"] == "dense"
    again = tracker.run("poll", "--enrich", "5", check=True)
    assert "read config.json" not in again.stderr


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"`tracker {name}" in readme, f"tracker {name} is missing from README.md"


def test_run_reads_configs_of_backfilled_models_for_exact_facts(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)  # backfill: no config.json read yet
    before = json.loads(tracker.run("history", "--format", "json", check=True).stdout)[0]
    assert before["params_active"] is None

    proc = InProcessRun(tracker)
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="resolve") < 1 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        proc.stop()

    after = json.loads(tracker.run("history", "--format", "json", check=True).stdout)[0]
    assert abs(after["params_total"] - 671e9) / 671e9 < 0.01  # the lab's headline, without the MTP module
    assert after["params_stored"] == 684531386000
    assert abs(after["params_active"] - 37e9) / 37e9 < 0.03
    assert after["params_active_source"] == "config"


def _post(url: str, body: bytes, secret: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Webhook-Secret"] = secret
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_hub_webhook_triggers_an_immediate_poll(tracker: Tracker, fake_hub: FakeHub) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tracker.env.pop("TRACKER_HTTP_PORT")  # the webhook's old variable still names the (now shared) port
    tracker.env.update({"TRACKER_POLL_INTERVAL": "3600", "TRACKER_HUB_WEBHOOK_SECRET": "hook-secret-123",
                        "TRACKER_HUB_WEBHOOK_PORT": str(port)})
    url = f"http://127.0.0.1:{port}/hub-webhook"
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, private=True, created_at=ago(days=3))
    payload = json.loads((ROOT / "tests/data/hub-api/webhook_payload_pr_opened__hub-docs_example.json").read_text())
    payload["event"] = {"action": "update", "scope": "repo.config"}
    payload["repo"]["name"] = "Qwen/Qwen3-30B-A3B"
    proc = InProcessRun(tracker)
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="list") < 4 and time.time() < deadline:  # the first (and only) cycle
            time.sleep(0.05)
        fake_hub.publish("Qwen/Qwen3-30B-A3B")
        body = json.dumps(payload).encode()
        assert _post(url, body, "wrong")[0] == 401
        assert _post(url, body, None)[0] == 401
        assert _post(url + "?secret=hook-secret-123", body, None)[0] == 401  # only the header counts
        assert _post(url, b"{not json", "hook-secret-123")[0] == 400
        other = dict(payload, repo=dict(payload["repo"], name="someone/else"))
        assert _post(url, json.dumps(other).encode(), "hook-secret-123") == (
            200, {"ok": True, "ignored": "not a model of a watched organisation"})
        assert fake_hub.count(kind="list") == 4  # nothing polled yet: the interval is an hour
        status, answer = _post(url, body, "hook-secret-123")
        assert (status, answer) == (202, {"ok": True, "polling": "Qwen"})
        while fake_hub.count(kind="list") < 5 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        err, out = proc.stop(), proc.out
    assert "NOW PUBLIC" in out and "Qwen/Qwen3-30B-A3B" in out
    assert fake_hub.count(kind="list") == 5  # only Qwen was listed again
    assert "hook-secret-123" not in err and "Traceback" not in err
