"""The Hub's models in our own shape: plain dataclasses, and the parsing of one Hub JSON item into them.

No network and no `huggingface_hub` here (`tracker.hub.client` fetches); every value from the Hub is checked by
`tracker.hub.bounds` on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.hub import bounds as hub_values
from tracker.hub.bounds import skip_reason

_CARD_KEYS_FOR_FACTS = ("license", "license_name", "license_link", "base_model", "base_model_relation", "tags",
                        "pipeline_tag", "library_name", "datasets")


@dataclass(frozen=True)
class HubModel:
    """One model as the Hub shows it, in our own shape."""

    repo_id: str
    author: str
    created_at: datetime | None
    last_modified: datetime | None
    private: bool
    gated: str  # "no" | "auto" | "manual"
    disabled: bool
    sha: str | None
    pipeline_tag: str | None
    library_name: str | None
    tags: tuple[str, ...]
    card_data: dict[str, Any]
    safetensors: dict[str, Any] | None
    config_subset: dict[str, Any] | None
    gguf: dict[str, Any] | None
    problems: tuple[str, ...] = field(default=())

    @property
    def org(self) -> str:
        return self.repo_id.split("/", 1)[0]

    def fact_meta(self) -> dict[str, Any]:
        """The metadata the facts are computed from, small enough to keep with each stored model."""
        card = {k: v for k, v in self.card_data.items() if k in _CARD_KEYS_FOR_FACTS}
        return {"card_data": card, "safetensors": self.safetensors, "gguf": self.gguf,
                "config_subset": self.config_subset}

    @property
    def name(self) -> str:
        return self.repo_id.split("/", 1)[-1]


@dataclass(frozen=True)
class OrgListing:
    """All public models of one organisation, and the items we had to skip."""

    org: str
    models: tuple[HubModel, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class TrendingModel:
    """One model of the Hub's trending list: enough to decide whether its organisation is worth proposing."""

    repo_id: str
    created_at: datetime | None
    likes: int
    trending_score: int

    @property
    def org(self) -> str:
        return self.repo_id.split("/", 1)[0]


@dataclass(frozen=True)
class Readme:
    """The model card as read: its text (None when the repo has none), the blob sha, or why it is unread.

    `final` is False when the Hub could not answer (try again later); True when there is an answer to keep,
    including "no README" and "gated"."""

    text: str | None
    sha: str | None
    problem: str | None = None
    final: bool = True


def _gated(value: Any) -> str:
    if value in ("auto", "manual"):
        return value
    return "manual" if value is True else "no"


def parse_model(item: Any, now: datetime | None = None) -> HubModel | None:
    """Our HubModel from one Hub JSON item; None when the item has no usable id (see `skip_reason`).

    Every other value is checked by `tracker.hub.bounds`: a bad one is dropped and a problem noted.
    """
    if skip_reason(item) is not None:
        return None
    repo_id = item.get("id") or item.get("modelId")
    problems: list[str] = []

    def as_dict(key: str) -> dict[str, Any] | None:
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, dict):
            return hub_values.clean_json(value, key, problems)
        problems.append(f"{key} is not an object")
        return None

    tags_raw = item.get("tags")
    if tags_raw is not None and not isinstance(tags_raw, list):
        problems.append("tags is not a list")
    tags_raw = tags_raw if isinstance(tags_raw, list) else []
    tags = tuple(hub_values.clean_text(t, "tags", problems, limit=300) for t in tags_raw[:hub_values.MAX_ITEMS]
                 if isinstance(t, str))
    text = {k: hub_values.text_or_none(item.get(k), k, problems, limit=200)
            for k in ("pipeline_tag", "library_name", "sha", "author")}
    return HubModel(
        repo_id=repo_id,
        author=text.get("author") or repo_id.split("/", 1)[0],
        created_at=hub_values.time_value(item.get("createdAt"), "createdAt", problems, now),
        last_modified=hub_values.time_value(item.get("lastModified"), "lastModified", problems, now),
        private=hub_values.flag(item.get("private"), "private", problems),
        gated=_gated(item.get("gated")),
        disabled=hub_values.flag(item.get("disabled"), "disabled", problems),
        sha=text.get("sha"),
        pipeline_tag=text.get("pipeline_tag"),
        library_name=text.get("library_name"),
        tags=tags,
        card_data=as_dict("cardData") or {},
        safetensors=hub_values.safetensors_info(item.get("safetensors"), problems),
        config_subset=as_dict("config"),
        gguf=hub_values.gguf_info(item.get("gguf"), problems),
        problems=tuple(dict.fromkeys(problems)),
    )


WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".npz")


def weight_manifest(siblings: Any) -> dict[str, dict[str, Any]] | None:
    """The weight files among `siblings` (a `?blobs=true` answer): name -> size and LFS sha256."""
    if not isinstance(siblings, list):
        return None
    out: dict[str, dict[str, Any]] = {}
    for entry in siblings:
        if not isinstance(entry, dict) or not isinstance(name := entry.get("rfilename"), str):
            continue
        if not name.lower().endswith(WEIGHT_SUFFIXES):
            continue
        lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else {}
        size = entry.get("size")
        out[name] = {"size": size if isinstance(size, int) else None,
                     "sha256": lfs.get("sha256") if isinstance(lfs.get("sha256"), str) else entry.get("blobId")}
    return out
