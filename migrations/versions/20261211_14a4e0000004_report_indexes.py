"""Indexes for the reports (查询&报表): follow-ups and new customers by time (pool moves use the cockpit's ix_pool_history_at_reason)

Revision ID: 14a4e0000004
Revises: 14a3d0000003
Create Date: 2026-12-11 10:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a4e0000004'
down_revision = '14a3d0000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_follow_up_at', 'follow_up', ['at'])
    op.create_index('ix_customer_created_at', 'customer', ['created_at'])


def downgrade():
    op.drop_index('ix_customer_created_at', table_name='customer')
    op.drop_index('ix_follow_up_at', table_name='follow_up')
