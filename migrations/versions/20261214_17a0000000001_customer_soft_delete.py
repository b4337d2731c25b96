"""Customer soft delete (删除客户): when and by whom a customer was deleted

Revision ID: 17a0000000001
Revises: 16a0000000001
Create Date: 2026-12-14 08:00:00.000000

A deleted customer moves to the pool 'deleted' (pool is a plain VARCHAR: no enum to alter), so every pool list,
recycle rule and claim already leaves it out; these columns say when and by whom, for the 已删除客户 page.
Plain ALTER TABLE, no batch copy: copying the customer table on SQLite would drop its customer_search triggers.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '17a0000000001'
down_revision = '16a0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('customer', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('customer', sa.Column('deleted_by_id', sa.Integer(), nullable=True))


def downgrade():
    # Deleted customers come back to their department pool: the older schema knows no 'deleted' pool.
    op.execute("UPDATE customer SET pool = 'department', service_seat_id = NULL WHERE pool = 'deleted'")
    for column in ('deleted_by_id', 'deleted_at'):
        op.execute(f'ALTER TABLE customer DROP COLUMN {column}')
