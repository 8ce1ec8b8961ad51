"""Lists cost the same number of queries for 5 rows as for 50 (the inbox pages 20 at a
time, so 50 rows fill its page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.services import notification_send
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [5, 50])
def test_the_notification_inbox_runs_the_same_queries_for_5_or_50(client, rows):
    user = factories.user()
    client.force_login(user)

    def inbox_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/notifications/")
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    notification_send(recipient=user, kind="test", title="第一条通知", dedup_key="test:0")
    one, _ = inbox_queries()
    for index in range(1, rows):
        notification_send(recipient=user, kind="test", title=f"通知{index}", dedup_key=f"test:{index}")
    queries, page = inbox_queries()
    assert queries == one
    assert f"通知{rows - 1}" in page
