"""themes: each mention's sentence vector, a brand's themes, and which theme each mention is in

``mention_vector`` keeps one vector per mention (int8 with a per-row scale, keyed by the
mention, with the embedder's version); ``theme`` a brand's themes (a name given once, the
terms per language and the English gist renewed, the centroid); ``mention_theme`` each
mention's theme (``theme_id`` NULL: looked at, fits none yet). New tables only.

Revision ID: 0013_themes
Revises: 0012_aspects
Create Date: 2026-12-16
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013_themes'
down_revision = '0012_aspects'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mention_vector',
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('scale', sa.Float(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['mention_id'], ['mention.id'], ),
    sa.PrimaryKeyConstraint('mention_id')
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('gist', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('centroid', sa.LargeBinary(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_brand_id'), ['brand_id'], unique=False)

    op.create_table('mention_theme',
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], ),
    sa.ForeignKeyConstraint(['mention_id'], ['mention.id'], ),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], ),
    sa.PrimaryKeyConstraint('mention_id')
    )
    with op.batch_alter_table('mention_theme', schema=None) as batch_op:
        batch_op.create_index('ix_mention_theme_brand_theme', ['brand_id', 'theme_id'], unique=False)


def downgrade() -> None:
    op.drop_table('mention_theme')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_brand_id'))
    op.drop_table('theme')
    op.drop_table('mention_vector')
