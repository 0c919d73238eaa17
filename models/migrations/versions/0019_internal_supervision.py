"""internal supervision (内督, 第十二条, 第十六条): per-session coverage, internal records, internal special reports; the institution's internal-supervision contact

Revision ID: 0019_internal
Revises: 0018_leftovers
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0019_internal'
down_revision = '0018_leftovers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('internal_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=True),
    sa.Column('assign_reminded_on', sa.Date(), nullable=True),
    sa.Column('unassigned_reported_on', sa.Date(), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=True),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorder_id', sa.Integer(), nullable=True),
    sa.Column('supervisor_ids', sa.JSON(), nullable=False),
    sa.Column('record_due', sa.Date(), nullable=True),
    sa.Column('record_due_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('record_reminded_on', sa.Date(), nullable=True),
    sa.Column('missing_reported_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['recorder_id'], ['supervisor.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['evaluation_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id')
    )
    with op.batch_alter_table('internal_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_session_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_session_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_session_status'), ['status'], unique=False)

    op.create_table('internal_special_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('matters', sa.JSON(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('supervisor_ids', sa.JSON(), nullable=False),
    sa.Column('findings', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('measures', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['portal_submission.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('internal_special_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_special_report_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_special_report_institution_id'), ['institution_id'], unique=False)

    op.create_table('internal_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('internal_session_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('form_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('form_version', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('inspection_ended_on', sa.Date(), nullable=False),
    sa.Column('stated_end_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('veto_answers', sa.JSON(), nullable=False),
    sa.Column('item_answers', sa.JSON(), nullable=False),
    sa.Column('remarks', sa.JSON(), nullable=False),
    sa.Column('overall_evaluation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('supervisor_verdict', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('negative_count', sa.Integer(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('veto_hits', sa.JSON(), nullable=False),
    sa.Column('failed_items', sa.JSON(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('followup_due', sa.Date(), nullable=True),
    sa.Column('followup_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('followup_on', sa.Date(), nullable=True),
    sa.Column('followup_submission_id', sa.Integer(), nullable=True),
    sa.Column('followup_reminded_on', sa.Date(), nullable=True),
    sa.Column('followup_overdue_reported_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['followup_submission_id'], ['portal_submission.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['internal_session_id'], ['internal_session.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['evaluation_session.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['portal_submission.id'], ),
    sa.ForeignKeyConstraint(['submitted_by'], ['supervisor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('internal_session_id')
    )
    with op.batch_alter_table('internal_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_record_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_record_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_record_verdict'), ['verdict'], unique=False)

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('internal_contact_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('internal_contact_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('internal_contact_email')
        batch_op.drop_column('internal_contact_name')

    with op.batch_alter_table('internal_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_record_verdict'))
        batch_op.drop_index(batch_op.f('ix_internal_record_session_id'))
        batch_op.drop_index(batch_op.f('ix_internal_record_institution_id'))

    op.drop_table('internal_record')
    with op.batch_alter_table('internal_special_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_special_report_institution_id'))
        batch_op.drop_index(batch_op.f('ix_internal_special_report_agency_id'))

    op.drop_table('internal_special_report')
    with op.batch_alter_table('internal_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_session_status'))
        batch_op.drop_index(batch_op.f('ix_internal_session_institution_id'))
        batch_op.drop_index(batch_op.f('ix_internal_session_agency_id'))

    op.drop_table('internal_session')
