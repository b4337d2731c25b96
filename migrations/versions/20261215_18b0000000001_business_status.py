"""Process instances: 业务状态 (business status) a diagram sets with the 设置业务状态 operation, shown in lists

Revision ID: 18b0000000001
Revises: 18a0000000001
Create Date: 2026-12-15 08:00:00.000000

Existing instances get an empty status (none was set before).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '18b0000000001'
down_revision = '18a0000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance') as batch:
        batch.add_column(sa.Column('business_status', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('process_instance') as batch:
        batch.drop_column('business_status')
