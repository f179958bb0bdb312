"""Shared request parameters of the organisation routes: roles, paging and staff filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from sigap.auth.actor import Actor
from sigap.core.pagination import MAX_LIMIT, PageParams
from sigap.org import service
from sigap.org.models import Role, Tier
from sigap.web.deps import require

Reader = Annotated[Actor, Depends(require("org.read"))]
Writer = Annotated[Actor, Depends(require("org.write"))]
UserAdmin = Annotated[Actor, Depends(require("users.manage"))]


async def paging_params(page: int = Query(1, ge=1),
                        limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> PageParams:
    return PageParams(page=page, limit=limit)


Paging = Annotated[PageParams, Depends(paging_params)]


async def staff_query(site_id: int | None = Query(None, ge=1),
                      team_id: int | None = Query(None, ge=1),
                      role: Role | None = None, tier: Tier | None = None,
                      active: bool | None = None,
                      q: str | None = Query(None, max_length=100)) -> service.StaffQuery:
    return service.StaffQuery(site_id=site_id, team_id=team_id,
                              role=role.value if role else None,
                              tier=tier.value if tier else None, active=active, q=q)


StaffFilters = Annotated[service.StaffQuery, Depends(staff_query)]
