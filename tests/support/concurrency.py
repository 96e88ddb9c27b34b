"""Running calls at the same moment, each on its own thread and database connection: the
races the services must survive (favorites, counters, sign-ups)."""

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def in_parallel(
    calls: Sequence[Callable[[], T]], *, start_together: bool = False, timeout: float = 60
) -> list[T]:
    """Each call's answer, in order. With `start_together` no call starts before every thread
    is up (a barrier: each holds a connection meanwhile, so keep those few). Each thread closes
    its connections when done; the first error raised is raised here, after all end."""
    start = threading.Barrier(len(calls) if start_together else 1)
    answers: list[T | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], T]) -> None:
        try:
            start.wait()
            answers[index] = call()
        except BaseException as error:  # raised in the test's thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return answers  # type: ignore[return-value]  # every call answered
