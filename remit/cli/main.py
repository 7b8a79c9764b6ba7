"""The ``remit`` command: serve, worker, migrate, check, partner create."""

from __future__ import annotations

import argparse
import sys
import uuid

from remit.config import get_settings


def app_factory():
    """The ASGI app for uvicorn (also its ``--factory`` target for several workers)."""
    import gc

    from remit.app import create_app

    app = create_app(get_settings())
    # Everything allocated so far lives as long as the process: keep it out of every future
    # garbage collection, and collect less often (a list page allocates thousands of objects).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    return app


def migrate() -> None:
    from remit.migrations import upgrade

    upgrade(get_settings().database_url)


def _bootstrap() -> None:
    """Signing key and the bootstrap partner credential from REMIT_CLIENT_ID/SECRET (idempotent)."""
    from remit.auth import service
    from remit.core.db import Database

    settings = get_settings()
    db = Database(settings.database_url, pool_size=1)
    try:
        with db.transaction() as session:
            service.signing_key(session, settings.secret_key)
            if settings.client_id or settings.client_secret:
                if not (settings.client_id and settings.client_secret):
                    sys.exit("remit: set both REMIT_CLIENT_ID and REMIT_CLIENT_SECRET")
                try:
                    client_id = uuid.UUID(settings.client_id)
                except ValueError:
                    sys.exit("remit: REMIT_CLIENT_ID must be a UUID")
                service.ensure_credential(
                    session, client_id=client_id, client_secret=settings.client_secret, name="bootstrap"
                )
    finally:
        db.dispose()


def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Migrate, bootstrap, and serve with uvicorn: ``workers`` processes (uvicorn's supervisor starts
    a new one when one dies; SIGHUP restarts them one by one), JSON or text logs, and on SIGTERM no
    new connections, requests in flight finished (``REMIT_SHUTDOWN_TIMEOUT_SECONDS``), then the
    background jobs' (``REMIT_WORKER_STOP_TIMEOUT_SECONDS``). Metrics of several processes share a
    directory (``PROMETHEUS_MULTIPROC_DIR``); with ``REMIT_METRICS_PORT`` this process serves them."""
    import os

    import uvicorn

    if not access_log:
        os.environ["REMIT_ACCESS_LOG"] = "false"  # read by every worker's settings
        get_settings.cache_clear()
    settings = get_settings()
    metrics_dir = None
    if settings.metrics_enabled and (workers > 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR")):
        from remit.operations.metrics import MULTIPROC_ENV, prepare_multiprocess

        owned = not os.environ.get(MULTIPROC_ENV)
        directory = prepare_multiprocess()  # before anything here imports prometheus_client
        metrics_dir = directory if owned else None
    from remit.operations import logs

    logs.configure(settings.log_format, settings.log_level)
    migrate()
    _bootstrap()
    metrics_db = None
    if settings.metrics_enabled and settings.metrics_port is not None:
        from remit.core.db import Database
        from remit.operations.metrics import serve_on_port

        metrics_db = Database(settings.database_url, pool_size=1, threads=1, checkpoint_interval=0)
        serve_on_port(settings.metrics_port, settings.metrics_host, metrics_db)
    try:
        uvicorn.run(
            "remit.cli.main:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,  # the app writes its own request line (remit.access), with the request id
            log_level=settings.log_level,
            log_config=logs.config(settings.log_format, settings.log_level),
            timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
            proxy_headers=False,
        )
    finally:
        if metrics_db is not None:
            metrics_db.dispose()
        if metrics_dir is not None:
            from remit.operations.metrics import remove_multiprocess_dir

            remove_multiprocess_dir(metrics_dir)


def worker() -> None:
    """Run the background jobs in the foreground until SIGTERM or SIGINT, then stop gracefully.

    The runtime is built as the server builds it (``remit.runtime.build``), so the jobs see the same
    settings, wiring and database. The schema must be current: migrating is ``remit serve``'s or
    ``remit migrate``'s job, and two kinds of processes migrating at once would race.
    """
    import logging
    import os
    import signal
    import threading

    from remit.migrations import is_current
    from remit.runtime import build
    from remit.worker import Runner

    settings = get_settings()
    if not is_current(settings.database_url):
        sys.exit("remit worker: the database schema is not current; run `remit migrate` (or `remit serve`) first")
    from remit.operations import logs

    logs.configure(settings.log_format, settings.log_level)
    log = logging.getLogger("remit.worker")
    runtime = build(settings)
    if settings.metrics_enabled and settings.metrics_port is not None:
        from remit.operations.metrics import serve_on_port

        serve_on_port(settings.metrics_port, settings.metrics_host, runtime.db)
    runner = Runner(runtime)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():  # a second signal: do not wait for running jobs
            log.warning("%s again: exiting now", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s: stopping (waiting up to %g s for running jobs)", signal.Signals(signum).name, runner.stop_timeout)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    log.info("remit worker running (pid %d)", os.getpid())
    try:
        while not stop.wait(1.0):  # bounded, so a signal's handler runs within a second whatever the platform
            pass
    finally:
        runner.stop()
        runtime.db.dispose()
        if settings.metrics_enabled:
            from remit.operations.metrics import process_exited

            process_exited()
        log.info("remit worker stopped")


def partner_create(name: str) -> None:
    from remit.auth import service
    from remit.core.db import Database

    migrate()
    db = Database(get_settings().database_url, pool_size=1)
    try:
        with db.transaction() as session:
            credential = service.create_partner(session, name=name)
    finally:
        db.dispose()
    print(f"partner_id:    {credential.partner_id}")
    print(f"client_id:     {credential.client_id}")
    print(f"client_secret: {credential.client_secret}")
    print("Keep the secret now: remit stores only its hash.", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="remit", description="remit: accounts payable and receivable API server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="apply pending migrations and serve the API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--workers", type=int, default=1)
    serve_cmd.add_argument("--no-access-log", dest="access_log", action="store_false")

    commands.add_parser("worker", help="run the background jobs until SIGTERM or SIGINT")
    commands.add_parser("migrate", help="apply pending database migrations")
    commands.add_parser("check", help="check the settings and the database, and say what is wrong")

    partner = commands.add_parser("partner", help="manage partners").add_subparsers(dest="partner_command", required=True)
    create = partner.add_parser("create", help="create a partner and print its client id and secret")
    create.add_argument("--name", default="partner")

    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port, args.workers, args.access_log)
    elif args.command == "worker":
        worker()
    elif args.command == "migrate":
        migrate()
    elif args.command == "check":
        from remit.operations.check import main as check

        sys.exit(check(get_settings))
    elif args.command == "partner":
        partner_create(args.name)


if __name__ == "__main__":
    main()
