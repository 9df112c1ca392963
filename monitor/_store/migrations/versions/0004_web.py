"""web dashboard: users, sessions, and who relabelled what (undoable)

``web_user`` holds the people who may log in to ``monitor serve`` (argon2 hashes),
``web_session`` their logged-in browsers (the SHA-256 of the cookie, the CSRF token);
``label_change`` + ``label_change_item`` record each relabelling by a person with the
labels it replaced, so it can be undone; ``mention.manual_by``/``manual_at`` say who set a
mention's label and when. Adding the two nullable columns is a plain ALTER on both
databases (no table copy).

Revision ID: 0004_web
Revises: 0003_rating_snapshot
Create Date: 2026-12-12
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_web'
down_revision = '0003_rating_snapshot'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('label_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('mentions', sa.Integer(), nullable=False),
    sa.Column('undone_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('web_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_user_name'), ['name'], unique=True)

    op.create_table('label_change_item',
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('old_label', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('old_origin', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('old_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('old_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['label_change.id'], ),
    sa.PrimaryKeyConstraint('change_id', 'mention_id')
    )
    with op.batch_alter_table('label_change_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_label_change_item_mention_id'), ['mention_id'], unique=False)

    op.create_table('web_session',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manual_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('manual_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_column('manual_at')
        batch_op.drop_column('manual_by')

    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))

    op.drop_table('web_session')
    with op.batch_alter_table('label_change_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_label_change_item_mention_id'))

    op.drop_table('label_change_item')
    with op.batch_alter_table('web_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_user_name'))

    op.drop_table('web_user')
    op.drop_table('label_change')
