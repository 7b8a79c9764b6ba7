"""``remit check``: the settings and the database, checked before a deployment (docs/operations.md).

Each finding is one line: ``ok``, ``warning`` (works, but probably not what production wants) or
``problem`` (remit will not work as configured). The exit status is 1 when there is a problem.
Nothing is changed: the command reads, it never migrates or writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from remit.config import Settings

MIN_SECRET_LENGTH = 32


@dataclass
class Report:
    lines: list[tuple[str, str]] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(("ok", text))

    def warning(self, text: str) -> None:
        self.lines.append(("warning", text))

    def problem(self, text: str) -> None:
        self.lines.append(("problem", text))

    @property
    def failed(self) -> bool:
        return any(kind == "problem" for kind, _ in self.lines)

    def render(self) -> str:
        return "\n".join(f"{kind:<8} {text}" for kind, text in self.lines)


def check(settings: Settings) -> Report:
    report = Report()
    _settings(settings, report)
    _database(settings, report)
    _rate_limit_storage(settings, report)
    return report


def _settings(settings: Settings, report: Report) -> None:
    shared = not settings.is_sqlite
    if settings.secret_key and len(settings.secret_key) < MIN_SECRET_LENGTH:
        report.problem(f"REMIT_SECRET_KEY is {len(settings.secret_key)} characters; use at least {MIN_SECRET_LENGTH} "
                       "random ones (openssl rand -hex 32)")
    elif not settings.secret_key and shared:
        report.warning("REMIT_SECRET_KEY is unset: every process uses the key stored in the database on first start; "
                       "set the same value on every server to keep it out of the database")
    if shared and settings.rate_limit != "off" and settings.rate_limit_storage.startswith("memory://"):
        report.warning("REMIT_RATE_LIMIT_STORAGE is memory://: with several processes each counts on its own; "
                       "share one store (redis://…)")
    if settings.allow_insecure_webhook_urls:
        report.warning("REMIT_ALLOW_INSECURE_WEBHOOK_URLS is on: webhooks may be sent over plain http://")
    if settings.webhook_allow_private_urls:
        report.warning("REMIT_WEBHOOK_ALLOW_PRIVATE_URLS is on: webhooks may reach loopback and internal addresses")
    if shared and settings.public_url.startswith(("http://127.0.0.1", "http://localhost")):
        report.warning(f"REMIT_PUBLIC_URL is {settings.public_url}: file download URLs will point at this machine")
    if settings.metrics_enabled and settings.metrics_port is None:
        report.ok("metrics at /metrics on the API's port (REMIT_METRICS_PORT moves them off it)")


def _database(settings: Settings, report: Report) -> None:
    from sqlalchemy import create_engine, pool, text

    from remit.core.db.engine import normalise_url

    engine = create_engine(normalise_url(settings.database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        report.problem(f"the database at REMIT_DATABASE_URL cannot be reached: {type(exc).__name__}: "
                       f"{str(exc).splitlines()[0] if str(exc) else ''}")
        engine.dispose()
        return
    report.ok(f"the database answers ({engine.dialect.name})")
    try:
        _schema(settings, engine, report)
    finally:
        engine.dispose()


def _schema(settings: Settings, engine: object, report: Report) -> None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import Engine, select

    from remit.operations.health import migration_heads

    assert isinstance(engine, Engine)
    heads = migration_heads()
    with engine.connect() as connection:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        if not current:
            report.problem("the database has no remit schema: run `remit migrate` (or `remit serve`, which migrates)")
        elif current - heads:
            report.problem(f"the database is at revision {', '.join(sorted(current))}, which this remit does not know: "
                           "it was migrated by a newer remit")
        else:
            report.problem(f"the database is at revision {', '.join(sorted(current))}, this remit needs "
                           f"{', '.join(sorted(heads))}: run `remit migrate`")
        return
    report.ok("the schema is at this remit's latest migration")

    from cryptography.fernet import InvalidToken

    from remit.auth.models import ServerSecret
    from remit.auth.service import SIGNING_KEY
    from remit.webhooks.models import WebhookSubscription
    from remit.webhooks.secrets import SecretBox

    with engine.connect() as connection:
        stored = connection.execute(select(ServerSecret.value).where(ServerSecret.name == SIGNING_KEY)).scalar()
        sealed = list(connection.execute(select(WebhookSubscription.secret_encrypted).limit(100)).scalars())
    secret = settings.secret_key or stored
    if settings.secret_key and stored and stored != settings.secret_key:
        report.warning("REMIT_SECRET_KEY differs from the key stored in the database: a process started without "
                       "REMIT_SECRET_KEY signs with the stored one, and the two refuse each other's tokens")
    if secret is None:
        report.ok("no signing key yet: the first `remit serve` stores one (set REMIT_SECRET_KEY to choose it)")
        return
    box = SecretBox(secret)
    unreadable = 0
    for value in sealed:
        try:
            box.open(value)
        except InvalidToken:
            unreadable += 1
    if unreadable:
        report.problem(f"{unreadable} of {len(sealed)} webhook subscriptions were sealed under another secret key: "
                       "their deliveries fail until REMIT_SECRET_KEY is the key they were created with")
    else:
        report.ok("the secret key opens the webhook subscriptions' secrets")


def _rate_limit_storage(settings: Settings, report: Report) -> None:
    if settings.rate_limit == "off" or settings.rate_limit_storage.startswith("memory://"):
        return
    from limits import storage

    try:
        reachable = storage.storage_from_string(settings.rate_limit_storage).check()
    except Exception as exc:
        report.problem(f"REMIT_RATE_LIMIT_STORAGE cannot be used: {type(exc).__name__}: {exc}")
        return
    if reachable:
        report.ok("the rate-limit store answers")
    else:
        report.problem(f"the rate-limit store at REMIT_RATE_LIMIT_STORAGE does not answer ({settings.rate_limit_storage})")


def main(settings_of: Callable[[], Settings]) -> int:
    """Print the report; 1 when there is a problem (settings that do not even load included)."""
    from pydantic import ValidationError

    try:
        settings = settings_of()
    except ValidationError as exc:
        for error in exc.errors():
            name = "REMIT_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"{'problem':<8} {name}: {error['msg']}")
        return 1
    report = check(settings)
    print(report.render())
    print("remit check: " + ("problems found" if report.failed else "no problem found"))
    return 1 if report.failed else 0
