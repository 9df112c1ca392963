"""aspects: the aspects each mention talks about

``mention_aspect`` holds one row per (mention, aspect) the tagger found, with the
embedding margin and the keyword that named it; a mention tagged with none has one row
whose aspect is ``-``, so a mention without rows is not tagged yet. Rows go with their
mention (``ON DELETE CASCADE``).

Revision ID: 0012_aspects
Revises: 0011_search_writes
Create Date: 2026-12-16
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012_aspects'
down_revision = '0011_search_writes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mention_aspect',
        sa.Column('mention_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('aspect', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('keyword', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.ForeignKeyConstraint(['mention_id'], ['mention.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('mention_id', 'aspect'),
    )


def downgrade() -> None:
    op.drop_table('mention_aspect')
