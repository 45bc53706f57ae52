"""How open a release is, in the spirit of the Model Openness Framework, with the evidence for it. Pure.

Levels, least to most open:
- restricted-weights: downloadable, but the license is restricted, non-commercial or unknown, or the repo
  is gated;
- open-weights: the weights are under an OSI-approved license (or an open-data license the Model Openness
  Framework accepts for parameters, such as CC-BY-4.0); nothing more is published;
- open-model: open-weights plus a technical report (an `arxiv:` tag, an arXiv or paper link in the card) and a
  public code repository linked from the card;
- open-science: open-model plus the training data declared in the card (`datasets`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

LEVELS = ("restricted-weights", "open-weights", "open-model", "open-science")
# OSI-approved licenses by their Hub ids (https://opensource.org/licenses).
OSI_APPROVED = frozenset({
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "isc", "mpl-2.0", "gpl-2.0",
    "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "agpl-3.0", "unlicense", "bsl-1.0", "zlib", "artistic-2.0", "ecl-2.0",
    "epl-2.0", "osl-3.0", "afl-3.0", "ncsa", "postgresql", "upl-1.0", "0bsd", "mit-0",
})
# Open-data licenses the Model Openness Framework accepts for model parameters.
OPEN_DATA = frozenset({"cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "cdla-permissive-2.0", "cdla-permissive-1.0",
                       "odc-by", "pddl"})
MAX_EVIDENCE_ITEMS = 3


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _few(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_EVIDENCE_ITEMS])
    return shown + (f" and {len(items) - MAX_EVIDENCE_ITEMS} more" if len(items) > MAX_EVIDENCE_ITEMS else "")


def _license_evidence(license_id: str | None, license_class: str) -> tuple[bool, str]:
    """(open enough for open-weights, why)."""
    name = license_id or "no recognised license"
    if license_id in OSI_APPROVED:
        return True, f"license {license_id} is OSI-approved"
    if license_id in OPEN_DATA:
        return True, f"license {license_id} is an open license (not OSI-approved; accepted for weights by the MOF)"
    if license_class == "non-commercial":
        return False, f"license {name} is non-commercial"
    if license_class == "open-restricted":
        return False, f"license {name} has custom conditions (not OSI-approved)"
    if license_class == "permissive":
        return False, f"license {name} is permissive but not OSI-approved"
    return False, f"license: {name}" if license_id else "no recognised license"


def classify_openness(
    license_id: str | None,
    license_class: str | None,
    gated: bool | str,
    tags: Sequence[str] = (),
    card_data: Mapping[str, Any] | None = None,
    readme: Mapping[str, Any] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """(level, evidence): the level and every fact it rests on, in words a reader can check."""
    evidence: list[str] = []
    open_license, why = _license_evidence(license_id, license_class or "unknown")
    evidence.append(why)
    is_gated = bool(gated) and gated != "no"
    if is_gated:
        evidence.append("gated: access must be requested on the Hub")
    card = card_data if isinstance(card_data, Mapping) else {}
    info = readme if isinstance(readme, Mapping) else None
    papers = [f"arxiv:{t.split(':', 1)[1]}" for t in tags if isinstance(t, str) and t.startswith("arxiv:")]
    papers += _strings(info.get("papers")) if info else []
    papers = list(dict.fromkeys(papers))
    code = _strings(info.get("code")) if info else []
    datasets = _strings(card.get("datasets")) or [t.split(":", 1)[1] for t in tags
                                                    if isinstance(t, str) and t.startswith("dataset:")]
    evidence.append(f"technical report: {_few(papers)}" if papers else "no technical report linked")
    if info is None:
        evidence.append("model card not read yet: code links unknown")
    else:
        if not info.get("found"):
            problem = info.get("problem")
            if isinstance(problem, str) and problem and "no README.md" not in problem:
                evidence.append(f"model card not read: {problem}")
            else:
                evidence.append("no model card (README.md) to read")
        evidence.append(f"code: {_few(code)}" if code else "no code repository linked")
    evidence.append(f"training data declared: {_few(datasets)}" if datasets else "no training data declared")
    if is_gated or not open_license:
        return "restricted-weights", tuple(evidence)
    if not (papers and code):
        return "open-weights", tuple(evidence)
    return ("open-science" if datasets else "open-model"), tuple(evidence)
