"""reporting periods (月报/季报), departments' submissions, closed periods' snapshots; plans' cadence, departments' contact

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 17:51:58.293803
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporting_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('month', 'quarter', name='report_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='period_status', native_enum=False, create_constraint=True, length=32), server_default='open', nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_reporting_periods_window')),
    sa.CheckConstraint('number >= 1 AND number <= 12', name=op.f('ck_reporting_periods_number')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_reporting_periods_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_reporting_periods_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_periods')),
    sa.UniqueConstraint('plan_id', 'kind', 'year', 'number', name=op.f('uq_reporting_periods_plan_id_kind_year_number'))
    )
    with op.batch_alter_table('reporting_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_periods_plan_id'), ['plan_id'], unique=False)

    op.create_table('period_milestone_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('planned_precision', sa.Enum('day', 'month', 'quarter', 'half', 'year', name='planned_precision', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('actual_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'done', 'delayed', 'cancelled', name='milestone_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_period_milestone_snapshots_period_id_reporting_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_milestone_snapshots')),
    sa.UniqueConstraint('period_id', 'milestone_id', name=op.f('uq_period_milestone_snapshots_period_id_milestone_id'))
    )
    with op.batch_alter_table('period_milestone_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_milestone_snapshots_project_id'), ['project_id'], unique=False)

    op.create_table('period_project_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('department_name', sa.String(length=100), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', 'suspended', 'cancelled', name='project_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('completion', sa.Double(), nullable=True),
    sa.Column('total_budget', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('year_planned', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('period_completed', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('year_completed', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('cumulative_completed', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('submission_status', sa.Enum('pending', 'submitted', 'returned', 'confirmed', name='submission_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('progress_text', sa.Text(), nullable=True),
    sa.Column('issues', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_period_project_snapshots_period_id_reporting_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_project_snapshots')),
    sa.UniqueConstraint('period_id', 'project_id', name=op.f('uq_period_project_snapshots_period_id_project_id'))
    )
    op.create_table('report_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'submitted', 'returned', 'confirmed', name='submission_status', native_enum=False, create_constraint=True, length=32), server_default='pending', nullable=False),
    sa.Column('draft_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_report_submissions_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_report_submissions_period_id_reporting_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_report_submissions_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_report_submissions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submissions')),
    sa.UniqueConstraint('period_id', 'department_id', name=op.f('uq_report_submissions_period_id_department_id'))
    )
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submissions_department_id'), ['department_id'], unique=False)

    op.create_table('report_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('progress_text', sa.Text(), nullable=True),
    sa.Column('completed_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('issues', sa.Text(), nullable=True),
    sa.CheckConstraint('completed_amount >= 0', name=op.f('ck_report_entries_completed_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_report_entries_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submissions.id'], name=op.f('fk_report_entries_submission_id_report_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_entries')),
    sa.UniqueConstraint('submission_id', 'project_id', name=op.f('uq_report_entries_submission_id_project_id'))
    )
    with op.batch_alter_table('report_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_entries_project_id'), ['project_id'], unique=False)

    op.create_table('report_milestone_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'done', 'delayed', 'cancelled', name='milestone_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('actual_on', sa.Date(), nullable=True),
    sa.Column('milestone_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_report_milestone_states_milestone_id_milestones'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_report_milestone_states_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submissions.id'], name=op.f('fk_report_milestone_states_submission_id_report_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_milestone_states')),
    sa.UniqueConstraint('submission_id', 'milestone_id', name=op.f('uq_report_milestone_states_submission_id_milestone_id'))
    )
    with op.batch_alter_table('report_milestone_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_milestone_states_milestone_id'), ['milestone_id'], unique=False)

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=200), nullable=True))

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_import_batches_period_id'), ['period_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_import_batches_period_id_reporting_periods'), 'reporting_periods',
                                    ['period_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_cadence', sa.Enum('month', 'quarter', name='report_cadence', native_enum=False, create_constraint=True, length=32), server_default='month', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_constraint('report_cadence', type_='check')
        batch_op.drop_column('report_cadence')

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('contact')

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_batches_period_id_reporting_periods'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_import_batches_period_id'))
        batch_op.drop_column('period_id')

    with op.batch_alter_table('report_milestone_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_milestone_states_milestone_id'))

    op.drop_table('report_milestone_states')
    with op.batch_alter_table('report_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_entries_project_id'))

    op.drop_table('report_entries')
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submissions_department_id'))

    op.drop_table('report_submissions')
    op.drop_table('period_project_snapshots')
    with op.batch_alter_table('period_milestone_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_milestone_snapshots_project_id'))

    op.drop_table('period_milestone_snapshots')
    with op.batch_alter_table('reporting_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_periods_plan_id'))

    op.drop_table('reporting_periods')
