"""Routes of this domain: the JSON API under /api and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, SigapError
from sigap.core.pagination import PageParams
from sigap.customers import export, importer, search, service
from sigap.customers.models import ContactKind, Product, Segment
from sigap.customers.schemas import (
    ContactIn,
    ContactOut,
    Customer360Out,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    ImportReportOut,
    InteractionBrief,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    TicketBrief,
)
from sigap.web.deps import DbSession, require, settings_of
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute)
MAX_UPLOAD = 50 * 1024 * 1024


def _hours(request: Request) -> int:
    return settings_of(request).identify_grant_hours


# --- JSON API ----------------------------------------------------------------------------

@router.get("/api/customers", tags=["customers"], response_model=CustomerPage)
def api_search(request: Request, session: DbSession,
               actor: Actor = Depends(require("customers.read")),
               q: str = Query("", max_length=200), segment: Segment | None = None,
               priority: bool | None = None, page: int = Query(1, ge=1),
               limit: int = Query(50, ge=1, le=200)) -> CustomerPage:
    """Search customers by phone, email, service id, customer number or name."""
    found = search.search_customers(session, actor, q, segment, priority,
                                     PageParams(page, limit), _hours(request))
    return CustomerPage(items=[CustomerOut.model_validate(c) for c in found.page.items],
                        total=found.page.total, page=page, limit=limit,
                        matched_by=found.matched_by)


def _new_contacts(items: list[ContactIn]) -> list[service.NewContact]:
    return [service.NewContact(c.kind.value, c.value, c.label) for c in items]


def _new_service(s: ServiceIn) -> service.NewService:
    return service.NewService(s.service_id, s.product.value, s.description, s.active)


@router.post("/api/customers", tags=["customers"], status_code=201, response_model=CustomerOut)
def api_create(body: CustomerIn, session: DbSession,
               actor: Actor = Depends(require("customers.write"))) -> CustomerOut:
    """Create a customer with its contacts and services."""
    customer = service.create_customer(
        session, actor, **body.model_dump(exclude={"contacts", "services"}),
        contacts=_new_contacts(body.contacts),
        services=[_new_service(s) for s in body.services])
    return CustomerOut.model_validate(customer)


@router.post("/api/customers/import", tags=["customers"], response_model=ImportReportOut)
def api_import(request: Request, session: DbSession, file: UploadFile = File(...),
               actor: Actor = Depends(require("customers.import"))) -> ImportReportOut:
    """Import customers from a CSV or XLSX file; answers the report with every bad row."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("Berkas terlalu besar (maksimal 50 MB).", field="file")
    report = importer.import_customers(session, file.filename or "", data)
    return ImportReportOut.model_validate(report, from_attributes=True)


def _dump_360(view: service.Customer360) -> Customer360Out:
    return Customer360Out(
        customer=CustomerOut.model_validate(view.customer),
        open_tickets=[TicketBrief.model_validate(t) for t in view.open_tickets],
        past_tickets=[TicketBrief.model_validate(t) for t in view.past_tickets],
        interactions=[InteractionBrief.model_validate(i) for i in view.interactions])


@router.get("/api/customers/{customer_id}", tags=["customers"], response_model=Customer360Out)
def api_get(customer_id: int, request: Request, session: DbSession,
            actor: Actor = Depends(require("customers.read"))) -> Customer360Out:
    """The customer 360: contacts, services, open and past tickets, interactions."""
    return _dump_360(service.customer_360(session, actor, customer_id, _hours(request)))


@router.patch("/api/customers/{customer_id}", tags=["customers"], response_model=CustomerOut)
def api_update(customer_id: int, body: CustomerPatch, request: Request, session: DbSession,
               actor: Actor = Depends(require("customers.write"))) -> CustomerOut:
    """Change a customer's fields (only the fields sent)."""
    customer = service.update_customer(session, actor, customer_id, _hours(request),
                                       body.model_dump(exclude_unset=True))
    return CustomerOut.model_validate(customer)


@router.post("/api/customers/{customer_id}/contacts", tags=["customers"], status_code=201,
             response_model=ContactOut)
def api_add_contact(customer_id: int, body: ContactIn, request: Request, session: DbSession,
                    actor: Actor = Depends(require("customers.write"))) -> ContactOut:
    """Add a contact (normalised: E.164 phones, lower-case emails, handles without '@')."""
    contact = service.add_contact(session, actor, customer_id, _hours(request),
                                  body.kind.value, body.value, body.label)
    return ContactOut.model_validate(contact)


@router.delete("/api/customers/{customer_id}/contacts/{contact_id}", tags=["customers"],
               status_code=204)
def api_remove_contact(customer_id: int, contact_id: int, request: Request, session: DbSession,
                       actor: Actor = Depends(require("customers.write"))) -> Response:
    """Remove a contact from a customer."""
    service.remove_contact(session, actor, customer_id, _hours(request), contact_id)
    return Response(status_code=204)


@router.post("/api/customers/{customer_id}/services", tags=["customers"], status_code=201,
             response_model=ServiceOut)
def api_add_service(customer_id: int, body: ServiceIn, request: Request, session: DbSession,
                    actor: Actor = Depends(require("customers.write"))) -> ServiceOut:
    """Add a service (service id unique across all customers)."""
    svc = service.add_service(session, actor, customer_id, _hours(request), _new_service(body))
    return ServiceOut.model_validate(svc)


@router.patch("/api/customers/{customer_id}/services/{service_pk}", tags=["customers"],
              response_model=ServiceOut)
def api_update_service(customer_id: int, service_pk: int, body: ServicePatch,
                       request: Request, session: DbSession,
                       actor: Actor = Depends(require("customers.write"))) -> ServiceOut:
    """Change a service's product, description or active flag."""
    changes = body.model_dump(exclude_unset=True)
    if "product" in changes and changes["product"] is not None:
        changes["product"] = changes["product"].value
    svc = service.update_service(session, actor, customer_id, _hours(request), service_pk,
                                 changes)
    return ServiceOut.model_validate(svc)


# --- pages -------------------------------------------------------------------------------

def _choices() -> dict[str, Any]:
    return {"segments": [s.value for s in Segment], "products": [p.value for p in Product],
            "contact_kinds": [k.value for k in ContactKind]}


def _age(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    minutes = int((utcnow() - value).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} m"
    if minutes < 48 * 60:
        return f"{minutes // 60} j {minutes % 60} m"
    return f"{minutes // 1440} h"


def _flag(value: str) -> bool | None:
    return {"1": True, "true": True, "ya": True, "0": False, "false": False,
            "tidak": False}.get(value.strip().lower())


@router.get("/customers", include_in_schema=False)
def page_search(request: Request, session: DbSession,
                actor: Actor = Depends(require("customers.read")),
                q: str = Query("", max_length=200), segment: str = "", priority: str = "",
                page: int = Query(1, ge=1)) -> HTMLResponse:
    found = search.search_customers(session, actor, q, segment or None, _flag(priority),
                                     PageParams(page, 50), _hours(request))
    ctx = {"nav": "customers", "q": q, "segment": segment, "priority": priority,
           "result": found, "page": found.page, **_choices()}
    return render(request, "customers/search.html", ctx, fragment="customers/_results.html")


@router.get("/customers/export.xlsx", include_in_schema=False)
def page_export(request: Request, session: DbSession,
                actor: Actor = Depends(require("customers.read")),
                q: str = Query("", max_length=200), segment: str = "",
                priority: str = "") -> Response:
    rows = search.export_customers(session, actor, q, segment or None, _flag(priority),
                                    _hours(request))
    return Response(
        export.customers_xlsx(rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="pelanggan.xlsx"'})


def _form_page(request: Request, template: str, ctx: dict[str, Any],
               status_code: int = 200) -> HTMLResponse:
    return render(request, template, {"nav": "customers", **_choices(), **ctx},
                  status_code=status_code)


@router.get("/customers/new", include_in_schema=False)
def page_new(request: Request, actor: Actor = Depends(require("customers.write"))) -> HTMLResponse:
    return _form_page(request, "customers/new.html", {"form": {}, "error": None})


@router.post("/customers/new", include_in_schema=False, response_model=None)
def page_create(request: Request, session: DbSession,
                actor: Actor = Depends(require("customers.write")),
                external_id: str = Form(""), name: str = Form(""), segment: str = Form(""),
                city: str = Form(""), address: str = Form(""), priority: str = Form(""),
                priority_reason: str = Form(""), notes: str = Form(""),
                contact_kind: list[str] = Form([]), contact_value: list[str] = Form([]),
                service_id: list[str] = Form([]), product: list[str] = Form([]),
                service_description: list[str] = Form([])) -> Response:
    form: dict[str, Any] = {
        "external_id": external_id, "name": name, "segment": segment, "city": city,
        "address": address, "priority": bool(priority), "priority_reason": priority_reason,
        "notes": notes}
    contacts = [service.NewContact(k, v) for k, v in zip(contact_kind, contact_value,
                                                         strict=False) if v.strip()]
    services = [service.NewService(s, p, d) for s, p, d in zip(
        service_id, product, service_description + [""] * len(service_id), strict=False)
        if s.strip()]
    try:
        customer = service.create_customer(
            session, actor, external_id=external_id, name=name, segment=segment, city=city,
            address=address, priority=bool(priority), priority_reason=priority_reason,
            notes=notes, contacts=contacts, services=services)
    except SigapError as exc:
        session.rollback()
        return _form_page(request, "customers/new.html", {"form": form, "error": exc},
                          status_code=exc.status_code)
    return RedirectResponse(f"/customers/{customer.id}", status_code=303)


@router.get("/customers/import", include_in_schema=False)
def page_import(request: Request,
                actor: Actor = Depends(require("customers.import"))) -> HTMLResponse:
    return _form_page(request, "customers/import.html", {"report": None, "error": None})


@router.post("/customers/import", include_in_schema=False)
def page_import_run(request: Request, session: DbSession,
                    actor: Actor = Depends(require("customers.import")),
                    file: UploadFile | None = File(None)) -> HTMLResponse:
    try:
        if file is None or not file.filename:
            raise InvalidInput("Pilih berkas CSV atau XLSX.", field="file")
        data = file.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput("Berkas terlalu besar (maksimal 50 MB).", field="file")
        report = importer.import_customers(session, file.filename, data)
    except SigapError as exc:
        session.rollback()
        return _form_page(request, "customers/import.html", {"report": None, "error": exc},
                          status_code=exc.status_code)
    return _form_page(request, "customers/import.html", {"report": report, "error": None})


@router.get("/customers/{customer_id}", include_in_schema=False)
def page_360(customer_id: int, request: Request, session: DbSession,
             actor: Actor = Depends(require("customers.read"))) -> HTMLResponse:
    view = service.customer_360(session, actor, customer_id, _hours(request))
    return render(request, "customers/detail.html",
                  {"nav": "customers", "v": view, "c": view.customer, "age": _age})


def _edit_page(request: Request, session: DbSession, actor: Actor, customer_id: int,
               error: SigapError | None = None, form: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    customer = service.get_customer(session, actor, customer_id, _hours(request))
    return _form_page(request, "customers/edit.html",
                      {"c": customer, "form": form, "error": error}, status_code=status_code)


@router.get("/customers/{customer_id}/edit", include_in_schema=False)
def page_edit(customer_id: int, request: Request, session: DbSession,
              actor: Actor = Depends(require("customers.write"))) -> HTMLResponse:
    return _edit_page(request, session, actor, customer_id)


@router.post("/customers/{customer_id}/edit", include_in_schema=False, response_model=None)
def page_update(customer_id: int, request: Request, session: DbSession,
                actor: Actor = Depends(require("customers.write")),
                external_id: str = Form(""), name: str = Form(""), segment: str = Form(""),
                city: str = Form(""), address: str = Form(""), priority: str = Form(""),
                priority_reason: str = Form(""), notes: str = Form("")) -> Response:
    form = {"external_id": external_id, "name": name, "segment": segment, "city": city,
            "address": address, "priority": bool(priority), "priority_reason": priority_reason,
            "notes": notes}
    try:
        service.update_customer(session, actor, customer_id, _hours(request), form)
    except SigapError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _edit_page(request, session, actor, customer_id, exc, form, exc.status_code)
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/customers/{customer_id}/contacts", include_in_schema=False, response_model=None)
def page_add_contact(customer_id: int, request: Request, session: DbSession,
                     actor: Actor = Depends(require("customers.write")),
                     kind: str = Form(""), value: str = Form(""),
                     label: str = Form("")) -> Response:
    try:
        service.add_contact(session, actor, customer_id, _hours(request), kind, value, label)
    except SigapError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _edit_page(request, session, actor, customer_id, exc, None, exc.status_code)
    return RedirectResponse(f"/customers/{customer_id}/edit", status_code=303)


@router.post("/customers/{customer_id}/contacts/{contact_id}/delete", include_in_schema=False)
def page_remove_contact(customer_id: int, contact_id: int, request: Request,
                        session: DbSession,
                        actor: Actor = Depends(require("customers.write"))) -> RedirectResponse:
    service.remove_contact(session, actor, customer_id, _hours(request), contact_id)
    return RedirectResponse(f"/customers/{customer_id}/edit", status_code=303)


@router.post("/customers/{customer_id}/services", include_in_schema=False, response_model=None)
def page_add_service(customer_id: int, request: Request, session: DbSession,
                     actor: Actor = Depends(require("customers.write")),
                     service_id: str = Form(""), product: str = Form(""),
                     description: str = Form("")) -> Response:
    try:
        service.add_service(session, actor, customer_id, _hours(request),
                            service.NewService(service_id, product, description))
    except SigapError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _edit_page(request, session, actor, customer_id, exc, None, exc.status_code)
    return RedirectResponse(f"/customers/{customer_id}/edit", status_code=303)


@router.post("/customers/{customer_id}/services/{service_pk}", include_in_schema=False)
def page_toggle_service(customer_id: int, service_pk: int, request: Request,
                        session: DbSession, actor: Actor = Depends(require("customers.write")),
                        active: str = Form("")) -> RedirectResponse:
    service.update_service(session, actor, customer_id, _hours(request), service_pk,
                           {"active": bool(active)})
    return RedirectResponse(f"/customers/{customer_id}/edit", status_code=303)
