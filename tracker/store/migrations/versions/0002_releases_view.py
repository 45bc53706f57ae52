"""a `releases` view: what a person browsing the SQLite file wants to see

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RELEASES_VIEW = """
CREATE VIEW releases AS
SELECT
    m.released_at,
    m.lab,
    m.region,
    m.repo_id,
    m.family,
    m.variant,
    m.modality,
    m.params_total,
    m.params_active,
    m.params_total_source,
    m.memory_bf16_gb,
    m.license_id,
    m.license_class,
    m.license_reason,
    m.gated,
    m.quant_format,
    m.pipeline_tag,
    m.status,
    m.backfill,
    m.created_at,
    m.first_seen_at,
    'https://huggingface.co/' || m.repo_id AS url
FROM models AS m
"""


def upgrade() -> None:
    op.execute(RELEASES_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS releases")
