"""Distribution runs (分配记录): a run, its targets with their shares and its planned customers; pool history names the run

Revision ID: a5b6c7d8e9f0
Revises: b7e4c2d91a05
Create Date: 2026-12-03 19:06:16.332717

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a5b6c7d8e9f0'
down_revision = 'b7e4c2d91a05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('distribution_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source_count', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('moved', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('executed_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_distribution_run_created_by_id_users')),
    sa.ForeignKeyConstraint(['executed_by_id'], ['users.id'], name=op.f('fk_distribution_run_executed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_run'))
    )
    with op.batch_alter_table('distribution_run', schema=None) as batch_op:
        batch_op.create_index('ix_distribution_run_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_distribution_run_rule_id'), ['rule_id'], unique=False)

    op.create_table('distribution_item',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('from_pool', sa.String(length=12), nullable=False),
    sa.Column('from_seat_id', sa.Integer(), nullable=True),
    sa.Column('moved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['distribution_run.id'], name=op.f('fk_distribution_item_run_id_distribution_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'customer_id', name=op.f('pk_distribution_item'))
    )
    with op.batch_alter_table('distribution_item', schema=None) as batch_op:
        batch_op.create_index('ix_distribution_item_run_seq', ['run_id', 'seq'], unique=False)

    op.create_table('distribution_run_target',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('room', sa.Integer(), nullable=True),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('lo', sa.Integer(), nullable=False),
    sa.Column('hi', sa.Integer(), nullable=False),
    sa.Column('allowed', sa.Integer(), nullable=False),
    sa.Column('moved', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['distribution_run.id'], name=op.f('fk_distribution_run_target_run_id_distribution_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'position', name=op.f('pk_distribution_run_target'))
    )
    with op.batch_alter_table('distribution_run_target', schema=None) as batch_op:
        batch_op.create_index('ix_distribution_run_target_hi', ['run_id', 'hi'], unique=False)

    with op.batch_alter_table('pool_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pool_history_run_id'), ['run_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pool_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pool_history_run_id'))
        batch_op.drop_column('run_id')

    with op.batch_alter_table('distribution_run_target', schema=None) as batch_op:
        batch_op.drop_index('ix_distribution_run_target_hi')

    op.drop_table('distribution_run_target')
    with op.batch_alter_table('distribution_item', schema=None) as batch_op:
        batch_op.drop_index('ix_distribution_item_run_seq')

    op.drop_table('distribution_item')
    with op.batch_alter_table('distribution_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distribution_run_rule_id'))
        batch_op.drop_index('ix_distribution_run_created')

    op.drop_table('distribution_run')
