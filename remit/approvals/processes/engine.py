"""Matching a submitted payable to a policy, starting its process, and advancing it when an
approval request changes: the only bridge between the script language and the database
(docs/architecture.md, "The approval script package").

Everything runs in the transaction of the request that caused it. Row locks are taken in one
order — payable, then process, then approval request — so concurrent approvals and manual
decisions queue instead of deadlocking; SQLite serialises writers anyway.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from remit.approvals import script as lang
from remit.approvals import snapshot
from remit.approvals.lifecycle import (
    ACTIVE_PROCESS,
    PROCESSES,
    REQUESTS,
    ApprovalRequestStatus,
    ProcessStatus,
    StepStatus,
    process_events,
)
from remit.approvals.models import ApprovalPolicy, ApprovalProcess, ApprovalRequest, ApprovalRequestAssignee
from remit.approvals.processes.cache import Candidate
from remit.core import clock, lifecycle
from remit.core.context import RequestContext
from remit.core.events import record_change
from remit.core.hooks import Change
from remit.entities.models import settings_of
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser
from remit.payables.errors import InvalidPayableTransition
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.models import Payable
from remit.payables.repository import PayableRepository
from remit.payables.service import transitions as payable_transitions
from remit.payables.service.common import emit as emit_payable
from remit.runtime import runtime_of

# -- parsed policies, cached by the runtime (``cache.PolicyCache``) --------------------------


def parsed_trigger(session: Session, policy_id: uuid.UUID, version: datetime) -> lang.Trigger:
    return runtime_of(session).policies.triggers.get_or_build((policy_id, version), lambda: lang.parse_trigger(
        session.scalar(select(ApprovalPolicy.trigger).where(ApprovalPolicy.id == policy_id))
    ))


def parsed_script(session: Session, policy: ApprovalPolicy) -> lang.Script:
    return runtime_of(session).policies.scripts.get_or_build(
        (policy.id, policy.updated_at), lambda: lang.parse_script(policy.script)
    )


def actor_id(ctx: RequestContext) -> uuid.UUID:
    """Who acts: the entity user, or the partner credential's client id (docs/approvals.md, "Policies")."""
    return ctx.entity_user_id or ctx.principal.client_id


def system(ctx: RequestContext) -> RequestContext:
    """The approval flow acts with full rights, in the name of the user whose action moved it."""
    return dataclasses.replace(ctx, permissions=None)


def environment(session: Session, payable: Payable, ctx: RequestContext) -> lang.Environment:
    settings = settings_of(session, payable.entity_id)
    return lang.Environment(
        context=snapshot.context(session, payable, PayableRepository(session, ctx)),
        convert=snapshot.converter(settings),
    )


# -- matching ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Match:
    policy_id: uuid.UUID | None
    tied: list[uuid.UUID]


# Per entity: the active policies, best priority first, with a fingerprint of the policies table
# (number of active policies, latest change of any policy). Every policy write sets updated_at,
# so one aggregate query tells whether the list is still current.
_FINGERPRINT = select(
    func.count().filter(ApprovalPolicy.status == "active"),
    func.max(ApprovalPolicy.updated_at),
).where(ApprovalPolicy.entity_id == bindparam("entity_id", type_=ApprovalPolicy.entity_id.type))
_ACTIVE = (
    select(ApprovalPolicy.id, ApprovalPolicy.updated_at, ApprovalPolicy.priority, ApprovalPolicy.starts_at,
           ApprovalPolicy.ends_at)
    .where(ApprovalPolicy.entity_id == bindparam("entity_id", type_=ApprovalPolicy.entity_id.type),
           ApprovalPolicy.status == "active")
    .order_by(ApprovalPolicy.priority.desc(), ApprovalPolicy.created_at, ApprovalPolicy.id)
)


def _active_policies(session: Session, entity_id: uuid.UUID) -> list[Candidate]:
    connection = session.connection()
    cache = runtime_of(session).policies.candidates
    fingerprint = tuple(connection.execute(_FINGERPRINT, {"entity_id": entity_id}).one())
    cached = cache.get(entity_id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = connection.execute(_ACTIVE, {"entity_id": entity_id}).all()
    candidates = [Candidate(*row) for row in rows]
    cache.put(entity_id, (fingerprint, candidates))
    return candidates


def select_policy(session: Session, ctx: RequestContext, env: lang.Environment | Callable[[], lang.Environment], *,
                  only: uuid.UUID | None = None) -> Match:
    """The active policy whose trigger matches, by priority; a tie at the top applies none
    (docs/approvals.md, "Matching a payable to a policy").

    ``env`` may be a function: the payable's snapshot is then only built if a candidate exists.
    """
    now = clock.now()
    matched: list[uuid.UUID] = []
    top: int | None = None
    for candidate in _active_policies(session, ctx.scoped_entity_id):
        if only is not None and candidate.policy_id != only:
            continue
        if (candidate.starts_at is not None and candidate.starts_at > now) or (
            candidate.ends_at is not None and candidate.ends_at <= now
        ):
            continue  # outside its window
        if top is not None and candidate.priority < top:
            break  # lower priorities can no longer win
        if callable(env):
            env = env()
        try:
            hit = lang.evaluate_trigger(parsed_trigger(session, candidate.policy_id, candidate.version), env)
        except (lang.EvaluationError, lang.ScriptError):
            hit = False  # a trigger that cannot be evaluated does not match
        if hit:
            matched.append(candidate.policy_id)
            top = candidate.priority
    if len(matched) == 1:
        return Match(matched[0], matched)
    return Match(None, matched)


def on_submitted(change: Change[Payable]) -> None:
    """After ``SUBMIT_FOR_APPROVAL``: find the policy and start its process."""
    session, ctx, payable = change.session, change.ctx, change.obj
    if settings_of(session, payable.entity_id).get("payables_skip_approval_flow"):
        return
    built: list[lang.Environment] = []

    def env() -> lang.Environment:
        built.append(environment(session, payable, ctx))
        return built[0]

    match = select_policy(session, ctx, env)
    if match.policy_id is None:
        if len(match.tied) > 1:
            emit_payable(session, payable, "multiple_approval_policies_matched")
        return
    start(session, ctx, payable, session.get_one(ApprovalPolicy, match.policy_id), built[0], actor=actor_id(ctx))


def catch_up(session: Session, ctx: RequestContext) -> None:
    """After a policy is created or activated: payables waiting without a policy get one
    (docs/approvals.md, "Catch-up")."""
    waiting = session.scalars(
        PayableRepository(session, ctx).base().where(
            Payable.status == PayableStateEnum.approve_in_progress,
            Payable.approval_policy_id.is_(None),
            ~select(ApprovalProcess.id).where(ApprovalProcess.payable_id == Payable.id).exists(),
        ).with_for_update()
    ).all()
    for payable in waiting:
        env = environment(session, payable, ctx)
        match = select_policy(session, ctx, env)
        if match.policy_id is not None:
            start(session, ctx, payable, session.get_one(ApprovalPolicy, match.policy_id), env, actor=actor_id(ctx))


# -- running a process ------------------------------------------------------------------------


def start(session: Session, ctx: RequestContext, payable: Payable, policy: ApprovalPolicy,
          env: lang.Environment, *, actor: uuid.UUID) -> ApprovalProcess:
    payable.approval_policy_id = policy.id
    process = ApprovalProcess(
        id=uuid.uuid4(),
        entity_id=payable.entity_id,
        policy_id=policy.id,
        payable_id=payable.id,
        status=ProcessStatus.running,
        input=env.context,
        meta={"object_type": "payable", "object_id": str(payable.id), "approval_policy_id": str(policy.id)},
        script_snapshot=policy.script,
        gates=[],
        created_by=actor,
        updated_by=actor,
    )
    session.add(process)
    session.flush()
    record_change(session, entity_id=process.entity_id, object_type="approval_policy_process",
                  event_type="created", object_id=process.id)
    try:
        script = parsed_script(session, policy)
        process.gates = [
            {"location": g.location, "user_ids": list(g.user_ids), "role_ids": list(g.role_ids),
             "required_approval_count": g.required_approval_count, "status": StepStatus.not_started,
             "approval_request_id": None}
            for g in lang.gates(script, env)
        ]
    except (lang.EvaluationError, lang.ScriptError) as exc:
        _fail(session, ctx, process, str(exc), getattr(exc, "location", None))
        return process
    advance(session, ctx, process, payable)
    return process


# What the interpreter reads from the status of a gate's approval request.
_GATE_RESULTS: dict[str, lang.GateResult] = {
    ApprovalRequestStatus.waiting: "pending",
    ApprovalRequestStatus.approved: "true",
    ApprovalRequestStatus.rejected: "false",
    ApprovalRequestStatus.canceled: "skipped",
}


def advance(session: Session, ctx: RequestContext, process: ApprovalProcess, payable: Payable, *,
            approver: uuid.UUID | None = None) -> None:
    """Re-run the script with the requests' outcomes and carry out its plan
    (docs/approvals-script.md, "Driving a process").

    ``approver`` is the user whose approval resumed the process (None at start or after a rejection):
    ``Payables.mark_as_paid`` records them as ``marked_as_paid_by_entity_user_id``.
    """
    policy_script = lang.parse_script(process.script_snapshot)
    env = lang.Environment(context=process.input, convert=snapshot.converter(settings_of(session, payable.entity_id)))
    requests = requests_of(session, process)
    results: dict[str, lang.GateResult] = {}
    for gate in process.gates:
        request = requests.get(gate["approval_request_id"])
        if request is not None:
            results[gate["location"]] = _GATE_RESULTS[request.status]
        elif gate["status"] == StepStatus.skipped:
            results[gate["location"]] = "skipped"
    try:
        plan = lang.run(policy_script, env, gate_results=results, state=process.state, payable_status=payable.status)
        _carry_out(session, ctx, process, payable, plan, requests, approver=approver)
    except lang.EvaluationError as exc:
        _fail(session, ctx, process, exc.message, exc.location)
    except InvalidPayableTransition as exc:
        _fail(session, ctx, process, str(exc), None)


def _carry_out(session: Session, ctx: RequestContext, process: ApprovalProcess, payable: Payable,
               plan: lang.Plan, requests: dict[str, ApprovalRequest], *,
               approver: uuid.UUID | None = None) -> None:
    gates = {g["location"]: dict(g) for g in process.gates}
    for location in plan.open:
        gate = gates[location]
        _check_assignees(session, process.entity_id, gate, location)
        opened = _create_request(session, process, gate, location)
        gate.update(status=StepStatus.waiting, approval_request_id=str(opened.id))
    for location in plan.cancel:
        gate = gates[location]
        request = requests.get(gate["approval_request_id"])
        if request is not None and request.status == ApprovalRequestStatus.waiting:
            move_request(session, ctx, request, "cancel")
            gate["status"] = StepStatus.canceled
    for location in plan.skip:
        if gates[location]["status"] == StepStatus.not_started:
            gates[location]["status"] = StepStatus.skipped
    for gate in gates.values():  # reflect requests decided by this call
        request = requests.get(gate["approval_request_id"])
        if request is not None and request.status in (ApprovalRequestStatus.approved, ApprovalRequestStatus.rejected):
            gate["status"] = request.status
    process.gates = [gates[g["location"]] for g in process.gates]
    process.state = plan.state
    process.updated_by = actor_id(ctx)
    acting = system(ctx)
    for action in plan.actions:
        payable_transitions.decide_by_policy(session, acting, payable, action.kind, comment=action.comment,
                                             paid_by=approver)
    if plan.finished:
        if plan.decision and payable.status == PayableStateEnum.approve_in_progress:
            payable_transitions.decide_by_policy(session, acting, payable, plan.decision)
        move_process(session, ctx, process, "succeed")
    elif process.status == ProcessStatus.running:
        move_process(session, ctx, process, "wait")
    else:
        process.updated_at = clock.now()
        session.flush()


def _fail(session: Session, ctx: RequestContext, process: ApprovalProcess, message: str, location: str | None) -> None:
    """A runtime error (docs/approvals.md, "Run-time errors"): the process fails, its waiting
    requests are canceled."""
    requests = requests_of(session, process)
    # A request created earlier in the same run (a gate opened before the failing one) is not yet
    # recorded in ``process.gates``: find it by its gate location so it is canceled too.
    by_location = {r.gate_location: r for r in requests.values() if r.gate_location}
    gates = []
    for gate in process.gates:
        gate = dict(gate)
        request = requests.get(gate["approval_request_id"]) or by_location.get(gate["location"])
        if request is not None:
            gate["approval_request_id"] = str(request.id)
        if request is not None and request.status == ApprovalRequestStatus.waiting:
            move_request(session, ctx, request, "cancel")
            gate["status"] = StepStatus.canceled
        if gate["location"] == location:
            gate["status"] = StepStatus.failed
        gates.append(gate)
    process.gates = gates
    process.error = {"message": message, "location": location}
    move_process(session, ctx, process, "fail")


def cancel_process(session: Session, ctx: RequestContext, process: ApprovalProcess) -> None:
    """Stop a process: waiting requests canceled, open steps canceled, the payable untouched
    (docs/approvals.md, "Processes and steps")."""
    requests = requests_of(session, process)
    gates = []
    for gate in process.gates:
        gate = dict(gate)
        request = requests.get(gate["approval_request_id"])
        if request is not None and request.status == ApprovalRequestStatus.waiting:
            move_request(session, ctx, request, "cancel")
        if gate["status"] in (StepStatus.waiting, StepStatus.not_started):
            gate["status"] = StepStatus.canceled
        gates.append(gate)
    process.gates = gates
    process.updated_by = actor_id(ctx)
    move_process(session, ctx, process, "cancel")


def on_manual_decision(change: Change[Payable]) -> None:
    """After the manual ``APPROVE_PAYMENT_OPERATION`` or ``REJECT``: a running process stops."""
    session, ctx, payable = change.session, change.ctx, change.obj
    if payable.approval_policy_id is None:
        return  # a process always sets the payable's policy, and only reopen clears it
    for process in session.scalars(
        select(ApprovalProcess).where(
            ApprovalProcess.entity_id == payable.entity_id,
            ApprovalProcess.payable_id == payable.id,
            ApprovalProcess.status.in_(ACTIVE_PROCESS),
        ).with_for_update()
    ):
        cancel_process(session, ctx, process)


# -- requests and transitions -----------------------------------------------------------------


def requests_of(session: Session, process: ApprovalProcess) -> dict[str, ApprovalRequest]:
    """The process's approval requests by id, as the text a gate stores."""
    rows = session.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.entity_id == process.entity_id, ApprovalRequest.process_id == process.id
        )
    )
    return {str(r.id): r for r in rows}


def _check_assignees(session: Session, entity_id: uuid.UUID, gate: dict[str, Any], location: str) -> None:
    """Run-time check (docs/approvals.md, "Run-time errors"): listed users must be active, listed
    roles must exist."""
    for user_id in gate["user_ids"]:
        status = session.scalar(select(EntityUser.status).where(
            EntityUser.id == uuid.UUID(user_id), EntityUser.entity_id == entity_id))
        if status != "active":
            raise lang.EvaluationError(f"Entity user {user_id} does not exist or is not active", location)
    for role_id in gate["role_ids"]:
        status = session.scalar(select(Role.status).where(Role.id == uuid.UUID(role_id), Role.entity_id == entity_id))
        if status != "active":
            raise lang.EvaluationError(f"Role {role_id} does not exist", location)


def _create_request(session: Session, process: ApprovalProcess, gate: dict[str, Any], location: str) -> ApprovalRequest:
    assert process.created_by is not None  # ``start`` names the actor of every process
    request = new_request(
        session,
        entity_id=process.entity_id,
        object_id=process.payable_id,
        user_ids=gate["user_ids"],
        role_ids=gate["role_ids"],
        required_approval_count=gate["required_approval_count"],
        created_by=process.created_by,
    )
    request.process_id = process.id
    request.gate_location = location
    session.flush()
    return request


def new_request(session: Session, *, entity_id: uuid.UUID, object_id: uuid.UUID, user_ids: list[str],
                role_ids: list[str], required_approval_count: int, created_by: uuid.UUID) -> ApprovalRequest:
    request = ApprovalRequest(
        id=uuid.uuid4(),
        entity_id=entity_id,
        object_type="payable",
        object_id=object_id,
        user_ids=[str(u) for u in user_ids],
        role_ids=[str(r) for r in role_ids],
        required_approval_count=required_approval_count,
        approved_by=[],
        status=ApprovalRequestStatus.waiting,
        created_by=created_by,
    )
    session.add(request)
    session.add_all(
        [ApprovalRequestAssignee(request_id=request.id, kind="user", assignee_id=uuid.UUID(str(u))) for u in user_ids]
        + [ApprovalRequestAssignee(request_id=request.id, kind="role", assignee_id=uuid.UUID(str(r))) for r in role_ids]
    )
    session.flush()
    record_change(session, entity_id=entity_id, object_type="approval_request", event_type="created",
                  object_id=request.id)
    return request


REQUEST_LIFECYCLE = lifecycle.Lifecycle(REQUESTS, ApprovalRequest)
PROCESS_LIFECYCLE = lifecycle.Lifecycle(PROCESSES, ApprovalProcess, events=process_events)


def move_request(session: Session, ctx: RequestContext, request: ApprovalRequest, action: str,
                 values: dict[str, Any] | None = None) -> None:
    REQUEST_LIFECYCLE.apply(session, ctx, request, action, values=values)


def move_process(session: Session, ctx: RequestContext, process: ApprovalProcess, action: str) -> None:
    session.flush()
    PROCESS_LIFECYCLE.apply(session, ctx, process, action, values={"updated_by": process.updated_by})
