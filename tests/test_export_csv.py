"""The CSV export from bare stored values (tracker.history.export_csv) writes the bytes the record() path
writes, for every kind of stored value, odd ones included."""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests.test_stats import store
from tracker.history import export_csv
from tracker.history.export import EXPORT_FIELDS, export, release_records
from tracker.render.output import write_csv
from tracker.store import queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

HUB = "https://huggingface.co"
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _varied_store(tmp_path: Path) -> Engine:
    engine = store(tmp_path, [
        {"repo_id": "Qwen/Qwen3-235B-A22B", "params_total": 235_093_634_560, "params_active": 22_000_000_000,
         "is_moe": True, "weights_bytes": 470_187_269_120, "kv_bytes_per_token": 98_304, "context_length": 131_072,
         "tags": ["transformers", "région:eu", "license:apache-2.0"], "base_models": ["Qwen/Qwen3-235B-A22B-Base"],
         "dtype_breakdown": {"F32": 1024, "BF16": 235_093_633_536}, "params_notes": ["total from safetensors"],
         "openness_level": "open-model", "openness_evidence": ["OSI license", "arxiv:2505.09388"],
         "summary": "Qwen3 — the newest “hybrid” model, ünïcödé", "gated": "auto", "memory_bf16_gb": 470.2},
        {"repo_id": "evil/=cmd", "lab": "=HYPERLINK(\"x\")", "family": "+1", "variant": "-2", "summary": "@SUM(A1)",
         "license": "\tother", "license_name": "\rname", "params_total": None, "is_moe": False, "backfill": True,
         "tags": ["=1+2", "+x"], "problems": ["-bad", "line\nbreak, \"quoted\""], "gated": "manual"},
        {"repo_id": "deepseek-ai/DeepSeek-V3", "params_total": 671_000_000_000, "weights_bytes": 688_586_727_424,
         "status": "removed", "removed_at": datetime(2025, 6, 1, tzinfo=UTC), "distilled_from": "x/y",
         "dtype_breakdown": {"F8_E4M3": 1, "BF16": 2, "A": 3}, "readme_meta": {"b": 1, "a": [{"z": 1, "y": 2}]}},
        {"repo_id": "tiny/Model-0.5B", "params_total": 500_000_000, "kv_bytes_per_token": 12_288,
         "context_length": 32_768},
        {"repo_id": "zai-org/GLM-5-Air", "sources": [  # first on ModelScope, then on the Hub
            {"hub": "huggingface", "repo_id": "zai-org/GLM-5-Air", "url": "https://huggingface.co/zai-org/GLM-5-Air",
             "first_seen_at": "2026-11-02T12:10:00Z"},
            {"hub": "modelscope", "repo_id": "ZhipuAI/GLM-5-Air",
             "url": "https://modelscope.cn/models/ZhipuAI/GLM-5-Air", "first_seen_at": "2026-11-02T10:00:00Z"}]},
        {"repo_id": "stepfun-ai/Step-4", "sources": [  # on ModelScope only, seen at the first look
            {"hub": "modelscope", "repo_id": "stepfun-ai/Step-4", "url": "https://modelscope.cn/models/stepfun-ai/Step-4",
             "first_seen_at": "2026-11-03T08:00:00Z", "backfill": True}]},
    ])
    with sqlite3.connect(tmp_path / "tracker.db") as db:  # what only raw SQL (or another writer) could store
        db.execute("INSERT INTO models (repo_id, lab, org, status, backfill, gated, is_moe, released_at, created_at,"
                   " first_seen_at, last_modified, tags, base_models, params_notes, problems, openness_evidence)"
                   " VALUES ('odd/Times', 'Odd', 'odd', 'public', 0, 'no', 0, '2025-04-01T10:00:00.123456Z',"
                   " '2025-04-01 09:00:00', '2025-04-01T12:00:00+02:00', '2025-04-01 10:00:00Z',"
                   " '[\"a\",\"b\"]', '\"=just a string\"', 'not json', '[\"\\u00e9t\\u00e9\"]', '{\"k\": 1}')")
        # Text CSV must quote or leave to csv.writer, numbers equal across types (16, 16.0), a blob, a number in a
        # JSON column, repo ids the Hub would refuse (their url and sources are not put together directly).
        odd = (("odd/a,b\"c", "a, \"b\"\nc\u2028"), ("odd/back\\slash", "\tx"), ("odd/sep\u2028", None))
        db.executemany(
            "INSERT INTO models (repo_id, lab, org, status, backfill, gated, is_moe, released_at, created_at,"
            " first_seen_at, last_modified, sha, summary, license_name, license_reason, params_total, params_active,"
            " memory_bf16_gb, context_length, tags, problems, family) VALUES (?, 'Odd', 'odd', 'public', 1, 'auto',"
            " 2, '2025-04-02T10:00:00Z', '2025-04-02T10:00:00Z', '2025-04-02T10:00:00Z', '2025-04-02T10:00:00Z',"
            " 'sha,1', ?, ' lead', X'2c3d', 16, 16.5, 16, 16, 5, '[]', '=fam')", odd)
    return engine


def _record_path(engine: Engine, f: HistoryFilter) -> str:
    out = io.StringIO()
    write_csv(release_records(engine, f, HUB), out, EXPORT_FIELDS)
    return out.getvalue()


def test_the_fast_csv_is_the_record_paths_bytes(tmp_path: Path) -> None:
    engine = _varied_store(tmp_path)
    for f in (HistoryFilter(), HistoryFilter(orgs=("qwen", "evil"), limit=1),
              HistoryFilter(since=datetime(2025, 3, 2, tzinfo=UTC))):
        chosen = export_csv.plan(EXPORT_FIELDS, queries.model_columns(engine))
        assert chosen is not None
        out = io.StringIO()
        n = export_csv.write_releases(engine, f, HUB, chosen, out)
        expected = _record_path(engine, f)
        assert out.getvalue() == expected
        assert n == sum(1 for _ in release_records(engine, f, HUB))
    text = _record_path(engine, HistoryFilter())
    assert "\"'=HYPERLINK" in text and "'=just a string" in text
    assert ",2025-04-01T10:00:00Z" * 3 in text  # first seen, released and modified, each stored another way
    assert '"a, ""b""\nc\u2028"' in text and ",16,16.5," in text and ",16.0," in text and "\"b',='\"" in text


def test_the_export_command_takes_the_fast_path_and_writes_the_same_file(tmp_path: Path) -> None:
    engine = _varied_store(tmp_path)
    target = tmp_path / "out.csv"
    assert export(engine, HistoryFilter(), HUB, fmt="csv", events=False, path=target) == 10
    assert target.read_bytes().decode("utf-8") == _record_path(engine, HistoryFilter())


def test_a_field_it_does_not_know_goes_through_record(tmp_path: Path) -> None:
    columns = queries.model_columns(_varied_store(tmp_path))
    assert export_csv.plan(("repo_id", "url", "gated"), columns) is not None
    assert export_csv.plan(("repo_id", "no_such_field"), columns) is None
    assert export_csv.plan(("repo_id", "url"), ["repo_id", "lab"]) is None  # a table without what it derives from


def test_any_choice_of_fields_is_the_record_paths_bytes(tmp_path: Path) -> None:
    engine = _varied_store(tmp_path)
    columns = queries.model_columns(engine)
    for fields in (("repo_id", "url"), ("url", "gated"), ("lab", "created_at"), ("gated_mode", "params_source"),
                   ("tags", "is_moe", "sha", "fits_on", "openness", "first_hub"), ("sources", "hub_lead_s"),
                   tuple(reversed(EXPORT_FIELDS))):
        chosen = export_csv.plan(fields, columns)
        assert chosen is not None
        out, expected = io.StringIO(), io.StringIO()
        export_csv.write_releases(engine, HistoryFilter(), HUB, chosen, out)
        write_csv(release_records(engine, HistoryFilter(), HUB), expected, fields)
        assert out.getvalue() == expected.getvalue(), fields
