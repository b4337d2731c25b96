"""Task candidates: further roles and named users of an open task (Camunda candidateGroups / candidateUsers)

Revision ID: b7e4c2d91a05
Revises: cf6361e42706
Create Date: 2026-12-03 10:00:00.000000

Self-contained: only creates and drops its own table (down_revision may be re-pointed when merged).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e4c2d91a05'
down_revision = 'cf6361e42706'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workflow_task_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('role_code', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['workflow_task.id'], name=op.f('fk_workflow_task_candidate_task_id_workflow_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workflow_task_candidate_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_task_candidate'))
    )
    with op.batch_alter_table('workflow_task_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_task_candidate_role', ['role_code', 'task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_task_candidate_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_workflow_task_candidate_user', ['user_id', 'task_id'], unique=False)


def downgrade():
    with op.batch_alter_table('workflow_task_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_task_candidate_user')
        batch_op.drop_index(batch_op.f('ix_workflow_task_candidate_task_id'))
        batch_op.drop_index('ix_workflow_task_candidate_role')

    op.drop_table('workflow_task_candidate')
