"""Trades: 集体合同编号 captured at 确认集体合同, beside the 个人合同编号 of 确认个人合同

Revision ID: 17b0000000001
Revises: 17a0000000001
Create Date: 2026-12-14 08:00:00.000000

Existing trades get an empty number (none was captured before).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '17b0000000001'
down_revision = '17a0000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trade') as batch:
        batch.add_column(sa.Column('collective_contract_no', sa.String(length=50), nullable=False,
                                   server_default=''))


def downgrade():
    with op.batch_alter_table('trade') as batch:
        batch.drop_column('collective_contract_no')
