"""mention (brand, language, time) index: the dashboard's language filter without a scan

The mentions page filters by language, and a rare language (a dozen German mentions
among a brand's 100,000) made the newest-first walk of ``ix_mention_brand_pub`` read
nearly every row of the brand (every brand's, unfiltered). This index walks only the
language's own mentions, newest first.

Revision ID: 0005_mention_lang
Revises: 0004_web
Create Date: 2026-12-13
"""
from alembic import op


revision = '0005_mention_lang'
down_revision = '0004_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_mention_brand_lang_pub', 'mention', ['brand_id', 'lang', 'published_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_mention_brand_lang_pub', table_name='mention')
