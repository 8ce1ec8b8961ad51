"""Cases and walkthroughs are archived, never deleted."""

import pytest
from django.test import Client

from tests.archive_checks import assert_archived_not_deleted

pytestmark = pytest.mark.django_db


def test_a_case_is_archived_not_deleted_and_leaves_the_lists(people, file_case):
    case = file_case()
    assert_archived_not_deleted(Client(), case)

    reader = Client()
    reader.force_login(people.official)
    assert case.number not in {row["number"] for row in reader.get("/api/v1/cases/").json()["results"]}
    assert case.number not in reader.get("/cases/").content.decode()
    # Still there for whoever follows a link to it.
    assert reader.get(f"/api/v1/cases/{case.number}/").status_code == 200
    assert reader.get(f"/cases/{case.number}/").status_code == 200
    # No surface offers to delete it.
    assert reader.delete(f"/api/v1/cases/{case.number}/").status_code == 405
