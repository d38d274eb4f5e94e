"""plans: their own words (指导思想, 建设原则, 依据, 目标); plan_events: 大事记; indicators linked to the
section, stage goal or project they measure; investment_fundings: several sources per project-year;
project_roles: 支持 and 审查 beside 牵头 and 配合

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PRECISIONS = ('day', 'month', 'quarter', 'half', 'year')
FUNDING = ('fiscal', 'superior', 'self', 'social', 'other')
ROLES = ('support', 'review')
PLAN_TEXT = ('guiding_thought', 'principles', 'basis', 'objectives')
LINKS = (('section_id', 'plan_sections'), ('goal_id', 'phase_goals'), ('project_id', 'projects'))


def upgrade() -> None:
    with op.batch_alter_table('plans') as batch_op:
        for name in PLAN_TEXT:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    op.create_table(
        'plan_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('ordinal', sa.Integer(), server_default='0', nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=True),
        sa.Column('occurred_precision', sa.Enum(*PRECISIONS, name='occurred_precision', native_enum=False,
                                                create_constraint=True, length=32), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_events_plan_id_plans'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_events')),
    )
    op.create_index(op.f('ix_plan_events_plan_id'), 'plan_events', ['plan_id'])
    op.create_table(
        'investment_fundings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('investment_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.Enum(*FUNDING, name='funding_source_kind', native_enum=False, create_constraint=True,
                                    length=32), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_investment_fundings_amount_not_negative')),
        sa.ForeignKeyConstraint(['investment_id'], ['investments.id'],
                                name=op.f('fk_investment_fundings_investment_id_investments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_investment_fundings_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_investment_fundings')),
    )
    op.create_index(op.f('ix_investment_fundings_investment_id'), 'investment_fundings', ['investment_id'])
    op.create_index(op.f('ix_investment_fundings_project_id'), 'investment_fundings', ['project_id'])
    op.create_table(
        'project_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='project_role_kind', native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_project_roles_department_id_departments'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_roles_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_roles')),
        sa.UniqueConstraint('project_id', 'department_id', 'role', name=op.f('uq_project_roles_project_id_department_id_role')),
    )
    op.create_index(op.f('ix_project_roles_project_id'), 'project_roles', ['project_id'])
    op.create_index(op.f('ix_project_roles_department_id'), 'project_roles', ['department_id'])
    with op.batch_alter_table('indicators') as batch_op:
        for column, table in LINKS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_indicators_{column}'), [column])
            batch_op.create_foreign_key(batch_op.f(f'fk_indicators_{column}_{table}'), table, [column], ['id'],
                                        ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('indicators') as batch_op:
        for column, table in LINKS:
            batch_op.drop_constraint(batch_op.f(f'fk_indicators_{column}_{table}'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_indicators_{column}'))
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_project_roles_department_id'), table_name='project_roles')
    op.drop_index(op.f('ix_project_roles_project_id'), table_name='project_roles')
    op.drop_table('project_roles')
    op.drop_index(op.f('ix_investment_fundings_project_id'), table_name='investment_fundings')
    op.drop_index(op.f('ix_investment_fundings_investment_id'), table_name='investment_fundings')
    op.drop_table('investment_fundings')
    op.drop_index(op.f('ix_plan_events_plan_id'), table_name='plan_events')
    op.drop_table('plan_events')
    with op.batch_alter_table('plans') as batch_op:
        for name in PLAN_TEXT:
            batch_op.drop_column(name)
