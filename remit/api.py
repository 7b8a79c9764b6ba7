"""Every domain router. Their routes carry the /v1 prefix and are mounted flat on the app."""

from fastapi import APIRouter

from remit.approvals.policies.endpoints import router as approval_policies_router
from remit.approvals.processes.endpoints import router as approval_processes_router
from remit.approvals.requests.endpoints import router as approval_requests_router
from remit.auth.endpoints import router as auth_router
from remit.bank_accounts.endpoints import router as bank_accounts_router
from remit.compat.crm.endpoints import router as compat_crm_router
from remit.console.endpoints import router as console_router
from remit.counterparts.endpoints import router as counterparts_router
from remit.entities.endpoints import router as entities_router
from remit.entities.roles.endpoints import router as roles_router
from remit.entities.users.endpoints import router as entity_users_router
from remit.measure_units.endpoints import router as measure_units_router
from remit.payables.analytics_endpoints import router as payables_analytics_router
from remit.payables.endpoints import router as payables_router
from remit.payment_terms.endpoints import router as payment_terms_router
from remit.products.endpoints import router as products_router
from remit.receivables.endpoints import router as receivables_router
from remit.receivables.rejection_reasons.endpoints import router as rejection_reasons_router
from remit.tags.endpoints import router as tags_router
from remit.vat_rates.endpoints import router as vat_rates_router
from remit.webhooks.endpoints import router as webhooks_router

ROUTERS: tuple[APIRouter, ...] = (
    auth_router,
    entities_router,
    entity_users_router,
    roles_router,
    bank_accounts_router,
    counterparts_router,
    tags_router,
    payment_terms_router,
    vat_rates_router,
    products_router,
    measure_units_router,
    payables_router,
    payables_analytics_router,
    approval_policies_router,
    approval_processes_router,
    approval_requests_router,
    receivables_router,
    rejection_reasons_router,
    webhooks_router,
    console_router,
    compat_crm_router,
)

# All of them as one router, for tools and tests that walk the API's routes.
router = APIRouter()
for domain_router in ROUTERS:
    router.include_router(domain_router)
