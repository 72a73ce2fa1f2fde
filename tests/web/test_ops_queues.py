"""The staff queues page: counts, the oldest age, redrive of a dead-letter queue (moved by the site on moto)."""

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.web.test_pages import Page, _assert_nothing_inline
from web.aws import sqs_client
from web.ops import cloudwatch
from web.ops.services import redrive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def all_queues(aws_mock, settings):
    """conftest sets only some dead-letter queues' settings; the page reads all three."""
    settings.DARKROOM_RESIZE_DLQ_URL = aws_mock["DARKROOM_RESIZE_DLQ_URL"]
    settings.DARKROOM_NOTIFY_DLQ_URL = aws_mock["DARKROOM_NOTIFY_DLQ_URL"]
    cloudwatch.cloudwatch_client.cache_clear()
    yield
    cloudwatch.cloudwatch_client.cache_clear()


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(email="ops@example.com", password="a-long-enough-passphrase")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    return client


def _send(url: str, count: int, **extra) -> None:
    sqs = boto3.client("sqs")
    for number in range(count):
        sqs.send_message(QueueUrl=url, MessageBody=f'{{"n": {number}}}', **extra)


def _cells(html: str, key: str) -> list[str]:
    """The row's numbers: waiting, in flight, delayed, oldest."""
    row = html.split(f'id="queue-{key}"', 1)[1].split("</tr>", 1)[0]
    return [cell.split("</td>", 1)[0].strip() for cell in row.split("<td>")[1:]]


def _depth(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_staff_see_every_queue_with_its_counts(staff_client, settings):
    _send(settings.DARKROOM_RESIZE_QUEUE_URL, 3)
    _send(settings.DARKROOM_NOTIFY_QUEUE_URL, 2, DelaySeconds=60)
    _send(settings.DARKROOM_TASKS_DLQ_URL, 1)
    boto3.client("sqs").receive_message(QueueUrl=settings.DARKROOM_RESIZE_QUEUE_URL, MaxNumberOfMessages=1)

    response = staff_client.get("/staff/queues/")

    assert response.status_code == 200
    html = response.content.decode()
    assert _cells(html, "resize") == ["2", "1", "0", "unknown"]  # moto records no CloudWatch metrics
    assert _cells(html, "notify") == ["0", "0", "2", "unknown"]
    assert _cells(html, "site-tasks-dlq") == ["1", "0", "0", "unknown"]
    for key in ["resize-dlq", "notify-dlq", "site-tasks"]:
        assert _cells(html, key) == ["0", "0", "0", "unknown"]
    # Only a dead-letter queue with messages offers a redrive.
    assert Page(html).find("input", name="queue", value="site-tasks-dlq")
    assert len(Page(html).find("input", name="queue")) == 1
    _assert_nothing_inline(html)
    assert Page(html).find("link", rel="stylesheet", href="/static/ops/queues.css")


def test_a_queue_without_its_setting_reads_not_configured(staff_client, settings):
    settings.DARKROOM_NOTIFY_DLQ_URL = ""

    html = staff_client.get("/staff/queues/").content.decode()

    assert "not configured (DARKROOM_NOTIFY_DLQ_URL is not set)" in html
    assert _cells(html, "notify-dlq") == ["–", "–", "–", "unknown"]


def test_members_and_visitors_are_sent_to_the_admin_login(client, user_client, settings):
    _send(settings.DARKROOM_TASKS_DLQ_URL, 1)

    for who in (client, user_client):
        for response in (who.get("/staff/queues/"), who.post("/staff/queues/", {"queue": "site-tasks-dlq"})):
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=/staff/queues/")
    assert _depth(settings.DARKROOM_TASKS_DLQ_URL) == 1


def test_redrive_moves_dead_letters_back_and_says_the_site_did_it(staff_client, settings):
    _send(settings.DARKROOM_RESIZE_DLQ_URL, 3)

    response = staff_client.post("/staff/queues/", {"queue": "resize-dlq"}, follow=True)

    assert response.redirect_chain == [("/staff/queues/", 302)]
    assert "Moved 3 messages back to resize (local stack: moved by the site)" in response.content.decode()
    assert _depth(settings.DARKROOM_RESIZE_DLQ_URL) == 0
    assert _depth(settings.DARKROOM_RESIZE_QUEUE_URL) == 3


def test_redrive_keeps_message_attributes(settings):
    _send(settings.DARKROOM_TASKS_DLQ_URL, 1, MessageAttributes={"kind": {"DataType": "String", "StringValue": "x"}})

    assert redrive(dlq="site-tasks-dlq") == "Moved 1 message back to site-tasks (local stack: moved by the site)"
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=settings.DARKROOM_TASKS_QUEUE_URL, MessageAttributeNames=["All"]
    )["Messages"]
    assert message["MessageAttributes"]["kind"]["StringValue"] == "x"


def test_redrive_on_aws_starts_a_move_task(staff_client, settings, monkeypatch):
    started = []
    client = sqs_client()
    monkeypatch.setattr(client, "start_message_move_task", lambda **kwargs: started.append(kwargs) or {})
    _send(settings.DARKROOM_NOTIFY_DLQ_URL, 1)

    response = staff_client.post("/staff/queues/", {"queue": "notify-dlq"}, follow=True)

    assert "Redrive started on AWS; it moves messages" in response.content.decode()
    [call] = started
    assert call["SourceArn"].endswith(":darkroom-notify-dead-letter-queue")
    assert call["DestinationArn"].endswith(":darkroom-notify-queue")
    assert _depth(settings.DARKROOM_NOTIFY_DLQ_URL) == 1


@pytest.mark.parametrize("queue", ["nonsense", "resize", ""])
def test_redrive_of_an_unknown_queue_is_refused(staff_client, settings, queue):
    _send(settings.DARKROOM_RESIZE_QUEUE_URL, 1)

    response = staff_client.post("/staff/queues/", {"queue": queue})

    assert response.status_code == 400
    assert f"There is no dead-letter queue called “{queue}”" in response.content.decode()
    assert _depth(settings.DARKROOM_RESIZE_QUEUE_URL) == 1


def test_redrive_of_a_queue_without_its_setting_is_refused(staff_client, settings):
    settings.DARKROOM_RESIZE_DLQ_URL = ""

    response = staff_client.post("/staff/queues/", {"queue": "resize-dlq"})

    assert response.status_code == 400
    assert "the site has no DARKROOM_RESIZE_DLQ_URL setting" in response.content.decode()


def test_a_cloudwatch_failure_reads_unknown(staff_client, monkeypatch):
    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetMetricData")

    monkeypatch.setattr(cloudwatch.cloudwatch_client(), "get_metric_data", refuse)

    response = staff_client.get("/staff/queues/")

    assert response.status_code == 200
    assert _cells(response.content.decode(), "resize")[-1] == "unknown"


def test_cloudwatch_readings_give_the_oldest_age(staff_client, monkeypatch):
    def reading(**kwargs):
        return {
            "MetricDataResults": [
                {"Id": query["Id"], "Values": [30.0, 95.0] if query["Id"] == "q0" else []}
                for query in kwargs["MetricDataQueries"]
            ]
        }

    monkeypatch.setattr(cloudwatch.cloudwatch_client(), "get_metric_data", reading)

    html = staff_client.get("/staff/queues/").content.decode()

    assert _cells(html, "resize")[-1] == "95 s"
    assert _cells(html, "notify")[-1] == "unknown"


def _oldest(age_of):
    return lambda *, queue_names: {name: age_of(name) for name in queue_names}


def test_tasks_waiting_unconsumed_are_called_out(staff_client, settings, monkeypatch):
    tasks = settings.DARKROOM_TASKS_QUEUE_URL.rsplit("/", 1)[-1]
    monkeypatch.setattr(cloudwatch, "oldest_ages", _oldest(lambda name: 301.0 if name == tasks else None))

    html = staff_client.get("/staff/queues/").content.decode()

    assert "Tasks are waiting unconsumed: is the worker running?" in html
    assert "locally <code>make run</code> starts it" in html
    assert _cells(html, "site-tasks")[-1] == "5 min"


def test_tasks_younger_than_five_minutes_are_not_called_out(staff_client, monkeypatch):
    monkeypatch.setattr(cloudwatch, "oldest_ages", _oldest(lambda name: 300.0))

    assert "waiting unconsumed" not in staff_client.get("/staff/queues/").content.decode()


def test_the_admin_index_links_to_the_page(staff_client):
    assert Page(staff_client.get("/admin/").content.decode()).find("a", href="/staff/queues/")


def _server_error(**kwargs):
    # moto server's answer to StartMessageMoveTask: a bare 500 (after botocore's retries)
    raise ClientError({"Error": {"Code": "500"}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "StartMessageMoveTask")


def test_the_local_stack_moves_by_hand_when_moto_server_answers_500(settings, monkeypatch):
    settings.DARKROOM_LOCAL = True
    monkeypatch.setattr(sqs_client(), "start_message_move_task", _server_error)
    _send(settings.DARKROOM_NOTIFY_DLQ_URL, 2)

    assert redrive(dlq="notify-dlq") == "Moved 2 messages back to notify (local stack: moved by the site)"
    assert _depth(settings.DARKROOM_NOTIFY_QUEUE_URL) == 2


def test_an_aws_refusal_is_shown_and_moves_nothing(staff_client, settings, monkeypatch):
    settings.DARKROOM_LOCAL = False
    monkeypatch.setattr(sqs_client(), "start_message_move_task", _server_error)
    _send(settings.DARKROOM_NOTIFY_DLQ_URL, 2)

    response = staff_client.post("/staff/queues/", {"queue": "notify-dlq"}, follow=True)

    assert "SQS refused the redrive" in response.content.decode()
    assert _depth(settings.DARKROOM_NOTIFY_DLQ_URL) == 2
