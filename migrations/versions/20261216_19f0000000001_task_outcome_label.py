"""Completed tasks keep their outcome's label as the task's own form named the button (已回访, not 完成)

Revision ID: 19f0000000001
Revises: 19a0000000001
Create Date: 2026-12-16 09:00:00.000000

Tasks completed before keep an empty label; lists then fall back to the shared outcome label map as before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '19f0000000001'
down_revision = '19a0000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_task') as batch:
        batch.add_column(sa.Column('outcome_label', sa.String(length=50), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('workflow_task') as batch:
        batch.drop_column('outcome_label')
