"""The fake Hub's follow-up answers, read by the real `huggingface_hub` client: provider mappings in both
shapes, childrenModelCount, model-tree filters and paper pages parse as the library parses the Hub's."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from tests.fakes.hub import FakeHub

BASE = "Qwen/Qwen3-8B"


@pytest.fixture
def hub() -> FakeHub:
    with FakeHub() as fake:
        fake.add_model(BASE, likes=10)
        fake.add_model("bartowski/Qwen3-8B-GGUF", base_model=BASE, gguf={"architecture": "qwen3"}, likes=5)
        fake.add_model("x/lora", base_model=BASE, base_model_relation="adapter")
        fake.add_model("y/other", base_model="Qwen/Qwen3-4B")
        fake.update(BASE, inference_providers={"together": "live", "nebius": "staging"})
        fake.papers.add("2505.09388", "Qwen3 Technical Report", upvotes=142)
        yield fake


def test_model_info_carries_the_providers_and_the_children_count(hub: FakeHub) -> None:
    info = HfApi(endpoint=hub.url).model_info(BASE, expand=["inferenceProviderMapping", "childrenModelCount"])
    assert info.children_model_count == 2
    mapping = {m.provider: m.status for m in info.inference_provider_mapping or []}
    assert mapping == {"together": "live", "nebius": "staging"}
    assert {m.hf_model_id for m in info.inference_provider_mapping or []} == {BASE}


def test_listings_filter_on_tree_tags_and_give_the_mapping_as_a_list(hub: FakeHub) -> None:
    api = HfApi(endpoint=hub.url)
    children = list(api.list_models(filter=f"base_model:{BASE}", sort="likes", expand=["tags", "likes"]))
    assert [c.id for c in children] == ["bartowski/Qwen3-8B-GGUF", "x/lora"]
    assert f"base_model:quantized:{BASE}" in (children[0].tags or [])
    adapters = list(api.list_models(filter=f"base_model:adapter:{BASE}"))
    assert [c.id for c in adapters] == ["x/lora"]
    (listed,) = list(api.list_models(search="Qwen3-8B", author="Qwen", expand=["inferenceProviderMapping"]))
    assert {m.provider for m in listed.inference_provider_mapping or []} == {"together", "nebius"}


def test_paper_pages_and_their_absence(hub: FakeHub) -> None:
    api = HfApi(endpoint=hub.url)
    paper = api.paper_info("2505.09388")
    assert (paper.id, paper.title, paper.upvotes) == ("2505.09388", "Qwen3 Technical Report", 142)
    with pytest.raises(HfHubHTTPError) as caught:
        api.paper_info("2501.00000")
    assert caught.value.response.status_code == 404
