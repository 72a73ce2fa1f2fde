"""The example of docs/tasks.md ("Adding your own task"), run as written: the task module, the view's enqueue, the
worker, and reading the result."""

import json
import re
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.web.factories import make_photo
from web.tasks import runner
from web.tasks.models import TaskRecord

pytestmark = pytest.mark.django_db(transaction=True)
TASKS_DOC = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"


def doc_example() -> tuple[str, str]:
    section = TASKS_DOC.read_text().split("## Adding your own task", 1)[1].split("\n## ", 1)[0]
    module, view = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return module, view


@pytest.fixture
def example_module():
    """The doc's task module, importable by name as a real app's tasks.py is (the worker imports it)."""
    module = types.ModuleType("doc_tasks")
    sys.modules["doc_tasks"] = module
    exec(doc_example()[0], module.__dict__)  # noqa: S102 - the doc's own code, under test
    yield module
    del sys.modules["doc_tasks"]


def test_the_doc_example_runs_on_the_real_backend_and_worker(example_module, user, task_messages, capsys):
    # GIVEN two photos of the user's
    make_photo(user)
    make_photo(user)
    enqueue, read = doc_example()[1].split("# later\n")
    names = {"count_photos": example_module.count_photos, "request": SimpleNamespace(user=user)}

    # WHEN the view's lines run, then the worker gets the queue's message, then the reading lines run
    exec(enqueue, names)  # noqa: S102
    [message] = task_messages()
    assert runner.run_message(json.dumps(message), worker_id="doc") == "successful"
    exec(read, names)  # noqa: S102

    # THEN the result was read back from the database
    assert capsys.readouterr().out == "SUCCESSFUL 2\n"
    assert TaskRecord.objects.get(pk=names["result"].id).return_value == 2
