"""Staff profiles (员工信息) and qualification certificates (资格证书)

Revision ID: 13a3d0000003
Revises: 13a2b0000002
Create Date: 2026-12-04 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13a3d0000003'
down_revision = '13a2b0000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cert_type', sa.String(length=30), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('reminded_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_certificate_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_certificate')),
    sa.UniqueConstraint('cert_type', 'number', name=op.f('uq_staff_certificate_cert_type'))
    )
    with op.batch_alter_table('staff_certificate', schema=None) as batch_op:
        batch_op.create_index('ix_staff_certificate_expires_on', ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_certificate_user_id'), ['user_id'], unique=False)

    op.create_table('staff_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('contract_type', sa.String(length=30), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.Column('education', sa.String(length=30), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=False),
    sa.Column('major', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('emergency_name', sa.String(length=50), nullable=False),
    sa.Column('emergency_phone', sa.String(length=30), nullable=False),
    sa.Column('emergency_relation', sa.String(length=20), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_profile_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_staff_profile_user_id'))
    )
    with op.batch_alter_table('staff_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_profile_contract_end'), ['contract_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_profile_id_number'), ['id_number'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_profile_id_number'))
        batch_op.drop_index(batch_op.f('ix_staff_profile_contract_end'))

    op.drop_table('staff_profile')
    with op.batch_alter_table('staff_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_certificate_user_id'))
        batch_op.drop_index('ix_staff_certificate_expires_on')

    op.drop_table('staff_certificate')
