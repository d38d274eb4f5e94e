"""stored import previews, date precision, departments' region

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None



STATUSES_BEFORE = ('previewed', 'applied', 'refused')
STATUSES_NOW = ('previewed', 'applying', 'applied', 'refused')


def precision(name: str) -> sa.Enum:
    return sa.Enum('day', 'month', 'quarter', 'half', 'year', name=name, native_enum=False, create_constraint=True,
                   length=32)


def upgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('applied_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('progress_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failure', sa.String(length=500), nullable=True))
        batch_op.drop_constraint('import_status', type_='check')
        batch_op.create_check_constraint('import_status', sa.column('status').in_(STATUSES_NOW))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_start_precision', precision('planned_start_precision'), nullable=True))
        batch_op.add_column(sa.Column('planned_end_precision', precision('planned_end_precision'), nullable=True))
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_precision', precision('planned_precision'), nullable=True))
        batch_op.add_column(sa.Column('actual_precision', precision('actual_precision'), nullable=True))
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_departments_region'), ['region'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_region'))
        batch_op.drop_column('region')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_constraint('actual_precision', type_='check')
        batch_op.drop_column('actual_precision')
        batch_op.drop_constraint('planned_precision', type_='check')
        batch_op.drop_column('planned_precision')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint('planned_end_precision', type_='check')
        batch_op.drop_column('planned_end_precision')
        batch_op.drop_constraint('planned_start_precision', type_='check')
        batch_op.drop_column('planned_start_precision')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint('import_status', type_='check')
        batch_op.create_check_constraint('import_status', sa.column('status').in_(STATUSES_BEFORE))
        batch_op.drop_column('failure')
        batch_op.drop_column('started_at')
        batch_op.drop_column('progress_total')
        batch_op.drop_column('progress_done')
        batch_op.drop_column('applied_count')
        batch_op.drop_column('preview')
