"""special: a team member withdrawn after the draw and replaced (第十三条); case numbers per agency and year

Revision ID: 0017_special
Revises: 0016_status
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017_special'
down_revision = '0016_status'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('special_inspection_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('withdrawn_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_special_member_replaces', 'special_inspection_member', ['replaces_id'], ['id'])
    op.create_table('case_counter',
    sa.Column('agency_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('agency_id', 'kind', 'year')
    )


def downgrade() -> None:
    op.drop_table('case_counter')
    with op.batch_alter_table('special_inspection_member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_special_member_replaces', type_='foreignkey')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_on')
