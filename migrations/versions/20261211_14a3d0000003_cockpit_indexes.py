"""Indexes for the leadership cockpit: pool flows (流转) by period and reason, deals (成单) by month

Revision ID: 14a3d0000003
Revises: 14a1b0000001
Create Date: 2026-12-11 10:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a3d0000003'
down_revision = '14a1b0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_pool_history_at_reason', 'pool_history', ['at', 'reason', 'org_id'])
    op.create_index('ix_trade_arrival_cover', 'trade', ['arrival_date', 'status', 'arrival_confirmed', 'arrival_amount',
                                                         'org_id', 'seat_id', 'project_id'])


def downgrade():
    op.drop_index('ix_trade_arrival_cover', table_name='trade')
    op.drop_index('ix_pool_history_at_reason', table_name='pool_history')
