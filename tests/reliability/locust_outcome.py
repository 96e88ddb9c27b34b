"""Loaded by locust beside loadtest/locustfile.py in the reliability scenarios (traffic.py).

It touches `<RELIABILITY_OUTCOME_FILE>.running` once every user has finished its `on_start`
(members and writers register there, which takes a few seconds of Argon2), and when the run has
stopped writes what the scenarios assert on to RELIABILITY_OUTCOME_FILE as JSON: requests sent,
p50/p99, and each failure with its error and when it was first and last seen.
"""

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locust import User, events
from locust.env import Environment

OUTCOME_FILE = Path(os.environ["RELIABILITY_OUTCOME_FILE"])
_run: dict[str, Any] = {"started": 0, "spawned": None}


def _mark_running_when_all_started() -> None:
    if _run["spawned"] is not None and _run["started"] >= _run["spawned"]:
        OUTCOME_FILE.with_suffix(".running").touch()


def _counted(on_start: Callable[[User], None]) -> Callable[[User], None]:
    @functools.wraps(on_start)
    def on_start_then_count(user: User) -> None:
        on_start(user)
        _run["started"] += 1  # one greenlet at a time: no lock needed
        _mark_running_when_all_started()

    return on_start_then_count


@events.init.add_listener
def _count_started_users(environment: Environment, **_: Any) -> None:
    _run["environment"] = environment
    for user_class in environment.user_classes:
        user_class.on_start = _counted(user_class.on_start)  # type: ignore[method-assign,assignment]


@events.spawning_complete.add_listener
def _note_spawned(user_count: int, **_: Any) -> None:
    _run["spawned"] = user_count
    _mark_running_when_all_started()


@events.quit.add_listener  # after the users have stopped, so nothing is counted later
def _write_outcome(**_: Any) -> None:
    stats = _run["environment"].stats
    outcome = {
        "sent": stats.total.num_requests,
        "p50_ms": stats.total.get_response_time_percentile(0.5),
        "p99_ms": stats.total.get_response_time_percentile(0.99),
        "requests": {entry.name: entry.num_requests for entry in stats.entries.values()},
        "failures": [error.to_dict() for error in stats.errors.values()],
    }
    OUTCOME_FILE.write_text(json.dumps(outcome))
