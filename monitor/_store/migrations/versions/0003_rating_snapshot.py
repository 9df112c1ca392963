"""rating snapshots: a source's AggregateRating per local day

A page's schema.org AggregateRating (a shop's average stars and how many ratings it
holds) is kept per source and day, the day's last reading winning; it is never a mention
and the index does not count it.

Revision ID: 0003_rating_snapshot
Revises: 0002_crash
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_rating_snapshot'
down_revision = '0002_crash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rating_snapshot',
    sa.Column('rating_count', sa.BigInteger(), nullable=True),
    sa.Column('review_count', sa.BigInteger(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('worst', sa.Float(), nullable=False),
    sa.Column('best', sa.Float(), nullable=False),
    sa.Column('item', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('observed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('source_id', 'day')
    )


def downgrade() -> None:
    op.drop_table('rating_snapshot')
