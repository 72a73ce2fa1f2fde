"""The trivial task bench/task_latency.py enqueues: a module of its own, because `@task` needs Django's settings when
its module is imported, and `python -m bench` imports every benchmark before any of them sets Django up. The
site-tasks worker imports it by its path (bench.task_echo.echo), with the repository root on PYTHONPATH."""

from django.tasks import task


@task
def echo(value: int) -> int:
    return value
