"""audit log (issue 22): the append-only hash-chained audit_entry and the daily audit_seal.

Schema only. Rows written before 0020 are appended once, as a genesis batch, by
`supervise audit init` (adapters.audit.genesis), not here: a migration must not depend on the
models at head (the genesis reads every audited table with them), and on a province-year
database it takes a while and reports its progress.

Revision ID: 0020_audit
Revises: 0019_internal
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0020_audit'
down_revision = '0019_internal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('case_ref', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_case_ref'), ['case_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_ref'), ['ref'], unique=False)

    op.create_table('audit_seal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('head_seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mailed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('audit_seal')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_ref'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_case_ref'))

    op.drop_table('audit_entry')
