"""Leaving-employee hand-over (离职交接): the handover table

Revision ID: f4a5b6c7d8e9
Revises: d2e3f4a5b6c7
Create Date: 2026-12-03 12:00:00.000000

Self-contained: only creates and drops its own table (down_revision may be re-pointed when merged).
The new pool value ``handover`` (离职待交接) needs no schema change: pools are stored as VARCHAR(12).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4a5b6c7d8e9'
down_revision = 'd2e3f4a5b6c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leaver_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('handed', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['leaver_id'], ['users.id'], name=op.f('fk_handover_leaver_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_handover_org_id_org')),
    sa.ForeignKeyConstraint(['successor_id'], ['users.id'], name=op.f('fk_handover_successor_id_users')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_handover_done_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover'))
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_leaver_id'), ['leaver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_handover_status_deadline', ['status', 'deadline'], unique=False)


def downgrade():
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index('ix_handover_status_deadline')
        batch_op.drop_index(batch_op.f('ix_handover_org_id'))
        batch_op.drop_index(batch_op.f('ix_handover_leaver_id'))

    op.drop_table('handover')
