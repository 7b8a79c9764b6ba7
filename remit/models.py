"""Every domain's models, imported so that Alembic and the schema test see one metadata."""

from remit.auth.models import Partner, PartnerCredential, RevokedToken, ServerSecret
from remit.core.base import Base
from remit.entities.models import Entity, EntitySettings, EntityVatId
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser
from remit.events.models import Event

metadata = Base.metadata

__all__ = [
    "Base",
    "Entity",
    "EntitySettings",
    "EntityUser",
    "EntityVatId",
    "Event",
    "Partner",
    "PartnerCredential",
    "RevokedToken",
    "Role",
    "ServerSecret",
    "metadata",
]
