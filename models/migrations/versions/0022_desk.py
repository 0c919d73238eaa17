"""the desk (issue 18): agency_staff.password_hash, desk_session, desk_access.

Revision ID: 0022_desk
Revises: 0021_sampling
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0022_desk'
down_revision = '0021_sampling'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=False, server_default=''))
    op.create_table('desk_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['agency_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('desk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_session_staff_id'), ['staff_id'], unique=False)
    op.create_table('desk_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['agency_staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_access_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_access_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_access_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index('ix_desk_access_what_at', ['what', 'at'], unique=False)


def downgrade() -> None:
    op.drop_table('desk_access')
    op.drop_table('desk_session')
    with op.batch_alter_table('agency_staff', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
