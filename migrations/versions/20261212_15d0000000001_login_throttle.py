"""Log-in throttle (登录限流): failure counters per source, per (source, account) and per account

Revision ID: 15d0000000001
Revises: 14a5f0000005
Create Date: 2026-12-12 08:00:00.000000

One row per counter key, bumped by an atomic upsert so every web worker shares the counts. Replaces the
account-wide lock (users.locked_until is no longer set by wrong passwords; the column stays for admins).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '15d0000000001'
down_revision = '14a5f0000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    op.create_index(op.f('ix_login_throttle_blocked_until'), 'login_throttle', ['blocked_until'])


def downgrade():
    op.drop_index(op.f('ix_login_throttle_blocked_until'), table_name='login_throttle')
    op.drop_table('login_throttle')
