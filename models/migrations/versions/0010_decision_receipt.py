"""sanction decisions: the 送达回执 (portal receipt) of the 处理决定书

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sanction_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_served_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('receipt_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('receipt_signed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('receipt_signer', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('receipt_reminded_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_sanction_case_receipt_due', ['receipt_due'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sanction_case', schema=None) as batch_op:
        batch_op.drop_index('ix_sanction_case_receipt_due')
        batch_op.drop_column('receipt_reminded_on')
        batch_op.drop_column('receipt_signer')
        batch_op.drop_column('receipt_signed_at')
        batch_op.drop_column('receipt_due')
        batch_op.drop_column('decision_served_on')
