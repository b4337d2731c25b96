"""Mining task categories and mining tasks (数据挖掘任务分类, 数据挖掘任务): tasks, targets, fixed picks, items

Revision ID: e3f4a5b6c7d8
Revises: f4a5b6c7d8e9
Create Date: 2026-12-03 12:00:00.000000

Self-contained: only creates and drops its own tables (down_revision may be re-pointed when merged).
Customer ids of picks and items are plain integers (they follow merges through a signal handler);
mining_task.condition_id names a mining_condition without a foreign key, so the order of the
mining migrations does not matter.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3f4a5b6c7d8'
down_revision = 'f4a5b6c7d8e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mining_task_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mining_task_category')),
    sa.UniqueConstraint('name', name=op.f('uq_mining_task_category_name'))
    )
    op.create_table('mining_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('source_kind', sa.String(length=10), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('max_unexecuted', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['mining_task_category.id'], name=op.f('fk_mining_task_category_id_mining_task_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mining_task_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_mining_task_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mining_task'))
    )
    with op.batch_alter_table('mining_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mining_task_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mining_task_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_mining_task_status_source', ['status', 'source_kind'], unique=False)

    op.create_table('mining_task_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_mining_task_target_org_id_org')),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_mining_task_target_seat_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['mining_task.id'], name=op.f('fk_mining_task_target_task_id_mining_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mining_task_target'))
    )
    with op.batch_alter_table('mining_task_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mining_task_target_task_id'), ['task_id'], unique=False)

    op.create_table('mining_task_pick',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['mining_task.id'], name=op.f('fk_mining_task_pick_task_id_mining_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'customer_id', name=op.f('pk_mining_task_pick'))
    )
    op.create_table('mining_task_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['mining_task.id'], name=op.f('fk_mining_task_item_task_id_mining_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mining_task_item')),
    sa.UniqueConstraint('task_id', 'customer_id', name='uq_mining_task_item_task_customer')
    )
    with op.batch_alter_table('mining_task_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mining_task_item_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_mining_task_item_seat_status', ['seat_id', 'status'], unique=False)
        batch_op.create_index('ix_mining_task_item_task_seat_status', ['task_id', 'seat_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('mining_task_item', schema=None) as batch_op:
        batch_op.drop_index('ix_mining_task_item_task_seat_status')
        batch_op.drop_index('ix_mining_task_item_seat_status')
        batch_op.drop_index(batch_op.f('ix_mining_task_item_customer_id'))
    op.drop_table('mining_task_item')
    op.drop_table('mining_task_pick')
    with op.batch_alter_table('mining_task_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mining_task_target_task_id'))
    op.drop_table('mining_task_target')
    with op.batch_alter_table('mining_task', schema=None) as batch_op:
        batch_op.drop_index('ix_mining_task_status_source')
        batch_op.drop_index(batch_op.f('ix_mining_task_org_id'))
        batch_op.drop_index(batch_op.f('ix_mining_task_category_id'))
    op.drop_table('mining_task')
    op.drop_table('mining_task_category')
