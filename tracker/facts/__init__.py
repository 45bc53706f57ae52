"""Pure facts about a model release: parameter counts, license, family and variant. No I/O.

The only file read is the packaged license table (tracker/data/licenses.toml), lazily on first use.
"""

from tracker.facts.compute import FactInputs, ModelFacts, compute_facts
from tracker.facts.params import ACTIVE_CONVENTION
from tracker.facts.params_name import NameHint, format_params, name_param_hint, parse_param_count

__all__ = [
    "ACTIVE_CONVENTION",
    "FactInputs",
    "ModelFacts",
    "NameHint",
    "compute_facts",
    "format_params",
    "name_param_hint",
    "parse_param_count",
]
