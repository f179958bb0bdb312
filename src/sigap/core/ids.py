"""Human-readable identifiers."""

from __future__ import annotations


def ticket_number(year: int, sequence: int) -> str:
    """T-2026-000123: the number customers quote and email subjects carry."""
    return f"T-{year}-{sequence:06d}"
