"""The fake Hub against the real huggingface_hub 2.4 client."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url
from huggingface_hub.errors import (
    BadRequestError,
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import _http, get_session, hf_raise_for_status, parse_ratelimit_headers

from tests.fakes.hub import FakeHub
from tests.fakes.hub_catalog import deepseek_v3, gpt_oss_120b, llama_3_1_8b, populate_bulk, populate_catalog

DATA = Path(__file__).parent / "data"
T0 = datetime(2025, 7, 28, 10, 21, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(page_size=1000) as fake:
        yield fake


@pytest.fixture
def api(hub: FakeHub) -> HfApi:
    return HfApi(endpoint=hub.url, token=False)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's backoff sleeps instead of waiting (huggingface_hub.utils._http uses time.sleep)."""
    waited: list[float] = []
    monkeypatch.setattr(_http, "time", SimpleNamespace(sleep=waited.append))
    return waited


def _org(hub: FakeHub, n: int = 3, org: str = "acme") -> list[str]:
    ids = []
    for i in range(n):
        repo = f"{org}/Widget-{i}B"
        hub.add_model(repo, created_at=T0 + timedelta(hours=i), safetensors={"BF16": (i + 1) * 10**9})
        ids.append(repo)
    return ids


def raw_get(url: str, **params: object):  # -> httpx2.Response
    return get_session().get(url, params=params)


# ---- listings ---------------------------------------------------------------------------------------------
def test_list_models_newest_first_with_expand(hub: FakeHub, api: HfApi) -> None:
    ids = _org(hub)
    hub.add_model("acme/Secret-70B", created_at=T0 + timedelta(days=1), private=True)
    hub.add_model("other/Thing", created_at=T0 + timedelta(days=2))
    expand = ["createdAt", "lastModified", "safetensors", "cardData", "gated", "sha"]
    got = list(api.list_models(author="acme", sort="created_at", expand=expand))  # type: ignore[arg-type]
    assert [m.id for m in got] == ids[::-1]
    top = got[0]
    assert top.created_at == T0 + timedelta(hours=2)
    assert top.safetensors is not None and top.safetensors.total == 3 * 10**9
    assert top.safetensors.parameters == {"BF16": 3 * 10**9}
    assert top.card_data is not None and top.card_data.license == "apache-2.0"
    assert top.gated is False and top.sha == hub.get(ids[2]).sha and len(top.sha) == 40
    assert top.downloads is None and top.tags is None  # only what was expanded
    raw = raw_get(f"{hub.url}/api/models", author="acme", expand=["createdAt", "safetensors"]).json()
    assert set(raw[0]) == {"_id", "id", "createdAt", "safetensors"}
    assert raw[0]["createdAt"] == "2025-07-28T12:21:00.000Z"


def test_default_listing_keys_match_real_response(hub: FakeHub) -> None:
    hub.add_model("acme/Widget-7B", created_at=T0, license="mit")
    real = json.loads((DATA / "hub-api" / "list_models_default_response.json").read_text())
    item = raw_get(f"{hub.url}/api/models", author="acme").json()[0]
    assert list(item) == list(real[0])
    assert "license:mit" in item["tags"] and item["tags"][-1] == "region:us"
    full = raw_get(f"{hub.url}/api/models", author="acme", full="true", cardData="true", config="true").json()[0]
    assert {"author", "sha", "lastModified", "gated", "disabled", "siblings", "cardData"} <= set(full)


def test_pagination_follows_link_headers() -> None:
    with FakeHub(page_size=2) as small:
        ids = _org(small, 5)
        api = HfApi(endpoint=small.url, token=False)
        assert [m.id for m in api.list_models(author="acme", sort="created_at")] == ids[::-1]
        assert small.count("/api/models") == 3
        first = raw_get(f"{small.url}/api/models", author="acme", sort="createdAt")
        link = first.headers["Link"]
        assert link.startswith(f"<{small.url}/api/models?author=acme&sort=createdAt&cursor=")
        assert link.endswith('>; rel="next"')
        # keyset cursor: a newer model added between pages does not shift the next page
        small.add_model("acme/Late", created_at=T0 + timedelta(days=9))
        second = get_session().get(first.links["next"]["url"]).json()
        assert [m["id"] for m in second] == [ids[2], ids[1]]
        small.reset_requests()
        assert len(list(api.list_models(author="acme", limit=3))) == 3
        assert small.count(kind="list") == 2  # limit caps the page size; islice stops early


def test_expand_cannot_be_combined_and_must_be_known(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Widget-7B")
    with pytest.raises(ValueError):  # the client refuses before sending
        list(api.list_models(author="acme", expand=["sha"], full=True))  # type: ignore[list-item]
    resp = raw_get(f"{hub.url}/api/models", author="acme", expand="sha", full="true")
    with pytest.raises(BadRequestError) as info:  # the server refuses too (400)
        hf_raise_for_status(resp)
    assert info.value.response.status_code == 400 and isinstance(info.value, HfHubHTTPError)
    with pytest.raises(BadRequestError, match="expand"):
        list(api.list_models(author="acme", expand=["license"]))  # type: ignore[list-item]


# ---- model info and downloads -----------------------------------------------------------------------------
def test_model_info_errors(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Secret", private=True)
    hub.add_model("acme/Public")
    hub.add_model("acme/Gone", disabled=True)
    with pytest.raises(RepositoryNotFoundError) as info:
        api.model_info("acme/Secret")
    assert info.value.response.status_code == 401
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("acme/Nope")
    with pytest.raises(RevisionNotFoundError):
        api.model_info("acme/Public", revision="v9")
    with pytest.raises(RepositoryNotFoundError):  # anonymous: disabled looks missing
        api.model_info("acme/Gone")
    with pytest.raises(DisabledRepoError):
        HfApi(endpoint=hub.url, token="hf_fake").model_info("acme/Gone")
    hub.grant_access("acme/Secret", "hf_team")
    assert HfApi(endpoint=hub.url, token="hf_team").model_info("acme/Secret").private is True


def test_catalog_model_info_and_config_download(hub: FakeHub, api: HfApi, tmp_path: Path) -> None:
    deepseek_v3(hub)
    info = api.model_info("deepseek-ai/DeepSeek-V3")
    real = json.loads((DATA / "hub-api" / "model_info_safetensors__deepseek-ai__DeepSeek-V3.json").read_text())
    assert info.safetensors is not None and info.safetensors.total == real["safetensors"]["total"] == 684531386000
    assert info.card_data is not None and (info.card_data.license, info.card_data.license_name) == (
        "other",
        "deepseek",
    )
    assert info.config == {
        "architectures": ["DeepseekV3ForCausalLM"],
        "model_type": "deepseek_v3",
        "auto_map": info.config["auto_map"],  # type: ignore[index]
        "quantization_config": {"quant_method": "fp8"},
    }
    assert info.siblings and any(s.rfilename == "config.json" for s in info.siblings)
    only = api.model_info("deepseek-ai/DeepSeek-V3", expand=["safetensors"])  # type: ignore[list-item]
    assert only.safetensors == info.safetensors and only.tags is None
    path = hf_hub_download("deepseek-ai/DeepSeek-V3", "config.json", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert json.loads(Path(path).read_text()) == json.loads(
        (DATA / "configs/deepseek-ai__DeepSeek-V3.json").read_text()
    )
    url = hf_hub_url("deepseek-ai/DeepSeek-V3", "config.json", endpoint=hub.url)
    meta = get_hf_file_metadata(url, token=False)
    assert meta.commit_hash == hub.get("deepseek-ai/DeepSeek-V3").sha and meta.size == Path(path).stat().st_size
    assert meta.etag and len(meta.etag) == 40


def test_download_errors(hub: FakeHub, tmp_path: Path) -> None:
    gpt_oss_120b(hub)
    llama_3_1_8b(hub)
    with pytest.raises(RemoteEntryNotFoundError) as missing:
        hf_hub_download("openai/gpt-oss-120b", "nope.json", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert isinstance(missing.value, EntryNotFoundError) and missing.value.response.status_code == 404
    with pytest.raises(GatedRepoError) as gated:
        hf_hub_download("meta-llama/Llama-3.1-8B", "config.json", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert gated.value.response.status_code == 401 and "Please log in" in str(gated.value)
    with pytest.raises(GatedRepoError) as denied:
        hf_hub_download(
            "meta-llama/Llama-3.1-8B", "config.json", endpoint=hub.url, cache_dir=tmp_path, token="hf_nobody"
        )
    assert denied.value.response.status_code == 403
    # gated info stays visible
    assert HfApi(endpoint=hub.url, token=False).model_info("meta-llama/Llama-3.1-8B").gated == "manual"
    hub.grant_access("meta-llama/Llama-3.1-8B", "hf_ok")
    path = hf_hub_download(
        "meta-llama/Llama-3.1-8B", "config.json", endpoint=hub.url, cache_dir=tmp_path, token="hf_ok"
    )
    assert json.loads(Path(path).read_text())["model_type"] == "llama"


# ---- state changes ----------------------------------------------------------------------------------------
def test_publish_and_set_license(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Soon-7B", private=True, created_at=T0)
    assert list(api.list_models(author="acme")) == []
    hub.publish("acme/Soon-7B")
    (model,) = api.list_models(author="acme", expand=["cardData", "sha", "tags"])  # type: ignore[list-item]
    assert model.id == "acme/Soon-7B" and model.card_data.license == "apache-2.0"  # type: ignore[union-attr]
    old_sha = model.sha
    hub.set_license("acme/Soon-7B", "other", license_name="acme-community", license_link="LICENSE")
    info = api.model_info("acme/Soon-7B")
    assert info.card_data is not None and info.card_data.license == "other"
    assert info.card_data.license_name == "acme-community" and info.card_data.license_link == "LICENSE"
    assert "license:other" in (info.tags or []) and "license:apache-2.0" not in (info.tags or [])
    assert info.sha != old_sha and info.last_modified is not None and info.last_modified > T0
    assert api.model_info("acme/Soon-7B", revision=old_sha).sha == old_sha  # old commits stay resolvable
    hub.make_private("acme/Soon-7B")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("acme/Soon-7B")
    hub.delete("acme/Soon-7B")
    assert "acme/Soon-7B" not in hub


# ---- faults -----------------------------------------------------------------------------------------------
def test_transient_503_is_retried_by_list_models(hub: FakeHub, api: HfApi, sleeps: list[float]) -> None:
    _org(hub, 1)
    fault = hub.fail("author=acme", 503, times=2)
    assert [m.id for m in api.list_models(author="acme")] == ["acme/Widget-0B"]
    assert fault.hits == 2 and sleeps == [1, 2]  # library backoff: 1 s, then 2 s
    assert [r.status for r in hub.requests] == [503, 503, 200]


def test_429_honours_retry_after_and_ratelimit(hub: FakeHub, api: HfApi, sleeps: list[float]) -> None:
    _org(hub, 1)
    hub.fail("list", 429, times=1, retry_after=7)
    assert len(list(api.list_models(author="acme"))) == 1
    assert sleeps == [8]  # RateLimit t=7 (+1 s)
    resp = raw_get(f"{hub.url}/api/models", author="acme")
    assert resp.status_code == 200
    hub.fail("list", 429, retry_after=0)  # until cleared: the client gives up after 5 retries
    with pytest.raises(HfHubHTTPError) as info:
        list(api.list_models(author="acme"))
    assert info.value.response.status_code == 429 and "rate limit" in str(info.value)
    rl = parse_ratelimit_headers(info.value.response.headers)
    assert rl is not None and (rl.remaining, rl.reset_in_seconds, rl.limit, rl.window_seconds) == (
        0,
        0,
        500,
        300,
    )
    assert hub.count(kind="list", status=429) == 1 + 6


def test_model_info_does_not_retry(hub: FakeHub, api: HfApi, sleeps: list[float]) -> None:
    hub.add_model("acme/Widget-7B")
    hub.fail("repo=acme/Widget-7B", 502, times=1)
    with pytest.raises(HfHubHTTPError) as info:
        api.model_info("acme/Widget-7B")
    assert info.value.response.status_code == 502 and sleeps == []
    assert api.model_info("acme/Widget-7B").id == "acme/Widget-7B"


def test_malformed_json_raises_json_decode_error(hub: FakeHub, api: HfApi) -> None:
    _org(hub, 1)
    hub.malformed("list", times=1)
    with pytest.raises(json.JSONDecodeError):  # a ValueError subclass; not wrapped by the client
        list(api.list_models(author="acme"))
    assert len(list(api.list_models(author="acme"))) == 1


def test_slow_and_clear_faults(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Widget-7B")
    hub.slow("info", 0.3)
    start = time.perf_counter()
    api.model_info("acme/Widget-7B")
    assert time.perf_counter() - start >= 0.3
    hub.fail(lambda r: r.kind == "info", 500)
    hub.clear_faults()
    start = time.perf_counter()
    api.model_info("acme/Widget-7B")
    assert time.perf_counter() - start < 0.3


def test_hang_holds_requests_until_the_fault_is_removed(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Widget-7B")
    fault = hub.hang("info")
    answered = threading.Event()
    worker = threading.Thread(target=lambda: (api.model_info("acme/Widget-7B"), answered.set()), daemon=True)
    worker.start()
    deadline = time.time() + 5
    while fault.hits < 1 and time.time() < deadline:
        time.sleep(0.01)
    assert fault.hits == 1 and not answered.wait(0.5)  # held, not answered
    hub.faults.remove(fault)
    assert answered.wait(5)  # released: answered normally
    start = time.perf_counter()
    api.model_info("acme/Widget-7B")
    assert time.perf_counter() - start < 0.3


def test_rate_limit_emulation(hub: FakeHub, api: HfApi) -> None:
    hub.add_model("acme/Widget-7B")
    hub.enable_rate_limit(api=2, window=300)
    api.model_info("acme/Widget-7B")
    ok = raw_get(f"{hub.url}/api/models/acme/Widget-7B")
    rl = parse_ratelimit_headers(ok.headers)
    assert rl is not None and rl.remaining == 0 and rl.limit == 2
    with pytest.raises(HfHubHTTPError) as info:
        api.model_info("acme/Widget-7B")
    assert info.value.response.status_code == 429
    assert "rate limit" in str(info.value) and int(info.value.response.headers["Retry-After"]) > 290


# ---- scale and the standalone process --------------------------------------------------------------------
def test_bulk_population_and_listing(hub: FakeHub, api: HfApi) -> None:
    # Timings are the benches' business (bench/bench_poll.py): on a loaded machine a timed assert only flakes.
    assert populate_bulk(hub, 40, 300, seed=1) == 12_000
    populate_catalog(hub)
    url = f"{hub.url}/api/models"
    params = {
        "author": "bench-org-07",
        "sort": "createdAt",
        "expand": ["createdAt", "safetensors", "cardData"],
    }
    body = get_session().get(url, params=params).json()
    assert len(body) == 300
    created = [m["createdAt"] for m in body]
    assert created == sorted(created, reverse=True)
    qwen = api.model_info("Qwen/Qwen3-30B-A3B", expand=["safetensors", "config"])  # type: ignore[list-item]
    assert qwen.safetensors is not None and qwen.safetensors.total == 30532122624


def test_standalone_process_and_admin_endpoints() -> None:
    cmd = [
        sys.executable,
        "-m",
        "tests.fakes.hub",
        "--port",
        "0",
        "--orgs",
        "2",
        "--models-per-org",
        "5",
        "--print-url",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        api = HfApi(endpoint=url, token=False)
        assert len(list(api.list_models(author="bench-org-01"))) == 5
        session = get_session()
        added = session.post(f"{url}/_fake/models", json={"repo_id": "new/Model-1B", "safetensors": {"BF16": 10**9}})
        assert added.status_code == 200 and len(added.json()["sha"]) == 40
        assert api.model_info("new/Model-1B").safetensors.total == 10**9  # type: ignore[union-attr]
        stats = session.get(f"{url}/_fake/stats").json()
        assert stats["by_kind"] == {"list": 1, "info": 1} and stats["models"] == 11
        session.post(f"{url}/_fake/reset-stats")
        assert session.get(f"{url}/_fake/stats").json()["total"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=5)
