"""institutions: the unified social credit code (统一社会信用代码), so that a revoked organisation's
new filing is refused (第二十三条 「不再受理其备案或遴选申请」)

Revision ID: 0016_status
Revises: 0015_supervisors2
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016_status'
down_revision = '0015_supervisors2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_institution_credit_code', ['credit_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index('ix_institution_credit_code')
        batch_op.drop_column('credit_code')
