"""supervisors2: an internal card records the institution that issued it (a 6-digit issuer code
is not unique across cities, 第十二条/第八条); a misconduct case records the months of a proposed
suspension (the 告知书 states them) and the appointing body's reported decision on an internal
supervisor (第二十六条); statements that 0012 kept from before (typed by staff, no portal
receipt) are no longer taken for the supervisor's own

Revision ID: 0015_supervisors2
Revises: 0014_cal
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015_supervisors2'
down_revision = '0014_cal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('supervisor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_institution_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('body_measure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('body_decided_on', sa.Date(), nullable=True))
    # Only the supervisor's own portal submission ends the period early (第二十六条 interpretation):
    # a statement still in hearing without a portal receipt was typed by staff before 0012.
    op.execute("UPDATE misconduct_case SET statement_received_on = NULL "
               "WHERE status = 'hearing' AND statement_receipt = ''")


def downgrade() -> None:
    with op.batch_alter_table('misconduct_case', schema=None) as batch_op:
        batch_op.drop_column('body_decided_on')
        batch_op.drop_column('body_measure')
        batch_op.drop_column('proposed_months')
    with op.batch_alter_table('supervisor', schema=None) as batch_op:
        batch_op.drop_column('issuer_institution_id')
