"""Page/limit handling shared by every list in the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    limit: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> Page[Any]:
    """Run a select for one page plus its total count (two queries, never one per row)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(params.limit).offset(params.offset)))
    return Page(items=rows, total=total, page=params.page, limit=params.limit)
