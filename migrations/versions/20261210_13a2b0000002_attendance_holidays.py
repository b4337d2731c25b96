"""Attendance types from base data and public holidays (用户考勤维护, 公休假期维护)

Revision ID: 13a2b0000002
Revises: b6c7d8e9f0a1
Create Date: 2026-12-10 09:00:00.000000

attendance_day.kind (an enum normal/leave/holiday) becomes attendance_day.type_code, an item code of the
base-data dictionary ``attendance_type``. The old enum values are kept as the codes of 正常/请假/公休, so
existing rows keep their meaning. attendance_type_rule says which types count as complete on the task
calendar (不计入考勤，视为完成); it starts with 公休, 请假, 病假 and 事假. public_holiday holds holiday ranges.

Downgrade is lossy where the old enum cannot say it: days of excused types other than 请假/公休 (病假, 事假 …)
become 请假, days of other types (旷工, 迟到 …) are deleted (正常), and public holidays are dropped.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13a2b0000002'
down_revision = 'b6c7d8e9f0a1'
branch_labels = None
depends_on = None

DEFAULT_RULES = (('normal', False), ('leave', True), ('holiday', True), ('sick', True), ('personal', True),
                 ('absent', False), ('late', False))


def upgrade():
    rule = op.create_table('attendance_type_rule',
    sa.Column('type_code', sa.String(length=50), nullable=False),
    sa.Column('excused', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('type_code', name=op.f('pk_attendance_type_rule'))
    )
    now = sa.func.current_timestamp()
    for code, excused in DEFAULT_RULES:
        op.execute(rule.insert().values(type_code=code, excused=excused, updated_at=now))

    op.create_table('public_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_public_holiday_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_holiday'))
    )
    with op.batch_alter_table('public_holiday', schema=None) as batch_op:
        batch_op.create_index('ix_public_holiday_dates', ['start_date', 'end_date'], unique=False)

    with op.batch_alter_table('attendance_day', schema=None) as batch_op:
        batch_op.alter_column('kind', new_column_name='type_code', existing_type=sa.String(length=10),
                              type_=sa.String(length=50), existing_nullable=False)


def downgrade():
    day = sa.table('attendance_day', sa.column('type_code', sa.String))
    rule = sa.table('attendance_type_rule', sa.column('type_code', sa.String), sa.column('excused', sa.Boolean))
    kept = ('normal', 'leave', 'holiday')
    excused = sa.select(rule.c.type_code).where(rule.c.excused.is_(True))
    op.execute(day.update().where(day.c.type_code.notin_(kept), day.c.type_code.in_(excused))
               .values(type_code='leave'))
    op.execute(day.delete().where(day.c.type_code.notin_(kept)))
    with op.batch_alter_table('attendance_day', schema=None) as batch_op:
        batch_op.alter_column('type_code', new_column_name='kind', existing_type=sa.String(length=50),
                              type_=sa.String(length=10), existing_nullable=False)

    with op.batch_alter_table('public_holiday', schema=None) as batch_op:
        batch_op.drop_index('ix_public_holiday_dates')
    op.drop_table('public_holiday')
    op.drop_table('attendance_type_rule')
