"""Model records of the fake Hub and their JSON rendering (as `GET /api/models...` returns them)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Every model `expand` value of huggingface_hub 2.4 (hf_api.ExpandModelProperty_T); the Hub 400s on others.
EXPAND_MODEL_FIELDS: frozenset[str] = frozenset(
    {
        "author",
        "baseModels",
        "cardData",
        "childrenModelCount",
        "config",
        "createdAt",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "evalResults",
        "gated",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "lastModified",
        "library_name",
        "likes",
        "mask_token",
        "model-index",
        "pipeline_tag",
        "private",
        "resourceGroup",
        "safetensors",
        "sha",
        "siblings",
        "spaces",
        "tags",
        "transformersInfo",
        "trendingScore",
        "usedStorage",
        "widgetData",
    }
)

# Keys of a `GET /api/models` item without expand (fixture list_models_default_response.json).
DEFAULT_LIST_KEYS: tuple[str, ...] = (
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
)
FULL_EXTRA_KEYS: tuple[str, ...] = ("author", "sha", "lastModified", "gated", "disabled", "siblings")
MODEL_INFO_KEYS: tuple[str, ...] = (
    "_id",
    "id",
    "private",
    "pipeline_tag",
    "library_name",
    "tags",
    "downloads",
    "likes",
    "modelId",
    "author",
    "sha",
    "lastModified",
    "gated",
    "disabled",
    "config",
    "cardData",
    "transformersInfo",
    "siblings",
    "spaces",
    "createdAt",
    "safetensors",
    "gguf",
    "usedStorage",
)

# Bytes per stored parameter, to size virtual weight shards (the Hub counts 2 params per U8 byte for MXFP4).
_DTYPE_BYTES = {
    "F64": 8,
    "I64": 8,
    "F32": 4,
    "I32": 4,
    "BF16": 2,
    "F16": 2,
    "I16": 2,
    "U8": 0.5,
    "I8": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "BOOL": 1,
}
_SHARD_BYTES = 5_000_000_000
_TRANSFORMERS_AUTO = {
    "text-generation": "AutoModelForCausalLM",
    "image-text-to-text": "AutoModelForImageTextToText",
}
# Fields of `FakeModel` whose change is not a commit (no new sha / lastModified).
NON_COMMIT_FIELDS = frozenset(
    {"downloads", "likes", "trending_score", "downloads_all_time", "private", "gated", "disabled",
     "inference_providers"}
)


def iso(dt: datetime) -> str:
    """Format like the Hub: `2025-07-28T10:21:00.000Z` (UTC, milliseconds)."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_when(value: datetime | str) -> datetime:
    """Accept an aware datetime or an ISO 8601 string ('Z' allowed); naive datetimes are taken as UTC."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def git_blob_sha(data: bytes) -> str:
    """The git blob id the Hub uses as ETag for non-LFS files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def card_yaml(card: dict[str, Any]) -> str:
    """Minimal YAML front matter for the README (strings, numbers, lists and one level of dicts)."""
    lines = []
    for key, value in card.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            lines.append(f"{key}:")
            lines.extend(f"- {_yaml_scalar(v)}" for v in value)
        elif isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {_yaml_scalar(v)}" for k, v in value.items())
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines)


@dataclass(eq=False)
class FakeModel:
    """One model repo. Read-only for tests: change it through `FakeHub` methods so caches stay right."""

    repo_id: str
    object_id: str
    sha: str
    created_at: datetime
    last_modified: datetime
    private: bool = False
    gated: bool | str = False
    disabled: bool = False
    license: str | None = "apache-2.0"
    license_name: str | None = None
    license_link: str | None = None
    pipeline_tag: str | None = "text-generation"
    library_name: str | None = "transformers"
    tags: tuple[str, ...] = ()
    card_data: dict[str, Any] | None = None
    base_model: str | list[str] | None = None
    base_model_relation: str | None = None
    safetensors: dict[str, int] | None = None
    config: dict[str, Any] | None = None
    tokenizer_config: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    weight_files: dict[str, int] | None = None
    readme: str | None = ""  # the card body under the front matter; None = the repo has no README.md
    gguf: dict[str, Any] | None = None
    downloads: int = 0
    downloads_all_time: int = 0
    likes: int = 0
    trending_score: int = 0
    # Inference providers serving it, {provider: "live" | "staging" | "error"} (tests/fakes/hub_followup.py).
    inference_providers: dict[str, str] = field(default_factory=dict)
    # API fields served exactly as given instead of computed (a hostile or broken record: wrong JSON types,
    # huge numbers, lone surrogates); only when the field is asked for, like any other field.
    api_override: dict[str, Any] = field(default_factory=dict)
    previous_shas: list[str] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def author(self) -> str:
        """Namespace (org or user) of the repo."""
        return self.repo_id.split("/", 1)[0] if "/" in self.repo_id else self.repo_id

    def invalidate(self) -> None:
        """Drop cached renderings after a change (a new dict, so in-flight builds cannot refill it)."""
        self._cache = {}

    def _cached(self, key: Any, build: Any) -> Any:
        cache = self._cache
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = build()
            return value

    # ---- derived data ---------------------------------------------------------------------------
    def base_models(self) -> list[str]:
        """Base model ids as a list."""
        if not self.base_model:
            return []
        return [self.base_model] if isinstance(self.base_model, str) else list(self.base_model)

    def relation(self) -> str:
        """Relation to the base model(s) as the Hub names it (finetune, quantized, adapter, merge)."""
        if self.base_model_relation:
            return self.base_model_relation
        if self.gguf is not None:
            return "quantized"
        return "merge" if len(self.base_models()) > 1 else "finetune"

    def card(self) -> dict[str, Any]:
        """`cardData` as the Hub parses it from the README front matter."""

        def build() -> dict[str, Any]:
            card: dict[str, Any] = {}
            if self.license:
                card["license"] = self.license
            if self.license_name:
                card["license_name"] = self.license_name
            if self.license_link:
                card["license_link"] = self.license_link
            if self.base_model:
                card["base_model"] = self.base_model
            if self.library_name:
                card["library_name"] = self.library_name
            if self.pipeline_tag:
                card["pipeline_tag"] = self.pipeline_tag
            if self.tags:
                card["tags"] = list(self.tags)
            card.update(self.card_data or {})
            return card

        return self._cached("card", build)

    def model_type(self) -> str | None:
        """`model_type` from config.json, else the GGUF architecture."""
        if self.config and self.config.get("model_type"):
            return str(self.config["model_type"])
        return str(self.gguf["architecture"]) if self.gguf and self.gguf.get("architecture") else None

    def hub_tags(self) -> list[str]:
        """The Hub's computed `tags`, in the order real repos show them."""

        def build() -> list[str]:
            tags: list[str] = []
            if self.library_name:
                tags.append(self.library_name)
            if self.safetensors is not None:
                tags.append("safetensors")
            if self.gguf is not None:
                tags.append("gguf")
            if (mt := self.model_type()) is not None:
                tags.append(mt)
            if self.pipeline_tag:
                tags.append(self.pipeline_tag)
            card_tags = self.card().get("tags") or []
            tags.extend(str(t) for t in card_tags)
            # The Hub adds dataset: tags from the card's datasets and arxiv: tags from arXiv links in it.
            datasets = self.card().get("datasets") or []
            tags.extend(f"dataset:{d}" for d in ([datasets] if isinstance(datasets, str) else datasets))
            readme = self.served_files().get("README.md", b"").decode("utf-8", "replace")
            tags.extend(f"arxiv:{a}" for a in re.findall(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", readme))
            for base in self.base_models():
                tags.extend([f"base_model:{base}", f"base_model:{self.relation()}:{base}"])
            license_id = self.card().get("license")
            for lic in license_id if isinstance(license_id, list) else [license_id]:
                if isinstance(lic, str) and lic:
                    tags.append(f"license:{lic}")
            if self.library_name == "transformers":
                tags.append("endpoints_compatible")
            tags.append("region:us")
            return list(dict.fromkeys(tags))

        return self._cached("tags", build)

    def config_subset(self) -> dict[str, Any] | None:
        """The `config` the API exposes: a subset of config.json plus tokenizer_config."""
        if self.config is None and self.tokenizer_config is None:
            return None
        sub: dict[str, Any] = {}
        cfg = self.config or {}
        for key in ("architectures", "model_type", "auto_map"):
            if key in cfg:
                sub[key] = cfg[key]
        if isinstance(cfg.get("quantization_config"), dict) and "quant_method" in cfg["quantization_config"]:
            sub["quantization_config"] = {"quant_method": cfg["quantization_config"]["quant_method"]}
        if self.tokenizer_config:
            sub["tokenizer_config"] = self.tokenizer_config
        return sub

    def safetensors_info(self) -> dict[str, Any] | None:
        """`{"parameters": {dtype: n}, "total": n}` or None."""
        if self.safetensors is None:
            return None
        return {"parameters": dict(self.safetensors), "total": sum(self.safetensors.values())}

    def virtual_weights(self) -> dict[str, int]:
        """Weight files listed in siblings but not downloadable (name -> size in bytes)."""
        if self.weight_files is not None:
            return self.weight_files

        def build() -> dict[str, int]:
            if not self.safetensors:
                return {}
            size = int(sum(n * _DTYPE_BYTES.get(d, 2) for d, n in self.safetensors.items()))
            shards = max(1, math.ceil(size / _SHARD_BYTES))
            if shards == 1:
                return {"model.safetensors": size}
            per = size // shards
            sizes = [per] * (shards - 1) + [size - per * (shards - 1)]
            return {f"model-{i:05d}-of-{shards:05d}.safetensors": s for i, s in enumerate(sizes, 1)}

        return self._cached("weights", build)

    def served_files(self) -> dict[str, bytes]:
        """Downloadable files: `.gitattributes`, README.md (from the card), config.json, plus `files`."""

        def build() -> dict[str, bytes]:
            out: dict[str, bytes] = {
                ".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
                b"*.gguf filter=lfs diff=lfs merge=lfs -text\n"
            }
            name = self.repo_id.split("/")[-1]
            if self.readme is not None:
                body = self.readme or f"# {name}\n"
                out["README.md"] = f"---\n{card_yaml(self.card())}\n---\n\n{body}".encode()
            if self.config is not None:
                out["config.json"] = json.dumps(self.config, indent=2).encode() + b"\n"
            if self.tokenizer_config is not None:
                out["tokenizer_config.json"] = json.dumps(self.tokenizer_config, indent=2).encode() + b"\n"
            out.update(self.files)
            return out

        return self._cached("files", build)

    def siblings(self, blobs: bool = False) -> list[dict[str, Any]]:
        """`[{"rfilename": ...}]`; with `blobs` also size, blobId and lfs like `?blobs=true`."""

        def build() -> list[dict[str, Any]]:
            entries: list[dict[str, Any]] = []
            for name, data in self.served_files().items():
                entry: dict[str, Any] = {"rfilename": name}
                if blobs:
                    entry.update(blobId=git_blob_sha(data), size=len(data))
                entries.append(entry)
            for name, size in self.virtual_weights().items():
                entry = {"rfilename": name}
                if blobs:
                    oid = hashlib.sha256(f"{self.repo_id}/{name}/{size}".encode()).hexdigest()
                    entry.update(
                        blobId=hashlib.sha1(oid.encode()).hexdigest(),
                        size=size,
                        lfs={"sha256": oid, "size": size, "pointerSize": 135},
                    )
                entries.append(entry)
            return sorted(entries, key=lambda e: e["rfilename"])

        return self._cached(("siblings", blobs), build)

    def used_storage(self) -> int:
        """Bytes stored (files plus virtual weights)."""
        return sum(len(b) for b in self.served_files().values()) + sum(self.virtual_weights().values())

    def field_value(self, name: str) -> Any:
        """Value of one API field (None = omit the key)."""
        if name in self.api_override:
            return self.api_override[name]
        match name:
            case "_id":
                return self.object_id
            case "id" | "modelId":
                return self.repo_id
            case "author":
                return self.author
            case "sha":
                return self.sha
            case "createdAt":
                return iso(self.created_at)
            case "lastModified":
                return iso(self.last_modified)
            case "private" | "gated" | "disabled" | "downloads" | "likes" | "pipeline_tag" | "library_name":
                return getattr(self, name)
            case "trendingScore":
                return self.trending_score
            case "downloadsAllTime":
                return self.downloads_all_time
            case "tags":
                return self.hub_tags()
            case "cardData":
                return self.card()
            case "config":
                return self.config_subset()
            case "safetensors":
                return self.safetensors_info()
            case "gguf":
                return self.gguf
            case "siblings":
                return self.siblings()
            case "usedStorage":
                return self.used_storage()
            case "baseModels":
                bases = self.base_models()
                return {"relation": self.relation(), "models": [{"id": b} for b in bases]} if bases else None
            case "transformersInfo":
                if self.library_name != "transformers" or self.pipeline_tag not in _TRANSFORMERS_AUTO:
                    return None
                return {
                    "auto_model": _TRANSFORMERS_AUTO[self.pipeline_tag],
                    "pipeline_tag": self.pipeline_tag,
                    "processor": "AutoTokenizer",
                }
            case "inferenceProviderMapping":
                return {name: {"status": status, "providerId": f"{name}/{self.repo_id.split('/')[-1].lower()}",
                               "task": self.pipeline_tag or "text-generation"}
                        for name, status in self.inference_providers.items()}
            case "spaces":
                return []
            case "childrenModelCount":
                return 0
            case _:
                return None  # inference, widgetData, mask_token, model-index, evalResults, resourceGroup

    def render(self, keys: tuple[str, ...], blobs: bool = False) -> bytes:
        """JSON object with `keys` (None values omitted), cached until the model changes."""

        def build() -> bytes:
            obj: dict[str, Any] = {}
            for key in keys:
                value = self.siblings(blobs=True) if (blobs and key == "siblings") else self.field_value(key)
                if value is not None:
                    obj[key] = value
            return json.dumps(obj, separators=(",", ":")).encode()

        return self._cached(("render", keys, blobs), build)

    def sort_value(self, sort: str) -> Any:
        """Value the listing sorts on (ISO strings sort chronologically)."""
        if sort == "createdAt":
            return iso(self.created_at)
        if sort == "lastModified":
            return iso(self.last_modified)
        if sort == "trendingScore":
            return self.trending_score
        if sort in ("downloads", "likes"):
            return getattr(self, sort)
        raise ValueError(f"unknown sort {sort!r}")
