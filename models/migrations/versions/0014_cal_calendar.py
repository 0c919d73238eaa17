"""cal: staff-declared calendar years; windows and letter report dates whose end is not yet known

Revision ID: 0014_cal
Revises: 0013_mail
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


RECEIPT_OPEN = "decision_served_on IS NOT NULL AND receipt_signed_at IS NULL"

revision = '0014_cal'
down_revision = '0013_mail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('notice_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('notice_title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('days_off', sa.JSON(), nullable=False),
    sa.Column('working_days', sa.JSON(), nullable=False),
    sa.Column('declared_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('declared_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['replaces_id'], ['calendar_declaration.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_declaration_year'), ['year'], unique=False)
    with op.batch_alter_table('special_inspection_deadline', schema=None) as batch_op:
        batch_op.alter_column('due', existing_type=sa.Date(), nullable=True)
        batch_op.add_column(sa.Column('working_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('due_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('agency_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_days', sa.Integer(), nullable=False, server_default='0'))
    # The sweep looks for 送达回执 periods left 期限待定 (procedures/sanction_sweep._compute_unknown_dues):
    # a partial index of the served, unsigned decisions only, so the look-up (receipt_due IS NULL)
    # stays flat beside a long history of cases that never had a decision served (NULL there too).
    op.create_index('ix_sanction_case_receipt_open', 'sanction_case', ['receipt_due'], unique=False,
                    sqlite_where=sa.text(RECEIPT_OPEN), postgresql_where=sa.text(RECEIPT_OPEN))


def downgrade() -> None:
    op.drop_index('ix_sanction_case_receipt_open', table_name='sanction_case')
    with op.batch_alter_table('agency_decision', schema=None) as batch_op:
        batch_op.drop_column('report_days')
    with op.batch_alter_table('special_inspection_deadline', schema=None) as batch_op:
        batch_op.drop_column('due_reason')
        batch_op.drop_column('working_days')
        batch_op.alter_column('due', existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table('calendar_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_declaration_year'))
    op.drop_table('calendar_declaration')
