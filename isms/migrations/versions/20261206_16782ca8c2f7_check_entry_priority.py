"""check entry priority for the Realisierungsplan

The plan's priority of a requirement (MUSS 1, SOLLTE 2, else 3) is stored on the entry and
filled from its modal verb, so that the plan reads its order and totals off two indexes.

Revision ID: 16782ca8c2f7
Revises: c9493356ffd0
Create Date: 2026-12-06 01:39:29.620633
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op


revision: str = '16782ca8c2f7'
down_revision: str | None = 'c9493356ffd0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('check_entry', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('priority', sa.Integer(), nullable=False, server_default=sa.text('3'))
        )
    op.execute(
        "UPDATE check_entry SET priority = CASE modal_verb WHEN 'MUSS' THEN 1 "
        "WHEN 'SOLLTE' THEN 2 ELSE 3 END"
    )
    with op.batch_alter_table('check_entry', schema=None) as batch_op:
        batch_op.create_index('ix_check_entry_plan', ['status', 'modelled', 'priority', 'target_date', 'id', 'owner_department_id', 'asset_id', 'cost'], unique=False)
        batch_op.create_index('ix_check_entry_plan_undated', ['status', 'modelled', 'priority', 'id', 'owner_department_id', 'asset_id', 'cost', 'target_date'], unique=False, sqlite_where=sa.text('target_date IS NULL'), postgresql_where=sa.text('target_date IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('check_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_check_entry_plan_undated', sqlite_where=sa.text('target_date IS NULL'), postgresql_where=sa.text('target_date IS NULL'))
        batch_op.drop_index('ix_check_entry_plan')
        batch_op.drop_column('priority')

