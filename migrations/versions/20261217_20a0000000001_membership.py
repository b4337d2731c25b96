"""Membership (会员): levels, members, level history, the append-only points ledger, adjustments, member prices

Revision ID: 20a0000000001
Revises: 20b0000000001
Create Date: 2026-12-17 09:00:00.000000

member.points_balance never goes below zero (CHECK); points_ledger is append-only: triggers refuse DELETE and
any UPDATE except re-pointing customer_id (a customer merge moves the rows to the survivor). The trade gets the
member price applied when it was created (level, fee discount, reduced minimum, yield bonus).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20a0000000001'
down_revision = '20b0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_level')),
    sa.UniqueConstraint('code', name=op.f('uq_member_level_code')),
    sa.UniqueConstraint('name', name=op.f('uq_member_level_name'))
    )
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('level_code', sa.String(length=20), server_default='', nullable=False),
    sa.Column('previous_level', sa.String(length=20), server_default='', nullable=False),
    sa.Column('points_balance', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cumulative_subscription', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('level_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points_balance >= 0', name=op.f('ck_member_points_balance')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_member_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_member_customer_id'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index('ix_member_level_since', ['level_since'], unique=False)

    op.create_table('member_level_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.String(length=20), nullable=False),
    sa.Column('to_level', sa.String(length=20), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_member_level_change_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_level_change'))
    )
    with op.batch_alter_table('member_level_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_level_change_customer_id'), ['customer_id'], unique=False)

    op.create_table('points_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_points_adjustment_customer_id_customer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_points_adjustment_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_points_adjustment_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_adjustment'))
    )
    with op.batch_alter_table('points_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_adjustment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_adjustment_status'), ['status'], unique=False)

    op.create_table('member_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level_code', sa.String(length=20), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('fee_discount', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('min_reduction', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('yield_bonus', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(project_id IS NULL) <> (category_id IS NULL)', name=op.f('ck_member_price_target')),
    sa.ForeignKeyConstraint(['category_id'], ['project_category.id'], name=op.f('fk_member_price_category_id_project_category')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_member_price_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_price')),
    sa.UniqueConstraint('level_code', 'project_id', 'category_id', name='uq_member_price_target')
    )
    with op.batch_alter_table('member_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_price_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_price_level_code'), ['level_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_price_project_id'), ['project_id'], unique=False)

    op.create_table('points_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['oa_activity.id'], name=op.f('fk_points_ledger_activity_id_oa_activity')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_points_ledger_actor_id_users')),
    sa.ForeignKeyConstraint(['adjustment_id'], ['points_adjustment.id'], name=op.f('fk_points_ledger_adjustment_id_points_adjustment')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_points_ledger_customer_id_customer')),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_points_ledger_trade_id_trade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger'))
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_points_ledger_expiry', ['expires_at'], unique=False)
        batch_op.create_index('ix_points_ledger_trade', ['trade_id'], unique=False)
    _create_ledger_guards()

    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_level', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('member_fee_discount', sa.Numeric(precision=8, scale=4), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('member_min_subscription', sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('member_yield_bonus', sa.Numeric(precision=8, scale=4), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.drop_column('member_yield_bonus')
        batch_op.drop_column('member_min_subscription')
        batch_op.drop_column('member_fee_discount')
        batch_op.drop_column('member_level')

    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_points_ledger_trade')
        batch_op.drop_index('ix_points_ledger_expiry')
        batch_op.drop_index('ix_points_ledger_customer')

    _drop_ledger_guards()
    op.drop_table('points_ledger')
    with op.batch_alter_table('member_price', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_price_project_id'))
        batch_op.drop_index(batch_op.f('ix_member_price_level_code'))
        batch_op.drop_index(batch_op.f('ix_member_price_category_id'))

    op.drop_table('member_price')
    with op.batch_alter_table('points_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_adjustment_status'))
        batch_op.drop_index(batch_op.f('ix_points_adjustment_customer_id'))

    op.drop_table('points_adjustment')
    with op.batch_alter_table('member_level_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_level_change_customer_id'))

    op.drop_table('member_level_change')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index('ix_member_level_since')

    op.drop_table('member')
    op.drop_table('member_level')


# Every column but customer_id: a merge (合并客户) re-points the rows, nothing else may change them.
_FROZEN = ("id", "delta", "balance_after", "kind", "reason", "trade_id", "activity_id", "adjustment_id",
           "expires_at", "actor_id", "created_at")


def _create_ledger_guards():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)
        op.execute(f"""
            CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'UPDATE' THEN
                    RAISE EXCEPTION 'points_ledger is append-only';
                END IF;
                IF {changed} THEN
                    RAISE EXCEPTION 'points_ledger is append-only';
                END IF;
                RETURN NEW;
            END $$;
        """)
        op.execute("CREATE TRIGGER points_ledger_no_change BEFORE UPDATE OR DELETE ON points_ledger "
                   "FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()")
        op.execute("CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger "
                   "FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_append_only()")
    else:
        op.execute(f"""
            CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OF {", ".join(_FROZEN)} ON points_ledger
            BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
        """)
        op.execute("""
            CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
            BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
        """)


def _drop_ledger_guards():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_truncate ON points_ledger")
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_change ON points_ledger")
        op.execute("DROP FUNCTION IF EXISTS points_ledger_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS points_ledger_no_delete")
