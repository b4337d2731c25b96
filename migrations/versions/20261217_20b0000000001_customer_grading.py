"""Customer grading (客户评级 A/B/C): grading runs, each customer's latest score and grade, grade changes

Revision ID: 20b0000000001
Revises: 20d0000000001
Create Date: 2026-12-17 09:00:00.000000

customer_grading is rebuilt by every run (one row per customer, no index on run_id: every row is the latest
run's); customer.grade already exists (dictionary customer_grade) and is written where a run changes it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20b0000000001'
down_revision = '20d0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grading_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('score_version', sa.Integer(), nullable=False),
    sa.Column('band_version', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('customer_count', sa.Integer(), nullable=False),
    sa.Column('changed_count', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_grading_run_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grading_run'))
    )
    with op.batch_alter_table('grading_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grading_run_started_at'), ['started_at'], unique=False)

    op.create_table('customer_grade_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('old_grade', sa.String(length=10), nullable=False),
    sa.Column('new_grade', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_grade_history_customer_id_customer')),
    sa.ForeignKeyConstraint(['run_id'], ['grading_run.id'], name=op.f('fk_customer_grade_history_run_id_grading_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_grade_history'))
    )
    with op.batch_alter_table('customer_grade_history', schema=None) as batch_op:
        batch_op.create_index('ix_customer_grade_history_customer_at', ['customer_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_grade_history_run_id'), ['run_id'], unique=False)

    op.create_table('customer_grading',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('rules_key', sa.String(length=60), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('previous_grade', sa.String(length=10), nullable=False),
    sa.Column('fired', sa.Text(), nullable=False),
    sa.Column('holding', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('collection_rate', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('products', sa.Integer(), nullable=False),
    sa.Column('activity', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_grading_customer_id_customer')),
    sa.ForeignKeyConstraint(['run_id'], ['grading_run.id'], name=op.f('fk_customer_grading_run_id_grading_run')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_grading'))
    )
    with op.batch_alter_table('customer_grading', schema=None) as batch_op:
        batch_op.create_index('ix_customer_grading_grade_score', ['grade', 'score'], unique=False)



def downgrade():
    with op.batch_alter_table('customer_grading', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_grading_grade_score')

    op.drop_table('customer_grading')
    with op.batch_alter_table('customer_grade_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_grade_history_run_id'))
        batch_op.drop_index('ix_customer_grade_history_customer_at')

    op.drop_table('customer_grade_history')
    with op.batch_alter_table('grading_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grading_run_started_at'))

    op.drop_table('grading_run')
