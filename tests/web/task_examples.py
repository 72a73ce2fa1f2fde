"""Tasks for the tests of web/tasks: module-level, as django.tasks requires, each with a way to observe it."""

from django.tasks import task

CALLS: list[tuple] = []  # (task name, args) of every run, in order


@task
def add(a: int, b: int) -> int:
    CALLS.append(("add", (a, b)))
    return a + b


@task(max_attempts=3)
def fails_until(attempt_that_succeeds: int, marker: str) -> str:
    """Fails every attempt before `attempt_that_succeeds`; the context says which attempt this is."""
    attempt = sum(1 for name, args in CALLS if name == "fails_until" and args[1] == marker) + 1
    CALLS.append(("fails_until", (attempt_that_succeeds, marker)))
    if attempt < attempt_that_succeeds:
        raise ConnectionError(f"attempt {attempt} failed")
    return f"done on attempt {attempt}"


@task(takes_context=True)
def which_attempt(context) -> int:
    return context.attempt


def no_backoff(exception, task_result) -> float:
    return 0


not_a_task = "a module attribute that is not a task"


@task
async def add_later(a: int, b: int) -> int:
    CALLS.append(("add_later", (a, b)))
    return a + b
