"""Property tests: whatever the Hub or a config.json holds, compute_facts answers and never raises."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tracker.facts import FactInputs, ModelFacts, compute_facts
from tracker.facts.config_reader import ConfigError
from tracker.facts.params_config import estimate_from_config

CONFIGS = Path(__file__).parent / "data" / "configs"
REAL = {p.stem: json.loads(p.read_text()) for p in CONFIGS.glob("*.json")}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True), st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
keys = st.sampled_from(
    sorted(
        {k for cfg in REAL.values() for k in cfg}
        | {"text_config", "moe_topk", "num_shared_expert", "attn_type_list"}
    )
)
anything = st.one_of(json_values, st.dictionaries(keys, json_values, max_size=10))


def _mutated_real_config():
    """A real config with some values replaced by garbage (wrong types, negatives, lists, missing keys)."""
    return st.builds(
        lambda name, changes, drops: {k: v for k, v in {**REAL[name], **changes}.items() if k not in drops},
        st.sampled_from(sorted(REAL)),
        st.dictionaries(keys, json_values, max_size=3),
        st.sets(keys, max_size=3),
    )


def _check(facts: ModelFacts) -> None:
    assert isinstance(facts, ModelFacts)
    assert facts.license_class in ("permissive", "open-restricted", "non-commercial", "unknown")
    assert facts.variant in ("base", "instruct", "reasoning", "quantized", "distilled", "adapter", "other")
    for value in (facts.params_total, facts.params_active):
        assert value is None or (isinstance(value, int) and value >= 0)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(config=st.one_of(anything, _mutated_real_config()))
def test_bad_configs_give_a_count_or_none_with_a_reason(config):
    facts = compute_facts(FactInputs("org/model", config=config))
    _check(facts)
    if config is not None and facts.params_total is None:  # None = no config at all: nothing to explain
        assert any(note.startswith("config.json unreadable: ") for note in facts.params_notes)
    try:
        estimate = estimate_from_config(config)
    except ConfigError as exc:
        assert str(exc)  # a reason, never an empty message
    else:
        assert estimate.total >= estimate.active >= 0


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    repo_id=st.one_of(st.text(max_size=40), st.none(), st.integers()),
    tags=st.one_of(
        st.lists(st.one_of(st.text(max_size=20), st.integers()), max_size=5), st.text(max_size=10), st.none()
    ),
    pipeline_tag=st.one_of(st.none(), st.text(max_size=20), st.integers()),
    library_name=st.one_of(st.none(), st.text(max_size=10), st.lists(st.text(max_size=3))),
    card_data=anything,
    safetensors=st.one_of(anything, st.fixed_dictionaries({"parameters": anything, "total": scalars})),
    gguf=st.one_of(anything, st.fixed_dictionaries({"total": scalars, "architecture": scalars})),
    gated=st.one_of(st.booleans(), st.text(max_size=6), st.none()),
)
def test_garbage_everywhere_never_raises(
    repo_id, tags, pipeline_tag, library_name, card_data, safetensors, gguf, gated
):
    inputs = FactInputs(
        repo_id=repo_id,
        tags=tags,
        pipeline_tag=pipeline_tag,
        library_name=library_name,
        card_data=card_data,
        safetensors=safetensors,
        config=None,
        gguf=gguf,
        gated=gated,
    )
    _check(compute_facts(inputs))


@settings(max_examples=60)
@given(
    st.sampled_from(sorted(REAL)),
    st.sampled_from(["hidden_size", "num_hidden_layers", "vocab_size"]),
    st.one_of(
        st.text(max_size=5), st.integers(max_value=0), st.lists(st.integers(1, 9), min_size=2), st.none()
    ),
)
def test_breaking_a_required_key_gives_none_and_names_the_key(name, key, bad):
    config = json.loads(json.dumps(REAL[name]))
    target = config.get("text_config", config)
    assume(key in target)  # DBRX names its sizes d_model and n_layers
    if bad is None:
        del target[key]
    else:
        target[key] = bad
    facts = compute_facts(FactInputs("org/model", config=config))
    assert facts.params_total is None and facts.params_active is None
    assert any(key in note for note in facts.params_notes if note.startswith("config.json unreadable"))
