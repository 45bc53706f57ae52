"""What a model card (README.md) says: its first descriptive sentence and the links openness rests on. Pure.

`read_card(text)` returns a small JSON-ready dict that is stored with the model (`readme_meta`), so that the
openness and the summary can be recomputed later without reading the card again:
    {"found": True, "summary": str | None, "papers": [...], "code": [...]}
"""

from __future__ import annotations

import html
import re
from typing import Any

MAX_SUMMARY = 200
MAX_LINKS = 5
MAX_CARD_CHARS = 400_000  # longer cards are read up to here (cards are a few KB; a 1 MB one is an accident)

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.DOTALL | re.MULTILINE)
_TAG = re.compile(r"<[^<>]{0,2000}>")
_IMAGE = re.compile(r"!\[[^\[\]]{0,500}\]\([^()\s]{0,2000}\)")
_LINK = re.compile(r"\[([^\[\]]{0,500})\]\([^()\s]{0,2000}\)")
_REF_LINK = re.compile(r"\[([^\[\]]{0,500})\]\[[^\[\]]{0,100}\]")
_BARE_URL = re.compile(r"https?://\S+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(\[])|(?<=[。！？])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "Fig.", "No.", "al.")
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5})", re.IGNORECASE)
_HF_PAPER = re.compile(r"huggingface\.co/papers/(\d{4}\.\d{4,5})", re.IGNORECASE)
_PAPER_LINK = re.compile(r"<a\s[^<>]{0,500}?href=\"([^\"\s]{1,300}\.pdf)\"|\]\(([^)\s]{1,300}\.pdf)\)", re.IGNORECASE)
_CODE_HOST = re.compile(r"https?://(?:www\.)?(github\.com|gitlab\.com)/([\w.-]+)/([\w.-]+)", re.IGNORECASE)
_IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp)(\?|$)", re.IGNORECASE)
# Code of the tools a card tells you to install, not of the model.
_TOOL_OWNERS = frozenset({"huggingface", "vllm-project", "sgl-project", "ggerganov", "ggml-org", "ollama",
                          "lm-sys", "mlc-ai", "lmstudio-ai", "oobabooga", "open-compass", "turboderp", "unslothai"})
_TOOL_REPOS = frozenset({"microsoft/deepspeed", "nvidia/tensorrt-llm", "internlm/lmdeploy", "pytorch/pytorch",
                         "eleutherai/lm-evaluation-harness", "modelscope/modelscope", "modelscope/ms-swift"})


def strip_front_matter(text: str) -> str:
    """The card without its YAML front matter."""
    return _FRONT_MATTER.sub("", text, count=1)


def _plain(paragraph: str) -> str:
    text = _IMAGE.sub("", paragraph)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _BARE_URL.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = html.unescape(text)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _is_prose(paragraph: str, plain: str) -> bool:
    first = paragraph.lstrip()
    if first.startswith(("#", "|", ">", "- ", "* ", "+ ", "[!", "=", "---", "***")) or re.match(r"\d+\.\s", first):
        return False
    words = re.findall(r"[^\W\d_]{2,}", plain)
    return len(words) >= 6 and not plain.endswith(":")


def _first_sentence(text: str) -> str:
    for match in _SENTENCE_END.finditer(text):
        candidate = text[: match.start()].rstrip()
        if candidate.endswith(_ABBREVIATIONS) or len(candidate) < 20:
            continue
        return candidate
    return text


def _shorten(text: str, limit: int = MAX_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return cut + "…"


def summary(card: str) -> str | None:
    """The card's first descriptive sentence: no front matter, badges, HTML or headings; at most 200 chars."""
    body = _COMMENT.sub("", strip_front_matter(card[:MAX_CARD_CHARS]))
    body = _FENCE.sub("", body)
    for paragraph in re.split(r"\n\s*\n", body):
        plain = _plain(paragraph)
        if plain and _is_prose(paragraph, plain):
            return _shorten(_first_sentence(plain))
    return None


def paper_links(card: str) -> list[str]:
    """Technical reports the card links: arXiv ids (`arxiv:2412.19437`) and PDF papers in or beside the repo."""
    found = [f"arxiv:{m}" for m in _ARXIV.findall(card)] + [f"arxiv:{m}" for m in _HF_PAPER.findall(card)]
    for match in _PAPER_LINK.finditer(card):
        link = match.group(1) or match.group(2)
        if link.isprintable():
            found.append(link)
    return list(dict.fromkeys(found))[:MAX_LINKS]


def code_links(card: str) -> list[str]:
    """Public code repositories linked from the card (GitHub, GitLab), without the tools it tells you to use."""
    repos: list[str] = []
    for url in _URL.findall(card):
        if _IMAGE_FILE.search(url):
            continue
        match = _CODE_HOST.match(url)
        if not match:
            continue
        host, owner, name = match.group(1).lower(), match.group(2), match.group(3).removesuffix(".git")
        if owner.lower() in _TOOL_OWNERS or f"{owner}/{name}".lower() in _TOOL_REPOS or name.lower() in ("", "."):
            continue
        repos.append(f"https://{host}/{owner}/{name}")
    return list(dict.fromkeys(repos))[:MAX_LINKS]


def read_card(text: Any) -> dict[str, Any]:
    """Everything the tracker keeps from one model card."""
    if not isinstance(text, str):
        return {"found": False}
    card = text[:MAX_CARD_CHARS]
    body = strip_front_matter(card)
    return {"found": True, "summary": summary(card), "papers": paper_links(body), "code": code_links(body)}
