"""The approval-policy language: triggers and scripts.

Pure Python and isolated from the web application: it imports only the standard library. Parse on
write (``parse_trigger``, ``parse_script`` → ``ScriptError``), evaluate over a snapshot
(``evaluate_trigger``, ``gates``, ``run`` → ``EvaluationError``). See ``docs/approvals-script.md``.
"""

from .errors import EvaluationError, ScriptError
from .evaluator import Environment, evaluate_trigger
from .interpreter import Action, Gate, GateResult, Plan, dry_run, gates, run
from .nodes import Script, Trigger
from .parser import MAX_DEPTH, MAX_GATES, MAX_NODES, MAX_STRING
from .scripts import parse_script
from .triggers import parse_trigger

__all__ = [
    "MAX_DEPTH",
    "MAX_GATES",
    "MAX_NODES",
    "MAX_STRING",
    "Action",
    "Environment",
    "EvaluationError",
    "Gate",
    "GateResult",
    "Plan",
    "Script",
    "ScriptError",
    "Trigger",
    "dry_run",
    "evaluate_trigger",
    "gates",
    "parse_script",
    "parse_trigger",
    "run",
]
