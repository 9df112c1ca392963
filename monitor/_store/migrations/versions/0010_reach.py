"""reach: what a mention's reach counts, and the reach histogram rollup

``mention.reach_kind`` says what ``mention.reach`` counts (followers, upvotes, likes,
views, helpful_votes). Reaches stored before this revision were the Mastodon authors'
followers, so they get that kind; an impossible one (negative, over 10^11) is cleared.
``reach_rollup`` counts mentions per brand × day × source × language × label × reach
*level* ⌊log₂(1 + reach)⌋ (level ≥ 1 only: the rest weigh 1 and are the daily rollup's
count minus these), so reach-weighted figures read rollups, never raw mentions; it is
filled here from the mentions already stored.

Revision ID: 0010_reach
Revises: 0009_complaints
Create Date: 2026-12-20
"""
from collections import Counter

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010_reach'
down_revision = '0009_complaints'
branch_labels = None
depends_on = None

MAX_REACH = 100_000_000_000


def upgrade() -> None:
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reach_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.create_table('reach_rollup',
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('brand_id', 'day', 'source_id', 'lang', 'label', 'level')
    )
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE mention SET reach = NULL WHERE reach IS NOT NULL AND (reach < 0 OR reach > :mx)"
    ), {"mx": MAX_REACH})
    conn.execute(sa.text("UPDATE mention SET reach_kind = 'followers' WHERE reach IS NOT NULL"))
    rows = conn.execute(sa.text(
        "SELECT brand_id, day, source_id, COALESCE(lang, ''), label, reach, COUNT(*) FROM mention "
        "WHERE reach IS NOT NULL AND reach > 0 GROUP BY brand_id, day, source_id, COALESCE(lang, ''), label, reach"
    )).all()
    levels: Counter[tuple[object, ...]] = Counter()
    for brand_id, day, source_id, lang, label, reach, n in rows:
        levels[(brand_id, day, source_id, lang, label, (int(reach) + 1).bit_length() - 1)] += int(n)
    if levels:
        table = sa.table('reach_rollup', *(sa.column(c) for c in ('brand_id', 'day', 'source_id', 'lang', 'label', 'level', 'n')))
        keys = ('brand_id', 'day', 'source_id', 'lang', 'label', 'level')
        conn.execute(sa.insert(table), [{**dict(zip(keys, k)), 'n': n} for k, n in levels.items()])


def downgrade() -> None:
    op.drop_table('reach_rollup')
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_column('reach_kind')
