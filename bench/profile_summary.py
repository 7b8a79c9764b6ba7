#!/usr/bin/env python
"""Summarise a py-spy speedscope profile (``run_me.py --profile out.json``) as text.

    python bench/profile_summary.py out.json                # hot-path categories
    python bench/profile_summary.py out.json --top 40       # + top frames, inclusive and self
    python bench/profile_summary.py out.json --top 40 --match remit/

Categories: each sample is put in the first category (in the order listed in CATEGORIES) whose
frame is on its stack; samples whose innermost application frame is remit's conventions
middleware count as the middleware's own work. ``--match`` keeps only frames whose file contains
the given text in the top lists.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable

Rule = Callable[[str, str], bool]

CATEGORIES: list[tuple[str, Rule]] = [
    ("limits MemoryStorage: starting its expiry Timer thread",
     lambda name, file: "schedule_expiry" in name),
    ("rate limiter, other (limits counters, key hashing)",
     lambda name, file: "remit/core/ratelimit.py" in file or "/limits/" in file),
    ("worker thread: Database._run (transaction, context query, service)",
     lambda name, file: name == "Database._run"),
    ("event loop: handing the call to a worker thread (anyio)",
     lambda name, file: "run_sync_in_worker_thread" in name or (name == "run_sync" and "anyio" in file)),
    ("worker thread: waking up / reporting back (anyio)",
     lambda name, file: name == "WorkerThread.run"),
    ("route matching (FastAPI _IncludedRouter / APIRoute.matches)",
     lambda name, file: name in ("_IncludedRouter.matches", "_IncludedRouter._match", "APIRouter.matches",
                                 "APIRoute.matches")),
    ("dependency solving (auth dependency, HTTPBearer, headers)",
     lambda name, file: name == "solve_dependencies"),
    ("response model validation + JSON rendering",
     lambda name, file: name in ("serialize_response", "JSONResponse.render", "JSONResponse.__init__")),
    ("uvicorn HTTP protocol (parse, write)",
     lambda name, file: "protocols/http" in file and name != "RequestResponseCycle.run_asgi"),
]
OTHER = "other framework layers (Starlette/FastAPI middleware and wrappers)"
MIDDLEWARE = "remit ConventionsMiddleware, own code"


def _is_app_frame(file: str) -> bool:
    return "site-packages" in file or "/remit/" in file


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=0, help="also list the top N frames")
    parser.add_argument("--match", default="")
    args = parser.parse_args()

    with open(args.profile) as file:
        doc = json.load(file)
    frames = doc["shared"]["frames"]
    inclusive: Counter[int] = Counter()
    self_: Counter[int] = Counter()
    per_thread: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    total = 0.0
    for profile in doc["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            total += weight
            per_thread[profile["name"]] += weight
            for index in set(stack):
                inclusive[index] += weight
            self_[stack[-1]] += weight
            named = [(frames[i]["name"], frames[i].get("file", "")) for i in stack]
            label = None
            for _name, file in reversed(named):
                if _is_app_frame(file):
                    if "remit/core/middleware.py" in file:
                        label = MIDDLEWARE
                    break
            if label is None:
                label = next((title for title, rule in CATEGORIES if any(rule(n, f) for n, f in named)), OTHER)
            categories[label] += weight

    print(f"{sum(1 for p in doc['profiles'] for s in p['samples'] if s)} samples")
    threads = Counter()
    for name, weight in per_thread.items():
        threads["event loop (MainThread)" if "MainThread" in name else
                "AnyIO worker threads" if "AnyIO" in name else "other threads (limits Timer, ...)"] += weight
    print("\nby thread:")
    for name, weight in threads.most_common():
        print(f"  {100 * weight / total:5.1f}%  {name}")
    print("\nby category:")
    for name, weight in categories.most_common():
        print(f"  {100 * weight / total:5.1f}%  {name}")
    if not args.top:
        return

    def label(index: int) -> str:
        frame = frames[index]
        file = frame.get("file", "")
        short = file.split("site-packages/")[-1] if "site-packages/" in file else file
        return f"{frame['name']} ({short}:{frame.get('line', '?')})"

    for title, counter in (("inclusive", inclusive), ("self", self_)):
        print(f"\ntop {args.top} by {title} time:")
        shown = 0
        for index, weight in counter.most_common():
            if args.match and args.match not in frames[index].get("file", ""):
                continue
            print(f"  {100 * weight / total:5.1f}%  {label(index)}")
            shown += 1
            if shown >= args.top:
                break


if __name__ == "__main__":
    main()
