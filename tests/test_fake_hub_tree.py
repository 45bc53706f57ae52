"""The fake Hub's model tree and file sizes, read with the real `huggingface_hub` client: what the tracker's
build discovery relies on (tests/fakes/hub_tree.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from huggingface_hub import HfApi

from tests.fakes.hub import FakeHub
from tests.fakes.hub_tree import config_build, gguf_build, gguf_files, mlx_build

BASE = "Qwen/Qwen3-32B"
T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(page_size=2) as fake:
        fake.add_model(BASE, created_at=T0, safetensors={"BF16": 32_762_123_264})
        gguf_build(fake, "bartowski/Qwen_Qwen3-32B-GGUF", BASE, {"Q4_K_M": 19_762_149_632, "Q8_0": 64_000_000_000},
                   mmproj=1_000_000, created_at=T0 + timedelta(hours=1))
        mlx_build(fake, "mlx-community/Qwen3-32B-4bit", BASE, 18_440_000_000, created_at=T0 + timedelta(hours=2))
        config_build(fake, "someone/Qwen3-32B-AWQ", BASE, 19_000_000_000, "awq", created_at=T0 + timedelta(hours=3))
        fake.add_model("someone/unrelated", created_at=T0 + timedelta(hours=4))
        yield fake


def test_the_model_tree_is_in_the_tags_and_filter_matches_it(hub: FakeHub) -> None:
    api = HfApi(endpoint=hub.url)
    quantized = [m.id for m in api.list_models(filter=f"base_model:quantized:{BASE}")]
    assert quantized == ["bartowski/Qwen_Qwen3-32B-GGUF"]  # MLX and AWQ uploads show as finetunes
    children = {m.id for m in api.list_models(filter=f"base_model:{BASE}")}
    assert children == {"bartowski/Qwen_Qwen3-32B-GGUF", "mlx-community/Qwen3-32B-4bit", "someone/Qwen3-32B-AWQ"}
    assert [m.id for m in api.list_models(filter="gguf")] == ["bartowski/Qwen_Qwen3-32B-GGUF"]
    assert [m.id for m in api.list_models(filter="mlx")] == ["mlx-community/Qwen3-32B-4bit"]
    mlx = api.model_info("mlx-community/Qwen3-32B-4bit")
    assert mlx.library_name == "mlx" and f"base_model:finetune:{BASE}" in (mlx.tags or [])


def test_the_newest_models_across_the_hub_page_by_page(hub: FakeHub) -> None:
    newest = [m.id for m in HfApi(endpoint=hub.url).list_models(sort="created_at", limit=3,
                                                                 expand=["createdAt", "tags", "config"])]
    assert newest == ["someone/unrelated", "someone/Qwen3-32B-AWQ", "mlx-community/Qwen3-32B-4bit"]
    assert hub.count(kind="list") == 2  # pages of 2, the second cut by the limit


def test_file_sizes_come_with_blobs_as_model_info_files_metadata_asks(hub: FakeHub) -> None:
    info = HfApi(endpoint=hub.url).model_info("bartowski/Qwen_Qwen3-32B-GGUF", files_metadata=True)
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    parts = {k: v for k, v in sizes.items() if "Q8_0" in k}
    assert sorted(parts) == ["Q8_0/Qwen3-32B-Q8_0-00001-of-00002.gguf", "Q8_0/Qwen3-32B-Q8_0-00002-of-00002.gguf"]
    assert sum(parts.values()) == 64_000_000_000
    assert sizes["Qwen3-32B-Q4_K_M.gguf"] == 19_762_149_632 and sizes["mmproj-Qwen3-32B-f16.gguf"] == 1_000_000
    lfs = next(s.lfs for s in info.siblings or [] if s.rfilename == "Qwen3-32B-Q4_K_M.gguf")
    assert lfs is not None and lfs.size == 19_762_149_632 and len(lfs.sha256) == 64
    assert hub.requests[-1].query.get("blobs") == ["true"]
    plain = HfApi(endpoint=hub.url).model_info("bartowski/Qwen_Qwen3-32B-GGUF")
    assert all(s.size is None for s in plain.siblings or [])  # without blobs the Hub gives names only


def test_gguf_files_split_big_quantizations_like_gguf_split() -> None:
    files = gguf_files("M", {"Q2_K": 10, "BF16": 120}, split_at=50)
    assert files == {"M-Q2_K.gguf": 10, "BF16/M-BF16-00001-of-00003.gguf": 40, "BF16/M-BF16-00002-of-00003.gguf": 40,
                     "BF16/M-BF16-00003-of-00003.gguf": 40}
