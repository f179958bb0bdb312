"""channel accounts with their own webhook secrets

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sigap.db.base

revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('app_secret', sa.Text(), nullable=False),
    sa.Column('verify_token', sa.Text(), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sigap.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sigap.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_accounts')),
    sa.UniqueConstraint('channel', 'external_id',
                        name=op.f('uq_channel_accounts_channel_external_id')),
    sa.UniqueConstraint('channel', 'name', name=op.f('uq_channel_accounts_channel_name'))
    )


def downgrade() -> None:
    op.drop_table('channel_accounts')
