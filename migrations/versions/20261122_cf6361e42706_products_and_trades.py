"""Products and trades: the project category tree, wealth projects with their lifecycle stage, trades (客户交易),
their income records, interest payments (付息) and settlements (清算) with their lines

Self-contained: only creates and drops its own tables (down_revision may be re-pointed when merged).
Money is NUMERIC(18, 2), rates NUMERIC(8, 4); statuses and stages are VARCHAR (no native enums).

Revision ID: cf6361e42706
Revises: 329725f62ced
Create Date: 2026-11-22 17:38:50.616532

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'cf6361e42706'
down_revision = '329725f62ced'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['project_category.id'], name=op.f('fk_project_category_parent_id_project_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_category'))
    )
    with op.batch_alter_table('project_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_category_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_category_path'), ['path'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('raise_target', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('lp_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('lp_count', sa.Integer(), nullable=False),
    sa.Column('min_subscription', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('expected_yield', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('interest_schedule', sa.String(length=20), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=False),
    sa.Column('raise_start', sa.Date(), nullable=True),
    sa.Column('raise_end', sa.Date(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('maturity_date', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('failure_reason', sa.Text(), nullable=False),
    sa.Column('stage_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifecycle_instance_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['project_category.id'], name=op.f('fk_project_category_id_project_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_project_created_by_id_users')),
    sa.ForeignKeyConstraint(['lifecycle_instance_id'], ['process_instance.id'], name=op.f('fk_project_lifecycle_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_project_manager_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_project_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('code', name=op.f('uq_project_code'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_stage'), ['stage'], unique=False)

    op.create_table('interest_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('day_basis', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_interest_payment_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_interest_payment_org_id_org')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_interest_payment_project_id_project')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_interest_payment_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_payment'))
    )
    with op.batch_alter_table('interest_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_payment_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_payment_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_payment_status'), ['status'], unique=False)

    op.create_table('settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('settlement_date', sa.Date(), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('day_basis', sa.String(length=10), nullable=False),
    sa.Column('total_principal', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('total_interest', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_settlement_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_settlement_org_id_org')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_settlement_project_id_project')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_settlement_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement'))
    )
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_status'), ['status'], unique=False)

    op.create_table('trade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_no', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('intended_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('arrival_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('arrival_confirmed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('returned_from', sa.String(length=30), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('contract_no', sa.String(length=50), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=50), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('interest_paid_to', sa.Date(), nullable=True),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('review_instance_id', sa.Integer(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_trade_customer_id_customer')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_trade_org_id_org')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_trade_project_id_project')),
    sa.ForeignKeyConstraint(['review_instance_id'], ['process_instance.id'], name=op.f('fk_trade_review_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_trade_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade')),
    sa.UniqueConstraint('trade_no', name=op.f('uq_trade_trade_no'))
    )
    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_seat_id'), ['seat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_status'), ['status'], unique=False)

    op.create_table('interest_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('accrual_start', sa.Date(), nullable=False),
    sa.Column('accrual_end', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['interest_payment.id'], name=op.f('fk_interest_line_payment_id_interest_payment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_interest_line_trade_id_trade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_line')),
    sa.UniqueConstraint('payment_id', 'trade_id', name=op.f('uq_interest_line_payment_id'))
    )
    with op.batch_alter_table('interest_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_line_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_line_trade_id'), ['trade_id'], unique=False)

    op.create_table('settlement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('interest_from', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('interest', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id'], name=op.f('fk_settlement_line_settlement_id_settlement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_settlement_line_trade_id_trade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_line')),
    sa.UniqueConstraint('settlement_id', 'trade_id', name=op.f('uq_settlement_line_settlement_id'))
    )
    with op.batch_alter_table('settlement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_line_settlement_id'), ['settlement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_line_trade_id'), ['trade_id'], unique=False)

    op.create_table('trade_income',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('income_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trade_income_created_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_trade_income_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_trade_income_trade_id_trade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_income'))
    )
    with op.batch_alter_table('trade_income', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_income_trade_id'), ['trade_id'], unique=False)



def downgrade():
    with op.batch_alter_table('trade_income', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_income_trade_id'))

    op.drop_table('trade_income')
    with op.batch_alter_table('settlement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_line_trade_id'))
        batch_op.drop_index(batch_op.f('ix_settlement_line_settlement_id'))

    op.drop_table('settlement_line')
    with op.batch_alter_table('interest_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_line_trade_id'))
        batch_op.drop_index(batch_op.f('ix_interest_line_payment_id'))

    op.drop_table('interest_line')
    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_status'))
        batch_op.drop_index(batch_op.f('ix_trade_seat_id'))
        batch_op.drop_index(batch_op.f('ix_trade_project_id'))
        batch_op.drop_index(batch_op.f('ix_trade_org_id'))
        batch_op.drop_index(batch_op.f('ix_trade_customer_id'))
        batch_op.drop_index(batch_op.f('ix_trade_created_at'))

    op.drop_table('trade')
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_status'))
        batch_op.drop_index(batch_op.f('ix_settlement_project_id'))
        batch_op.drop_index(batch_op.f('ix_settlement_org_id'))

    op.drop_table('settlement')
    with op.batch_alter_table('interest_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_payment_status'))
        batch_op.drop_index(batch_op.f('ix_interest_payment_project_id'))
        batch_op.drop_index(batch_op.f('ix_interest_payment_org_id'))

    op.drop_table('interest_payment')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_stage'))
        batch_op.drop_index(batch_op.f('ix_project_org_id'))
        batch_op.drop_index(batch_op.f('ix_project_name'))
        batch_op.drop_index(batch_op.f('ix_project_category_id'))

    op.drop_table('project')
    with op.batch_alter_table('project_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_category_path'))
        batch_op.drop_index(batch_op.f('ix_project_category_parent_id'))

    op.drop_table('project_category')
