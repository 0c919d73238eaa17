"""portal_token_misses: wrong link tokens by client address, shared by the portal's worker processes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_token_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_token_miss', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_token_miss_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_token_miss_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_token_miss', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_token_miss_at'))
        batch_op.drop_index(batch_op.f('ix_portal_token_miss_address'))
    op.drop_table('portal_token_miss')
