"""Compatibility routes that speak other billing systems' request and response formats on top of
remit's own services (``/v1/compat/...``; docs/compat-crm.md). They answer in their own envelopes,
read their own bodies and need no ``x-monite-version`` header (``core.middleware.OWN_FORMAT``)."""
