"""Questionnaires: surveys with a JSON question definition, one response per respondent, answer rows

Revision ID: 19e0000000001
Revises: 19f0000000001
Create Date: 2026-12-16 10:00:00.000000

The two unique constraints on survey_response make a double submit fail in the database; NULLs do not collide,
so customer responses (user_id NULL) and staff responses (customer_id NULL) share the table.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '19e0000000001'
down_revision = '19f0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_survey_org_id_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_survey_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_status'), ['status'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filled_by_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_survey_response_customer_id_customer')),
    sa.ForeignKeyConstraint(['filled_by_id'], ['users.id'], name=op.f('fk_survey_response_filled_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_survey_response_org_id_org')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_response_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('survey_id', 'customer_id', name='uq_survey_response_customer'),
    sa.UniqueConstraint('survey_id', 'user_id', name='uq_survey_response_user')
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_survey_response_survey_org_at', ['survey_id', 'org_id', 'submitted_at'],
                              unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=20), nullable=False),
    sa.Column('option_key', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_survey_answer_org_id_org')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'],
                            name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_answer_survey_id_survey'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer'))
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_response_id'), ['response_id'], unique=False)
        batch_op.create_index('ix_survey_answer_question', ['survey_id', 'question_key', 'option_key'], unique=False)
        batch_op.create_index('ix_survey_answer_org_at', ['survey_id', 'org_id', 'submitted_at'], unique=False)


def downgrade():
    op.drop_table('survey_answer')
    op.drop_table('survey_response')
    op.drop_table('survey')
