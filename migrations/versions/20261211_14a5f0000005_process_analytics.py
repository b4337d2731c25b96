"""Process analytics (流程性能): workflow_task.claimed_at and indexes for per-process figures by period

Revision ID: 14a5f0000005
Revises: 14a4e0000004
Create Date: 2026-12-11 09:05:00.000000

claimed_at is when an open task got its assignee (claim, direct assignment by the diagram, delegation of a
task nobody held); it splits a task's time into waiting (created → claimed) and handling (claimed →
completed). Rows written before this revision keep NULL: they count as never claimed (all waiting).
The indexes serve the analytics' range reads: tasks of one process completed in a period (and its open
tasks, completed_at NULL), instances of one process started / completed in a period.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a5f0000005'
down_revision = '14a4e0000004'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (nullable, no default) is instant on both databases even with millions of rows.
    op.add_column('workflow_task', sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_workflow_task_process_done', 'workflow_task', ['process_key', 'completed_at'])
    op.create_index('ix_process_instance_key_started', 'process_instance', ['process_key', 'started_at'])
    op.create_index('ix_process_instance_key_completed', 'process_instance', ['process_key', 'completed_at'])


def downgrade():
    op.drop_index('ix_process_instance_key_completed', table_name='process_instance')
    op.drop_index('ix_process_instance_key_started', table_name='process_instance')
    op.drop_index('ix_workflow_task_process_done', table_name='workflow_task')
    with op.batch_alter_table('workflow_task', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
