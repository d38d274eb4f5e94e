"""security_events: the security log; the change history and the security log refuse UPDATE and DELETE
(a trigger; on PostgreSQL TRUNCATE too), so no one — not the application, not a stray SQL session —
rewrites them

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# As tracker.vocab.SecurityEvent holds them on the day of this migration.
EVENTS = ('login', 'login_failed', 'lockout', 'logout', 'forbidden', 'password_changed', 'password_reset',
          'role_changed', 'user_created', 'user_deactivated', 'user_reactivated', 'user_unlocked',
          'reauthenticated', 'reauth_failed', 'import_applied')
APPEND_ONLY = ('change_records', 'security_events')


def upgrade() -> None:
    op.create_table(
        'security_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event', sa.Enum(*EVENTS, name='security_event', native_enum=False, create_constraint=True,
                                   length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=60), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    )
    op.create_index('ix_security_events_event_at', 'security_events', ['event', 'occurred_at'])
    op.create_index(op.f('ix_security_events_occurred_at'), 'security_events', ['occurred_at'])
    op.create_index(op.f('ix_security_events_user_id'), 'security_events', ['user_id'])
    if op.get_bind().dialect.name == 'sqlite':  # the same rule, in SQLite's words
        for table in APPEND_ONLY:
            for action in ('UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} 只能追加：不允许 {action}'); END")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION tracker_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '% 只能追加：不允许 %', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION tracker_refuse_rewrite()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse_rewrite()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in APPEND_ONLY:
            for action in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS tracker_refuse_rewrite()")
    op.drop_index(op.f('ix_security_events_user_id'), table_name='security_events')
    op.drop_index(op.f('ix_security_events_occurred_at'), table_name='security_events')
    op.drop_index('ix_security_events_event_at', table_name='security_events')
    op.drop_table('security_events')
