"""supervisors: the agency's letterhead name (data per agency); a misconduct case's proposed
measure, the appointing body an internal supervisor's case is proposed to (第十二条, 第二十六条),
the judicial authority of a referral, and the receipt of the supervisor's own statement

Revision ID: 0012_supervisors
Revises: 0011
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012_supervisors'
down_revision = '0011'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letterhead', _TEXT(length=128), nullable=False, server_default=''))
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_measure', _TEXT(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('appointing_body', _TEXT(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('proposal_sent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('referral_authority', _TEXT(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('statement_receipt', _TEXT(length=32), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.drop_column('statement_receipt')
        batch_op.drop_column('referral_authority')
        batch_op.drop_column('proposal_sent_on')
        batch_op.drop_column('appointing_body')
        batch_op.drop_column('proposed_measure')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('letterhead')
