"""Every domain router, mounted under /v1."""

from fastapi import APIRouter

from remit.auth.endpoints import router as auth_router
from remit.entities.endpoints import router as entities_router
from remit.entities.roles.endpoints import router as roles_router
from remit.entities.users.endpoints import router as entity_users_router

router = APIRouter(prefix="/v1")
router.include_router(auth_router)
router.include_router(entities_router)
router.include_router(entity_users_router)
router.include_router(roles_router)
