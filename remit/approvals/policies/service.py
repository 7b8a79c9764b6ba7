"""Approval policies: CRUD with the trigger and script parsed on write (docs/approvals.md, "Policies")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from remit.approvals import script as lang
from remit.approvals.errors import PolicyNotFound, ScriptValidationError
from remit.approvals.models import ApprovalPolicy, ApprovalProcess
from remit.approvals.policies import schemas
from remit.approvals.processes import engine
from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.core.events import record_change
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser
from remit.payables.repository import PayableRepository

OBJECT = "approval_policy"


class PolicyRepository(EntityScopedRepository[ApprovalPolicy]):
    model = ApprovalPolicy

    def base(self):
        return super().base().where(ApprovalPolicy.status != "deleted")

    def get(self, policy_id: uuid.UUID) -> ApprovalPolicy:
        policy = self.find(policy_id)
        if policy is None:
            raise PolicyNotFound(policy_id)
        return policy

    def get_any(self, policy_id: uuid.UUID) -> ApprovalPolicy:
        """Also a soft-deleted policy: its processes stay observable (docs/approvals.md, "Policies")."""
        policy = self.session.scalars(
            select(ApprovalPolicy).where(ApprovalPolicy.entity_id == self.entity_id, ApprovalPolicy.id == policy_id)
        ).first()
        if policy is None:
            raise PolicyNotFound(policy_id)
        return policy


paginator = Paginator(
    endpoint="GET /approval_policies",
    query_model=schemas.ApprovalPolicyListQuery,
    id_column=ApprovalPolicy.id,
    sort_columns={"created_at": ApprovalPolicy.created_at, "updated_at": ApprovalPolicy.updated_at},
    custom_filters={
        "process_id": lambda v: exists().where(ApprovalProcess.policy_id == ApprovalPolicy.id, ApprovalProcess.id == v),
    },
)


def _validate(session: Session, ctx: RequestContext, *, trigger: Any = ..., script: Any = ...) -> None:
    errors: list[str] = []
    if trigger is not ...:
        try:
            lang.parse_trigger(trigger)
        except lang.ScriptError as exc:
            errors.extend(f"trigger{e}" if e.startswith(("[", ".")) else e for e in exc.errors)
    if script is not ...:
        entity_id = ctx.scoped_entity_id
        users = {str(u) for u in session.scalars(
            select(EntityUser.id).where(EntityUser.entity_id == entity_id, EntityUser.status == "active"))}
        roles = {str(r) for r in session.scalars(
            select(Role.id).where(Role.entity_id == entity_id, Role.status == "active"))}
        try:
            lang.parse_script(script, known_user_ids=users, known_role_ids=roles)
        except lang.ScriptError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ScriptValidationError("; ".join(errors))


def _check_window(policy: ApprovalPolicy) -> None:
    if policy.ends_at is not None and (policy.starts_at is None or policy.ends_at <= policy.starts_at):
        raise FieldError(("body", "ends_at"), "ends_at requires starts_at and must be later than it")


def create_policy(session: Session, ctx: RequestContext, *, payload: schemas.ApprovalPolicyCreate) -> ApprovalPolicy:
    ctx.check(OBJECT, "create")
    _validate(session, ctx, trigger=payload.trigger, script=payload.script)
    actor = engine.actor_id(ctx)
    policy = ApprovalPolicy(
        name=payload.name,
        description=payload.description,
        trigger=payload.trigger,
        script=payload.script,
        status="active",
        priority=payload.priority,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        created_by=actor,
        updated_by=actor,
    )
    _check_window(policy)
    PolicyRepository(session, ctx).add(policy)
    record_change(session, entity_id=policy.entity_id, object_type=OBJECT, event_type="created", object_id=policy.id)
    engine.catch_up(session, ctx)
    return policy


def list_policies(session: Session, ctx: RequestContext, *, query: schemas.ApprovalPolicyListQuery) -> Page:
    ctx.check(OBJECT, "read")
    stmt = PolicyRepository(session, ctx).base()
    own = ctx.own_filter(OBJECT)
    if own is not None:
        stmt = stmt.where(ApprovalPolicy.created_by == own)
    return paginator.paginate(session, stmt, query, scope=str(ctx.scoped_entity_id))


def get_policy(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID) -> ApprovalPolicy:
    policy = PolicyRepository(session, ctx).get(policy_id)
    ctx.check(OBJECT, "read", owner_id=policy.created_by)
    return policy


def update_policy(
    session: Session, ctx: RequestContext, *, policy_id: uuid.UUID, payload: schemas.ApprovalPolicyUpdate,
    permission: str = "update",
) -> ApprovalPolicy:
    repo = PolicyRepository(session, ctx)
    policy = session.scalars(repo.base().where(ApprovalPolicy.id == policy_id).with_for_update()).first()
    if policy is None:
        raise PolicyNotFound(policy_id)
    ctx.check(OBJECT, permission, owner_id=policy.created_by)
    changes = payload.model_dump(exclude_unset=True)
    _validate(session, ctx, **{k: changes[k] for k in ("trigger", "script") if k in changes})
    for key, value in changes.items():
        setattr(policy, key, value)
    _check_window(policy)
    policy.updated_by = engine.actor_id(ctx)
    policy.updated_at = clock.now()
    session.flush()
    deleted = policy.status == "deleted"
    record_change(session, entity_id=policy.entity_id, object_type=OBJECT,
                  event_type="deleted" if deleted else "updated", object_id=policy.id)
    if policy.status == "active":
        engine.catch_up(session, ctx)
    return policy


def delete_policy(session: Session, ctx: RequestContext, *, policy_id: uuid.UUID) -> None:
    # DELETE needs ``approval_policy.delete``, not ``update`` (docs/approvals.md, "Permissions").
    update_policy(session, ctx, policy_id=policy_id, payload=schemas.ApprovalPolicyUpdate(status="deleted"),
                  permission="delete")


def dry_run(session: Session, ctx: RequestContext, *, payload: schemas.DryRunRequest) -> dict[str, Any]:
    """Which policy would take the payable and what its script would do first; writes nothing."""
    ctx.check(OBJECT, "read")
    ctx.check("payable", "read")
    payable = PayableRepository(session, ctx).get(payload.payable_id)
    if payload.approval_policy_id is not None:
        PolicyRepository(session, ctx).get(payload.approval_policy_id)
    env = engine.environment(session, payable, ctx)
    match = engine.select_policy(session, ctx, env, only=payload.approval_policy_id)
    result: dict[str, Any] = {
        "approval_policy_id": match.policy_id, "matched_policy_ids": match.tied, "tie": len(match.tied) > 1,
        "approval_requests": [], "actions": [], "decision": None, "finished": False,
    }
    if match.policy_id is None:
        return result
    policy = session.get_one(ApprovalPolicy, match.policy_id)
    try:
        script = engine.parsed_script(session, policy)
        gates = {g.location: g for g in lang.gates(script, env)}
        plan = lang.run(script, env, gate_results={}, state=None, payable_status="approve_in_progress")
    except lang.EvaluationError as exc:
        raise FieldError(("body", "approval_policy_id"), f"The script fails: {exc.message}") from None
    result.update(
        approval_requests=[
            {"location": loc, "user_ids": list(gates[loc].user_ids), "role_ids": list(gates[loc].role_ids),
             "required_approval_count": gates[loc].required_approval_count}
            for loc in plan.open
        ],
        actions=[{"kind": a.kind, "comment": a.comment, "location": a.location} for a in plan.actions],
        decision=plan.decision,
        finished=plan.finished,
    )
    return result
