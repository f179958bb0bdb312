"""kpi rollups: ticket and voice facts, watermarks

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sigap.db.base

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TS = sigap.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('kpi_ticket_facts',
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('opened_at', TS, nullable=False),
    sa.Column('opened_hour', sa.Integer(), nullable=False),
    sa.Column('resolved_at', TS, nullable=True),
    sa.Column('resolved_hour', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=12), nullable=False),
    sa.Column('product', sa.String(length=20), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('responded', sa.Boolean(), nullable=False),
    sa.Column('response_met', sa.Boolean(), nullable=False),
    sa.Column('response_due_at', TS, nullable=False),
    sa.Column('update_met', sa.Boolean(), nullable=True),
    sa.Column('ttr_seconds', sa.Float(), nullable=True),
    sa.Column('ttr_target', sa.Boolean(), nullable=True),
    sa.Column('ttr_met', sa.Boolean(), nullable=True),
    sa.Column('own_queue_seconds', sa.Float(), nullable=True),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('repeat_after_seconds', sa.Float(), nullable=True),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_kpi_ticket_facts'))
    )
    op.create_index('ix_kpi_ticket_facts_opened', 'kpi_ticket_facts', ['opened_at'])
    op.create_index('ix_kpi_ticket_facts_resolved', 'kpi_ticket_facts', ['resolved_at'])
    op.create_index('ix_kpi_ticket_facts_customer', 'kpi_ticket_facts', ['customer_id'])
    op.create_table('kpi_voice_facts',
    sa.Column('interaction_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('arrived_at', TS, nullable=False),
    sa.Column('arrived_hour', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('abandoned', sa.Boolean(), nullable=False),
    sa.Column('wait_seconds', sa.Float(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('interaction_id', name=op.f('pk_kpi_voice_facts'))
    )
    op.create_index('ix_kpi_voice_facts_arrived', 'kpi_voice_facts', ['arrived_at'])
    op.create_table('kpi_watermarks',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('at', TS, nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_kpi_watermarks'))
    )


def downgrade() -> None:
    op.drop_table('kpi_watermarks')
    op.drop_index('ix_kpi_voice_facts_arrived', table_name='kpi_voice_facts')
    op.drop_table('kpi_voice_facts')
    op.drop_index('ix_kpi_ticket_facts_customer', table_name='kpi_ticket_facts')
    op.drop_index('ix_kpi_ticket_facts_resolved', table_name='kpi_ticket_facts')
    op.drop_index('ix_kpi_ticket_facts_opened', table_name='kpi_ticket_facts')
    op.drop_table('kpi_ticket_facts')
