"""The fake ModelScope speaks the protocol the official client `modelscope-hub` expects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from modelscope_hub import HubApi, HubConfig, InvalidParameter, NotExistError, RateLimitError, ServerError
from modelscope_hub._openapi import OpenAPIClient

from tests.fakes.modelscope import FakeModelScope

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def ms() -> Iterator[FakeModelScope]:
    with FakeModelScope() as fake:
        yield fake


def api_for(ms: FakeModelScope, tmp_path: Path) -> HubApi:
    config = HubConfig(endpoint=ms.url, token="", cache_dir=tmp_path / "cache", config_dir=tmp_path / "home")
    api = HubApi(config)
    api._openapi = OpenAPIClient(config, max_retries=1, timeout=5)
    return api


def test_listing_pages_newest_first_with_the_envelope(ms: FakeModelScope, tmp_path: Path) -> None:
    for i in range(5):
        ms.add_model(f"ZhipuAI/GLM-{i}", created_at=T0 + timedelta(hours=i))
    ms.add_model("Qwen/Qwen3-8B", created_at=T0)
    api = api_for(ms, tmp_path)
    page = api.list_repos("model", owner="ZhipuAI", sort="last_modified", page_number=1, page_size=2)
    assert [r.repo_id for r in page.items] == ["ZhipuAI/GLM-4", "ZhipuAI/GLM-3"]
    assert page.total_count == 5 and page.has_next
    last = api.list_repos("model", owner="ZhipuAI", sort="last_modified", page_number=3, page_size=2)
    assert [r.repo_id for r in last.items] == ["ZhipuAI/GLM-0"] and not last.has_next
    first = page.items[0]
    assert first.license == "Apache License 2.0" and first.created_at == T0 + timedelta(hours=4)
    assert api.list_repos("model", owner="zhipuai", page_size=10).items == []  # owners are case-sensitive


def test_the_3000_window_is_refused_by_client_and_server(ms: FakeModelScope, tmp_path: Path) -> None:
    api = api_for(ms, tmp_path)
    with pytest.raises(InvalidParameter):
        api.list_repos("model", owner="ZhipuAI", page_number=31, page_size=100)
    with pytest.raises(InvalidParameter):  # the server's own 400 InputParameterError, bypassing the check
        api.openapi._request("GET", "/models", params={"page_number": 61, "page_size": 50}, require_token=False)


def test_model_info_and_not_found(ms: FakeModelScope, tmp_path: Path) -> None:
    ms.add_model("ZhipuAI/GLM-5-Air", created_at=T0, license="MIT")
    api = api_for(ms, tmp_path)
    assert api.get_repo("ZhipuAI/GLM-5-Air", "model").license == "MIT"
    with pytest.raises(NotExistError):
        api.openapi.get_model("ZhipuAI", "nope")


def test_errors_rate_limit_and_config_download(ms: FakeModelScope, tmp_path: Path) -> None:
    ms.add_model("ZhipuAI/GLM-5-Air", created_at=T0, config={"model_type": "glm", "hidden_size": 8})
    api = api_for(ms, tmp_path)
    ms.fail("owner=ZhipuAI", 429, retry_after=120, times=1)
    with pytest.raises(RateLimitError) as limited:
        api.list_repos("model", owner="ZhipuAI")
    assert limited.value.retry_after == 120
    ms.fail("list", 500, times=1)
    with pytest.raises(ServerError):
        api.list_repos("model", owner="ZhipuAI")
    path = api.download_file("ZhipuAI/GLM-5-Air", "model", "config.json", cache_dir=tmp_path / "dl")
    assert json.loads(Path(path).read_text())["model_type"] == "glm"
    with pytest.raises(NotExistError):
        api.download_file("ZhipuAI/GLM-5-Air", "model", "missing.json", cache_dir=tmp_path / "dl")
    assert ms.count("file") >= 2 and ms.count("list") == 2
