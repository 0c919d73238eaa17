"""decided_by_staff: every agency decision stores the staff account that decided (issue 8, Roles);
a filed record also keeps the true date it was received

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# table → [(column, foreign key name)]
_STAFF_COLUMNS = {
    'agency_decision': [('decided_by_staff_id', 'fk_agency_decision_decided_by_staff')],
    'inspection_case': [('go_ahead_by_staff_id', 'fk_inspection_case_go_ahead_by_staff')],
    'misconduct_case': [('opened_by_staff_id', 'fk_misconduct_case_opened_by_staff'),
                        ('decided_by_staff_id', 'fk_misconduct_case_decided_by_staff')],
}


def upgrade() -> None:
    with op.batch_alter_table('inspection_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
    with op.batch_alter_table('inspection_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('go_ahead_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
    for table, columns in _STAFF_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, fk in columns:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
                batch_op.create_foreign_key(fk, 'agency_staff', [column], ['id'])


def downgrade() -> None:
    for table, columns in _STAFF_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, fk in columns:
                batch_op.drop_constraint(fk, type_='foreignkey')
                batch_op.drop_column(column)
    with op.batch_alter_table('inspection_case', schema=None) as batch_op:
        batch_op.drop_column('go_ahead_by')
    with op.batch_alter_table('inspection_record', schema=None) as batch_op:
        batch_op.drop_column('received_on')
