"""Indexes for deals (成单) aggregated by seat and 到账时间

Revision ID: 14a0f0000000
Revises: 13a4e0000004
Create Date: 2026-12-11 09:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a0f0000000'
down_revision = '13a4e0000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_trade_seat_arrival', 'trade', ['seat_id', 'arrival_date'])
    op.create_index('ix_trade_arrival_date', 'trade', ['arrival_date'])


def downgrade():
    op.drop_index('ix_trade_arrival_date', table_name='trade')
    op.drop_index('ix_trade_seat_arrival', table_name='trade')
