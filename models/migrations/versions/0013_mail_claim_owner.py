"""mail_claim_owner: the outbox records which process (pid, host) holds a claim, so a claim of
a killed sender is taken back at once instead of after ten minutes (adapters/mailer.py)

Revision ID: 0013_mail
Revises: 0012_supervisors
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013_mail'
down_revision = '0012_supervisors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('claimed_host')
        batch_op.drop_column('claimed_pid')
