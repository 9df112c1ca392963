"""complaints awaiting an answer: when and by whom a mention was answered

``mention.answered_at`` is when the brand answered the mention (the earliest answer
known: a person marking it, or the brand's own reply seen at the source), and
``answered_by`` who said so — a person's name, ``cli``, or ``source`` for a reply the
collector saw. Two nullable columns: a plain ALTER on both databases (no table copy).

Revision ID: 0009_complaints
Revises: 0006_workers
Create Date: 2026-12-15
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009_complaints'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_column('answered_by')
        batch_op.drop_column('answered_at')
