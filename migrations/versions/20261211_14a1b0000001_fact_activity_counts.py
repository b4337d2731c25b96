"""Daily facts count every call, 来访 and 沙龙 too (staff performance 业绩查询)

Revision ID: 14a1b0000001
Revises: 14a0f0000000
Create Date: 2026-12-11 10:00:00.000000

Adds ``call`` (every call logged), ``incoming_visit`` (来访) and ``salon`` (沙龙) to quota_daily_fact and fills
them for the days already there from follow_up, set-based (one INSERT … SELECT … ON CONFLICT DO UPDATE; days
that had only invalid calls or salons get their first row). The existing columns keep their meaning and values.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '14a1b0000001'
down_revision = '14a0f0000000'
branch_labels = None
depends_on = None

NEW_COLUMNS = ('call', 'incoming_visit', 'salon')


def upgrade():
    with op.batch_alter_table('quota_daily_fact', schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        day = "CAST(timezone('Asia/Shanghai', at) AS DATE)"
    else:
        day = "date(at, '+8 hours')"
    # WHERE true: SQLite needs it to parse ON CONFLICT after INSERT … SELECT.
    op.execute(f"""
        INSERT INTO quota_daily_fact (user_id, day, intent, valid_call, visit, invitation, "call", incoming_visit,
                                      salon)
        SELECT user_id, {day}, 0, 0, 0, 0, SUM(CASE WHEN kind = 'call' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'incoming_visit' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'salon' THEN 1 ELSE 0 END)
        FROM follow_up WHERE true GROUP BY user_id, {day}
        ON CONFLICT (user_id, day) DO UPDATE SET "call" = excluded."call", incoming_visit = excluded.incoming_visit,
                                                 salon = excluded.salon
    """)  # noqa: S608  (the day expression is a constant per dialect)


def downgrade():
    with op.batch_alter_table('quota_daily_fact', schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
