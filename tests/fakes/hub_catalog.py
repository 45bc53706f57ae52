"""Realistic models for the fake Hub, built from the real fixtures in tests/data (see their SOURCES.md).

Safetensors breakdowns and config.json files are verbatim fixtures. Where only the Hub's total is known
(tests/data/configs/official_counts.csv) the breakdown is {"BF16": total} (the configs say bfloat16).
Card data, tags and default `created_at` values are approximations of the real repos (release dates), not
copies: pass `created_at=` when a test depends on the time.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from .hub import FakeHub
from .hub_model import FakeModel

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def _json(relpath: str) -> dict[str, Any]:
    return json.loads((DATA / relpath).read_text())


def model_card(repo_id: str) -> str:
    """A model card body (Markdown under the front matter) from readmes/ (see hub-api/SOURCES.md)."""
    return (DATA / "readmes" / f"{repo_id.replace('/', '__')}.md").read_text(encoding="utf-8")


def hub_safetensors(repo_id: str) -> dict[str, int]:
    """Real `safetensors.parameters` from hub-api/model_info_safetensors__*.json."""
    return dict(
        _json(f"hub-api/model_info_safetensors__{repo_id.replace('/', '__')}.json")["safetensors"]["parameters"]
    )


def real_config(repo_id: str) -> dict[str, Any]:
    """Real config.json from configs/ (a fresh copy)."""
    return json.loads(json.dumps(_json(f"configs/{repo_id.replace('/', '__')}.json")))


@cache
def official_counts() -> dict[str, dict[str, str]]:
    """configs/official_counts.csv by repo_id."""
    with (DATA / "configs" / "official_counts.csv").open() as fh:
        return {row["repo_id"]: row for row in csv.DictReader(fh)}


def _bf16_total(repo_id: str) -> dict[str, int]:
    return {"BF16": int(official_counts()[repo_id]["hub_safetensors_total"])}


def _opts(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    return {**defaults, **overrides}


def deepseek_v3(hub: FakeHub, **kw: Any) -> FakeModel:
    """deepseek-ai/DeepSeek-V3: 684.5B stored (FP8+BF16+F32), real config, license other/deepseek."""
    repo = "deepseek-ai/DeepSeek-V3"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2024-12-25T12:00:00.000Z",
                license="other",
                license_name="deepseek",
                license_link="LICENSE-MODEL",
                tags=("conversational", "custom_code", "fp8"),
                safetensors=hub_safetensors(repo),
                config=real_config(repo),
                readme=model_card(repo),
                downloads=500_000,
                likes=4000,
            ),
            kw,
        ),
    )


def qwen3_30b_a3b(hub: FakeHub, **kw: Any) -> FakeModel:
    """Qwen/Qwen3-30B-A3B: MoE, 30.5B BF16, apache-2.0, real config."""
    repo = "Qwen/Qwen3-30B-A3B"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2025-04-27T03:40:00.000Z",
                license="apache-2.0",
                license_link="https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/LICENSE",
                base_model="Qwen/Qwen3-30B-A3B-Base",
                tags=("conversational",),
                safetensors=hub_safetensors(repo),
                config=real_config(repo),
                readme=model_card(repo),
                downloads=400_000,
                likes=800,
            ),
            kw,
        ),
    )


def glm_4_5_air(hub: FakeHub, **kw: Any) -> FakeModel:
    """zai-org/GLM-4.5-Air: 110.5B stored (one MTP layer included), mit; no config fixture."""
    repo = "zai-org/GLM-4.5-Air"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2025-07-20T08:00:00.000Z",
                license="mit",
                tags=("conversational",),
                card_data={"language": ["en", "zh"]},
                safetensors=hub_safetensors(repo),
                downloads=200_000,
                likes=500,
            ),
            kw,
        ),
    )


def gpt_oss_120b(hub: FakeHub, **kw: Any) -> FakeModel:
    """openai/gpt-oss-120b: 116.8B counted (U8 MXFP4 blocks count 2 params/byte), apache-2.0, real config."""
    repo = "openai/gpt-oss-120b"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2025-08-04T16:00:00.000Z",
                license="apache-2.0",
                tags=("vllm", "conversational", "mxfp4"),
                safetensors=hub_safetensors(repo),
                config=real_config(repo),
                downloads=900_000,
                likes=3500,
            ),
            kw,
        ),
    )


def mixtral_8x7b_instruct(hub: FakeHub, **kw: Any) -> FakeModel:
    """mistralai/Mixtral-8x7B-Instruct-v0.1: 46.7B BF16 (fixture); config is the base model's (same shape)."""
    repo = "mistralai/Mixtral-8x7B-Instruct-v0.1"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2023-12-10T20:00:00.000Z",
                license="apache-2.0",
                base_model="mistralai/Mixtral-8x7B-v0.1",
                safetensors=hub_safetensors(repo),
                config=real_config("mistralai/Mixtral-8x7B-v0.1"),
                card_data={"language": ["fr", "it", "de", "es", "en"]},
                downloads=300_000,
                likes=4300,
            ),
            kw,
        ),
    )


def mixtral(hub: FakeHub, **kw: Any) -> FakeModel:
    """mistralai/Mixtral-8x7B-v0.1 (base): real config, 46.7B BF16 (the Instruct count), apache-2.0."""
    repo = "mistralai/Mixtral-8x7B-v0.1"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2023-12-01T10:00:00.000Z",
                license="apache-2.0",
                safetensors=_bf16_total(repo),
                config=real_config(repo),
                card_data={"language": ["fr", "it", "de", "es", "en"]},
                downloads=50_000,
                likes=1700,
            ),
            kw,
        ),
    )


def llama_3_1_8b(hub: FakeHub, **kw: Any) -> FakeModel:
    """meta-llama/Llama-3.1-8B: gated "manual", license llama3.1, real config, 8.03B BF16."""
    repo = "meta-llama/Llama-3.1-8B"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2024-07-14T22:00:00.000Z",
                gated="manual",
                license="llama3.1",
                tags=("facebook", "meta", "pytorch", "llama", "llama-3"),
                card_data={"language": ["en", "de", "fr", "it", "pt", "hi", "es", "th"]},
                safetensors=_bf16_total(repo),
                config=real_config(repo),
                downloads=1_000_000,
                likes=1800,
            ),
            kw,
        ),
    )


def llama4_scout(hub: FakeHub, **kw: Any) -> FakeModel:
    """meta-llama/Llama-4-Scout-17B-16E-Instruct: gated, license other/llama4, text-only config (trimmed)."""
    repo = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2025-04-02T19:00:00.000Z",
                gated="manual",
                license="other",
                license_name="llama4",
                pipeline_tag="image-text-to-text",
                base_model="meta-llama/Llama-4-Scout-17B-16E",
                tags=("facebook", "meta", "pytorch", "llama", "llama4"),
                safetensors=_bf16_total(repo),
                config=real_config(repo),
                downloads=200_000,
                likes=1000,
            ),
            kw,
        ),
    )


def qwen3_8b(hub: FakeHub, **kw: Any) -> FakeModel:
    """Qwen/Qwen3-8B: dense 8.19B BF16, apache-2.0, real config."""
    repo = "Qwen/Qwen3-8B"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2025-04-27T03:30:00.000Z",
                license="apache-2.0",
                license_link="https://huggingface.co/Qwen/Qwen3-8B/blob/main/LICENSE",
                base_model="Qwen/Qwen3-8B-Base",
                tags=("conversational",),
                safetensors=_bf16_total(repo),
                config=real_config(repo),
                downloads=600_000,
                likes=700,
            ),
            kw,
        ),
    )


def qwen2_5_7b(hub: FakeHub, **kw: Any) -> FakeModel:
    """Qwen/Qwen2.5-7B: dense 7.62B BF16, apache-2.0, real config."""
    repo = "Qwen/Qwen2.5-7B"
    return hub.add_model(
        repo,
        **_opts(
            dict(
                created_at="2024-09-15T12:00:00.000Z",
                license="apache-2.0",
                license_link="https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/LICENSE",
                card_data={"language": ["en"]},
                safetensors=_bf16_total(repo),
                config=real_config(repo),
                downloads=300_000,
                likes=200,
            ),
            kw,
        ),
    )


CATALOG = {
    "deepseek-ai/DeepSeek-V3": deepseek_v3,
    "Qwen/Qwen3-30B-A3B": qwen3_30b_a3b,
    "zai-org/GLM-4.5-Air": glm_4_5_air,
    "openai/gpt-oss-120b": gpt_oss_120b,
    "mistralai/Mixtral-8x7B-Instruct-v0.1": mixtral_8x7b_instruct,
    "mistralai/Mixtral-8x7B-v0.1": mixtral,
    "meta-llama/Llama-3.1-8B": llama_3_1_8b,
    "meta-llama/Llama-4-Scout-17B-16E-Instruct": llama4_scout,
    "Qwen/Qwen3-8B": qwen3_8b,
    "Qwen/Qwen2.5-7B": qwen2_5_7b,
}


def populate_catalog(hub: FakeHub) -> list[FakeModel]:
    """Add every catalog model (skipping ids already present)."""
    return [build(hub) for repo, build in CATALOG.items() if repo not in hub]


# ---- synthetic bulk data for benchmarks --------------------------------------------------------
_FAMILIES = ("Nova", "Orca", "Lumen", "Atlas", "Zephyr", "Kestrel", "Halo", "Mosaic", "Quill", "Vega")
_SIZES = (0.5, 1.5, 3, 7, 8, 14, 32, 70)
_VARIANTS = ("", "-Instruct", "-Base", "-Chat", "-Coder", "-GGUF", "-AWQ", "-FP8")
_LICENSES: tuple[tuple[str, str | None, str | None], ...] = (
    ("apache-2.0", None, None),
    ("mit", None, None),
    ("llama3.1", None, None),
    ("gemma", None, None),
    ("other", "bench-community", "LICENSE"),
    ("cc-by-nc-4.0", None, None),
)
_BULK_EPOCH = datetime(2025, 11, 1, tzinfo=UTC)


def populate_bulk(hub: FakeHub, orgs: int, models_per_org: int, *, seed: int = 0) -> int:
    """Fill orgs "bench-org-00".. with `models_per_org` realistic-looking models each (deterministic for a
    seed; created over the 2 years before 2025-11-01). Returns the number added."""
    rng = random.Random(seed)
    added = 0
    for o in range(orgs):
        org = f"bench-org-{o:02d}"
        prefix = org.replace("bench-org-", "Org")
        for i in range(models_per_org):
            family = _FAMILIES[rng.randrange(len(_FAMILIES))]
            size = _SIZES[rng.randrange(len(_SIZES))]
            variant = _VARIANTS[rng.randrange(len(_VARIANTS))]
            size_txt = f"{size:g}B"
            name = f"{prefix}-{family}-{size_txt}{variant}-v{i}"
            params = int(size * 1e9 * rng.uniform(0.96, 1.06))
            lic, lic_name, lic_link = _LICENSES[rng.randrange(len(_LICENSES))]
            created = _BULK_EPOCH - timedelta(seconds=rng.randrange(730 * 86400))
            gguf = variant == "-GGUF"
            st: dict[str, int] | None
            if gguf:
                st = None
            elif variant == "-FP8":
                st = {"F8_E4M3": params - params // 100, "BF16": params // 100}
            elif variant == "-AWQ":
                st = {"I32": params // 8, "F16": params // 50}
            else:
                st = {"BF16": params}
            hub.add_model(
                f"{org}/{name}",
                created_at=created,
                last_modified=created + timedelta(seconds=rng.randrange(30 * 86400)),
                license=lic,
                license_name=lic_name,
                license_link=lic_link,
                library_name=None if gguf else "transformers",
                base_model=f"{org}/{prefix}-{family}-{size_txt}-Base" if variant not in ("", "-Base") else None,
                safetensors=st,
                gguf={"total": params, "architecture": family.lower(), "context_length": 32768} if gguf else None,
                weight_files={f"{name}-Q4_K_M.gguf": params * 9 // 16} if gguf else None,
                downloads=int(rng.paretovariate(1.2) * 50),
                likes=int(rng.paretovariate(1.5) * 2),
                trending_score=rng.randrange(50),
            )
            added += 1
    return added
