"""Running remit in production (docs/operations.md): health probes and the metrics scrape
(``health``), Prometheus metrics (``metrics``), logs (``logs``), the request observer the
conventions middleware calls (``requests``) and ``remit check`` (``check``)."""
