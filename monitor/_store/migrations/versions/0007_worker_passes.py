"""distributed mode: the tasks of a ``monitor run --once`` pass and their outcomes

``worker_pass_task`` lists every task a pass enqueued (and the tasks those enqueued in
turn): waiting, running, or finished with its status and result, so the pass can wait
for its workers and print each task's outcome.

Revision ID: 0007_worker_passes
Revises: 0006_workers
Create Date: 2026-12-20
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_worker_passes'
down_revision = '0006_workers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_pass_task',
    sa.Column('task_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('pass_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('enqueued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index('ix_worker_pass_task_pass', 'worker_pass_task', ['pass_id', 'enqueued_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_worker_pass_task_pass', table_name='worker_pass_task')
    op.drop_table('worker_pass_task')
