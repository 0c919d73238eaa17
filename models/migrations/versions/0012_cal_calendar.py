"""cal: staff-declared calendar years; windows and letter report dates whose end is not yet known

Revision ID: 0012_cal
Revises: 0011
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012_cal'
down_revision = '0011'
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


def downgrade() -> None:
    with op.batch_alter_table('agency_decision', schema=None) as batch_op:
        batch_op.drop_column('report_days')
    with op.batch_alter_table('special_inspection_deadline', schema=None) as batch_op:
        batch_op.drop_column('due_reason')
        batch_op.drop_column('working_days')
        batch_op.alter_column('due', existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table('calendar_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_declaration_year'))
    op.drop_table('calendar_declaration')
