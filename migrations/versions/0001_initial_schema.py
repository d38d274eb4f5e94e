"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:36:35.305294
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=True),
    sa.Column('kind', sa.Enum('city', 'county', 'enterprise', 'other', name='department_kind', native_enum=False, create_constraint=True, length=32), server_default='city', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('name', name=op.f('uq_departments_name'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('issuing_body', sa.String(length=200), nullable=True),
    sa.Column('start_year', sa.Integer(), nullable=True),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.CheckConstraint('end_year IS NULL OR start_year IS NULL OR end_year >= start_year', name=op.f('ck_plans_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_plans_code'))
    )
    op.create_table('department_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_aliases_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_aliases')),
    sa.UniqueConstraint('alias', name=op.f('uq_department_aliases_alias'))
    )
    with op.batch_alter_table('department_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_aliases_department_id'), ['department_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), server_default='0', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('target_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_indicators_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators')),
    sa.UniqueConstraint('plan_id', 'name', name=op.f('uq_indicators_plan_id_name'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_plan_id'), ['plan_id'], unique=False)

    op.create_table('phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned_start_on', sa.Date(), nullable=True),
    sa.Column('planned_end_on', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.CheckConstraint('planned_end_on IS NULL OR planned_start_on IS NULL OR planned_end_on >= planned_start_on', name=op.f('ck_phases_window')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_phases_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phases')),
    sa.UniqueConstraint('plan_id', 'ordinal', name=op.f('uq_phases_plan_id_ordinal'))
    )
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phases_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['plan_sections.id'], name=op.f('fk_plan_sections_parent_id_plan_sections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_sections_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_sections'))
    )
    with op.batch_alter_table('plan_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_sections_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_sections_plan_id'), ['plan_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'office', 'department', 'leader', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.CheckConstraint("role <> 'department' OR department_id IS NOT NULL", name=op.f('ck_users_department_user_has_department')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_users_department_id_departments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_department_id'), ['department_id'], unique=False)

    op.create_table('change_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('web', 'import', 'cli', 'seed', name='change_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('insert', 'update', 'delete', name='change_action', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_change_records_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_records'))
    )
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_records_changed_at'), ['changed_at'], unique=False)
        batch_op.create_index('ix_change_records_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_records_user_id'), ['user_id'], unique=False)

    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_values_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values')),
    sa.UniqueConstraint('indicator_id', 'year', name=op.f('uq_indicator_values_indicator_id_year'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('phase_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['phase_id'], ['phases.id'], name=op.f('fk_phase_goals_phase_id_phases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phase_goals')),
    sa.UniqueConstraint('phase_id', 'ordinal', name=op.f('uq_phase_goals_phase_id_ordinal'))
    )
    with op.batch_alter_table('phase_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_goals_phase_id'), ['phase_id'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('lead_department_id', sa.Integer(), nullable=True),
    sa.Column('nature', sa.Enum('new', 'continued', 'expansion', 'upgrade', name='project_nature', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('stage', sa.Enum('reserve', 'preparation', 'approved', 'procurement', 'implementation', 'preliminary_acceptance', 'trial_run', 'final_acceptance', 'evaluation', name='project_stage', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', 'suspended', 'cancelled', name='project_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('planned_start_on', sa.Date(), nullable=True),
    sa.Column('planned_end_on', sa.Date(), nullable=True),
    sa.Column('total_budget', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('funding_source', sa.Enum('fiscal', 'superior', 'self', 'social', 'other', name='funding_source', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('planned_end_on IS NULL OR planned_start_on IS NULL OR planned_end_on >= planned_start_on', name=op.f('ck_projects_window')),
    sa.CheckConstraint('total_budget >= 0', name=op.f('ck_projects_budget_not_negative')),
    sa.ForeignKeyConstraint(['lead_department_id'], ['departments.id'], name=op.f('fk_projects_lead_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_projects_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['plan_sections.id'], name=op.f('fk_projects_section_id_plan_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('plan_id', 'code', name=op.f('uq_projects_plan_id_code'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_lead_department_id'), ['lead_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_section_id'), ['section_id'], unique=False)

    op.create_table('goal_projects',
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['phase_goals.id'], name=op.f('fk_goal_projects_goal_id_phase_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_goal_projects_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('goal_id', 'project_id', name=op.f('pk_goal_projects'))
    )
    with op.batch_alter_table('goal_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_projects_project_id'), ['project_id'], unique=False)

    op.create_table('investments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('planned_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('completed_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('funding_source', sa.Enum('fiscal', 'superior', 'self', 'social', 'other', name='funding_source', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('completed_amount >= 0', name=op.f('ck_investments_completed_not_negative')),
    sa.CheckConstraint('planned_amount >= 0', name=op.f('ck_investments_planned_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_investments_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investments')),
    sa.UniqueConstraint('project_id', 'year', name=op.f('uq_investments_project_id_year'))
    )
    with op.batch_alter_table('investments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investments_project_id'), ['project_id'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('actual_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'done', 'delayed', 'cancelled', name='milestone_status', native_enum=False, create_constraint=True, length=32), server_default='not_started', nullable=False),
    sa.Column('weight', sa.Integer(), server_default='1', nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weight > 0', name=op.f('ck_milestones_weight_positive')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('project_id', 'ordinal', name=op.f('uq_milestones_project_id_ordinal'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_planned_on'), ['planned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_project_id'), ['project_id'], unique=False)

    op.create_table('project_cooperators',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_project_cooperators_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_cooperators_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'department_id', name=op.f('pk_project_cooperators'))
    )
    with op.batch_alter_table('project_cooperators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_cooperators_department_id'), ['department_id'], unique=False)

    op.create_table('project_phases',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['phase_id'], ['phases.id'], name=op.f('fk_project_phases_phase_id_phases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_phases_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'phase_id', name=op.f('pk_project_phases'))
    )
    with op.batch_alter_table('project_phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_phases_phase_id'), ['phase_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('project_phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_phases_phase_id'))

    op.drop_table('project_phases')
    with op.batch_alter_table('project_cooperators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_cooperators_department_id'))

    op.drop_table('project_cooperators')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_project_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_planned_on'))

    op.drop_table('milestones')
    with op.batch_alter_table('investments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investments_project_id'))

    op.drop_table('investments')
    with op.batch_alter_table('goal_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_projects_project_id'))

    op.drop_table('goal_projects')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_section_id'))
        batch_op.drop_index(batch_op.f('ix_projects_plan_id'))
        batch_op.drop_index(batch_op.f('ix_projects_lead_department_id'))

    op.drop_table('projects')
    with op.batch_alter_table('phase_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_goals_phase_id'))

    op.drop_table('phase_goals')
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_indicator_id'))

    op.drop_table('indicator_values')
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_records_user_id'))
        batch_op.drop_index('ix_change_records_entity')
        batch_op.drop_index(batch_op.f('ix_change_records_changed_at'))

    op.drop_table('change_records')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_department_id'))

    op.drop_table('users')
    with op.batch_alter_table('plan_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_sections_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_sections_parent_id'))

    op.drop_table('plan_sections')
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phases_plan_id'))

    op.drop_table('phases')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_plan_id'))

    op.drop_table('indicators')
    with op.batch_alter_table('department_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_aliases_department_id'))

    op.drop_table('department_aliases')
    op.drop_table('plans')
    op.drop_table('departments')
