"""Work tasks (任务管理): what to do (执行内容) and a per-person quota (每人配额) on mining_task

Revision ID: 13a5f0000005
Revises: 13a3d0000003
Create Date: 2026-12-10 09:00:00.000000

Adds mining_task.action (call / visit / care_call / questionnaire; '' for mining tasks) and mining_task.quota.
A work task is a mining_task of type "work"; its items stay in mining_task_item. Self-contained: only its own
columns (down_revision may be re-pointed when merged).

Downgrade: the older code knows neither the type "work" nor the method "quota", so work tasks are deleted with
their items, targets and picks (the follow-ups their executions recorded stay); then the columns go.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13a5f0000005'
down_revision = '13a3d0000003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mining_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('quota', sa.Integer(), nullable=True))
    # The model has no server default (like every other text column of the table).
    with op.batch_alter_table('mining_task', schema=None) as batch_op:
        batch_op.alter_column('action', server_default=None, existing_type=sa.String(length=16),
                              existing_nullable=False)


def downgrade():
    bind = op.get_bind()
    work = "SELECT id FROM mining_task WHERE type = 'work'"
    for table in ('mining_task_item', 'mining_task_target', 'mining_task_pick'):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE task_id IN ({work})"))  # noqa: S608  (fixed names)
    bind.execute(sa.text("DELETE FROM mining_task WHERE type = 'work'"))
    with op.batch_alter_table('mining_task', schema=None) as batch_op:
        batch_op.drop_column('quota')
        batch_op.drop_column('action')
