"""leftovers: sanction case numbers per agency and year (处理-CITY-A-2026-1), from case_counter

Revision ID: 0018_leftovers
Revises: 0017_special
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018_leftovers'
down_revision = '0017_special'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for existing cases: they keep being shown by their id (处理程序 第N号) — no number is
    # invented for a case whose letters already went out without one.
    with op.batch_alter_table('sanction_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_sanction_case_number', ['number'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('sanction_case', schema=None) as batch_op:
        batch_op.drop_index('ix_sanction_case_number')
        batch_op.drop_column('number')
