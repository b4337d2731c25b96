"""Invalid-customer pool (无效客户池): why, when and by whom a customer was marked 无效

Revision ID: d2e3f4a5b6c7
Revises: c1d2e3f4a5b6
Create Date: 2026-12-03 11:00:00.000000

Adds customer.invalid_reason / invalid_note / invalid_at / invalid_by_id and an index on (pool, invalid_at).
The pool column is a VARCHAR, so the new pool value "invalid" needs no type change.

Data: customers already typed 无效 before this release sat in seats' pools and counted toward their cap;
upgrade moves them into the invalid pool (reason "other", a note saying so) with one pool-history row each.
Downgrade cannot keep a pool the older code does not know: invalid-pool customers go to their org's
department pool (部门信息池) and history rows naming the invalid pool or its reasons are relabelled as
department-pool moves ("to_department" / "assign"); the customers stay typed 无效.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd2e3f4a5b6c7'
down_revision = 'c1d2e3f4a5b6'
branch_labels = None
depends_on = None

LEGACY_NOTE = '升级迁入：此前已标记为无效的客户'


def _now():
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == 'sqlite' else now


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalid_reason', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('invalid_note', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('invalid_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('invalid_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customer_invalid_by_id_users'), 'users', ['invalid_by_id'], ['id'])
        batch_op.create_index('ix_customer_pool_invalid_at', ['pool', 'invalid_at'], unique=False)
    # The model has no server default (like every other text column of the table).
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.alter_column('invalid_reason', server_default=None, existing_type=sa.String(length=30),
                              existing_nullable=False)
        batch_op.alter_column('invalid_note', server_default=None, existing_type=sa.String(length=200),
                              existing_nullable=False)

    at = _now()
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO pool_history (customer_id, at, from_pool, to_pool, from_seat_id, to_seat_id, org_id, reason, "
        "actor_id, note) SELECT id, :at, pool, 'invalid', service_seat_id, NULL, service_org_id, 'invalid', NULL, "
        ":note FROM customer WHERE type = 'invalid' AND pool <> 'invalid'"), {'at': at, 'note': LEGACY_NOTE})
    bind.execute(sa.text(
        "UPDATE customer SET prev_seat_id = COALESCE(service_seat_id, prev_seat_id), service_seat_id = NULL, "
        "pool = 'invalid', pool_reason = 'invalid', pool_changed_at = :at, assigned_at = NULL, red_flag_at = NULL, "
        "red_flag_reason = '', invalid_reason = 'other', invalid_note = :note, invalid_at = :at "
        "WHERE type = 'invalid' AND pool <> 'invalid'"), {'at': at, 'note': LEGACY_NOTE})


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE customer SET pool = 'department', pool_reason = 'to_department' "
                         "WHERE pool = 'invalid'"))
    bind.execute(sa.text("UPDATE customer SET pool_reason = 'to_department' WHERE pool_reason = 'invalid'"))
    bind.execute(sa.text("UPDATE customer SET pool_reason = 'assign' WHERE pool_reason = 'revive'"))
    bind.execute(sa.text("UPDATE pool_history SET from_pool = 'department' WHERE from_pool = 'invalid'"))
    bind.execute(sa.text("UPDATE pool_history SET to_pool = 'department' WHERE to_pool = 'invalid'"))
    bind.execute(sa.text("UPDATE pool_history SET reason = 'to_department' WHERE reason = 'invalid'"))
    bind.execute(sa.text("UPDATE pool_history SET reason = 'assign' WHERE reason = 'revive'"))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_pool_invalid_at')
        batch_op.drop_constraint(batch_op.f('fk_customer_invalid_by_id_users'), type_='foreignkey')
        batch_op.drop_column('invalid_by_id')
        batch_op.drop_column('invalid_at')
        batch_op.drop_column('invalid_note')
        batch_op.drop_column('invalid_reason')
