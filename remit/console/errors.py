"""What can go wrong in the console (docs/console.md, "Security model")."""

from __future__ import annotations

from remit.core.errors import Forbidden, Unauthorized


class LinkRefused(Forbidden):
    """Unknown, expired, already used, or its user no longer active: all look the same."""

    message = "This sign-in link has expired or was already used"


class NotSignedIn(Unauthorized):
    message = "Not signed in"


class CsrfRefused(Forbidden):
    message = "The form's security token is missing or wrong; reload the page and try again"
