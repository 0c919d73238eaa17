"""random inspection plan (双随机、一公开, 第十五条): sampling_plan, plan_session; a session's cancellation day

Revision ID: 0021_sampling
Revises: 0020_audit
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0021_sampling'
down_revision = '0020_audit'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('sampling_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', S(length=64), nullable=False),
    sa.Column('flow_run_id', S(length=40), nullable=False),
    sa.Column('agency_id', S(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('rate_percent', sa.Float(), nullable=False),
    sa.Column('requested_count', sa.Integer(), nullable=False),
    sa.Column('minimum_per_year', sa.Integer(), nullable=False),
    sa.Column('lead_working_days', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('uncovered', sa.JSON(), nullable=False),
    sa.Column('frame_size', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('frame_hash', S(length=64), nullable=False),
    sa.Column('seed', S(length=64), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('chosen', sa.JSON(), nullable=False),
    sa.Column('status', S(length=16), nullable=False),
    sa.Column('approved_by', S(), nullable=False),
    sa.Column('approved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('approval_key', S(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['approved_by_staff_id'], ['agency_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_run_id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('sampling_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_plan_agency_id'), ['agency_id'], unique=False)

    op.create_table('plan_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('batch_number', S(length=64), nullable=False),
    sa.Column('planned_start', sa.DateTime(), nullable=False),
    sa.Column('status', S(length=16), nullable=False),
    sa.Column('start_key', S(length=64), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('start_on_reason', S(), nullable=False),
    sa.Column('flow_run_id', S(length=40), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('struck_reason', S(), nullable=False),
    sa.Column('struck_by', S(), nullable=False),
    sa.Column('struck_on', sa.Date(), nullable=True),
    sa.Column('moved_to', sa.DateTime(), nullable=True),
    sa.Column('change_text', S(), nullable=False),
    sa.Column('change_noted_on', sa.Date(), nullable=True),
    sa.Column('change_reported_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['sampling_plan.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['evaluation_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'session_id'),
    sa.UniqueConstraint('start_key')
    )
    with op.batch_alter_table('plan_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_session_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_session_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_session_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_session_status'), ['status'], unique=False)

    with op.batch_alter_table('evaluation_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evaluation_session', schema=None) as batch_op:
        batch_op.drop_column('cancelled_on')
    with op.batch_alter_table('plan_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_session_status'))
        batch_op.drop_index(batch_op.f('ix_plan_session_session_id'))
        batch_op.drop_index(batch_op.f('ix_plan_session_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_session_institution_id'))
    op.drop_table('plan_session')
    with op.batch_alter_table('sampling_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sampling_plan_agency_id'))
    op.drop_table('sampling_plan')
