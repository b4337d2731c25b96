"""Business Q&A (业务问答): question categories, questions, answers

Revision ID: 19d0000000001
Revises: 19e0000000001
Create Date: 2026-12-16 09:00:00.000000

qa_question.accepted_answer_id points at qa_answer, created after it: that foreign key is added last.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '19d0000000001'
down_revision = '19e0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('qa_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_category')),
    sa.UniqueConstraint('name', name=op.f('uq_qa_category_name'))
    )
    op.create_table('qa_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('accepted_answer_id', sa.Integer(), nullable=True),
    sa.Column('answer_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_qa_question_asker_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['qa_category.id'], name=op.f('fk_qa_question_category_id_qa_category')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_qa_question_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_question'))
    )
    with op.batch_alter_table('qa_question', schema=None) as batch_op:
        batch_op.create_index('ix_qa_question_asker_created', ['asker_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_qa_question_category_created', ['category_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_qa_question_created', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_question_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_qa_question_status_created', ['status', 'created_at', 'id'], unique=False)

    op.create_table('qa_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promoted_article_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_qa_answer_author_id_users')),
    sa.ForeignKeyConstraint(['promoted_article_id'], ['kb_article.id'], name=op.f('fk_qa_answer_promoted_article_id_kb_article')),
    sa.ForeignKeyConstraint(['question_id'], ['qa_question.id'], name=op.f('fk_qa_answer_question_id_qa_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_answer'))
    )
    with op.batch_alter_table('qa_answer', schema=None) as batch_op:
        batch_op.create_index('ix_qa_answer_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_qa_answer_question_created', ['question_id', 'created_at'], unique=False)

    with op.batch_alter_table('qa_question', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_qa_question_accepted_answer', 'qa_answer', ['accepted_answer_id'], ['id'])



def downgrade():
    with op.batch_alter_table('qa_question', schema=None) as batch_op:
        batch_op.drop_constraint('fk_qa_question_accepted_answer', type_='foreignkey')
    with op.batch_alter_table('qa_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_qa_answer_question_created')
        batch_op.drop_index('ix_qa_answer_author_created')

    op.drop_table('qa_answer')
    with op.batch_alter_table('qa_question', schema=None) as batch_op:
        batch_op.drop_index('ix_qa_question_status_created')
        batch_op.drop_index(batch_op.f('ix_qa_question_org_id'))
        batch_op.drop_index('ix_qa_question_created')
        batch_op.drop_index('ix_qa_question_category_created')
        batch_op.drop_index('ix_qa_question_asker_created')

    op.drop_table('qa_question')
    op.drop_table('qa_category')
