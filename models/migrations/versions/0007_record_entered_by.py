"""record_entered_by: 代录 — who among the agency staff entered a paper record

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inspection_record') as batch:
        batch.add_column(sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                   server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('inspection_record') as batch:
        batch.drop_column('entered_by')
