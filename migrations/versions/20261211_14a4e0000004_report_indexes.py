"""Indexes for the reports (查询&报表): follow-ups, pool moves and new customers by time

Revision ID: 14a4e0000004
Revises: 14a0f0000000
Create Date: 2026-12-11 10:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a4e0000004'
down_revision = '14a0f0000000'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_follow_up_at', 'follow_up', ['at'])
    op.create_index('ix_pool_history_at', 'pool_history', ['at'])
    op.create_index('ix_customer_created_at', 'customer', ['created_at'])


def downgrade():
    op.drop_index('ix_customer_created_at', table_name='customer')
    op.drop_index('ix_pool_history_at', table_name='pool_history')
    op.drop_index('ix_follow_up_at', table_name='follow_up')
