"""distributed mode: tasks waiting on the broker, host slots, shared robots.txt

``worker_task`` lists tasks enqueued and not started (what ``monitor status`` shows as the
oldest waiting task); ``host_slot`` keeps when a host's last collection ended, so a worker
on another machine keeps the minimum interval; ``robots_file`` shares each host's
robots.txt between workers.

Revision ID: 0006_workers
Revises: 0005_mention_lang
Create Date: 2026-12-14
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_workers'
down_revision = '0005_mention_lang'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_task',
    sa.Column('task_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('enqueued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index('ix_worker_task_queue', 'worker_task', ['queue', 'enqueued_at'], unique=False)
    op.create_table('host_slot',
    sa.Column('host_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.PrimaryKeyConstraint('host_key')
    )
    op.create_table('robots_file',
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )


def downgrade() -> None:
    op.drop_table('robots_file')
    op.drop_table('host_slot')
    op.drop_index('ix_worker_task_queue', table_name='worker_task')
    op.drop_table('worker_task')
