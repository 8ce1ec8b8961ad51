"""The scale-data generator writes valid, linked, deterministic rows and refuses a
database people work in."""

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Case
from policies.models import Policy
from portal.models import Enterprise
from tests import factories


@pytest.mark.django_db
def test_generated_rows_are_valid_and_linked(capsys):
    call_command("generate_scale_data", enterprises=300, policies=40, cases=200, seed=3)
    assert Enterprise.objects.count() == 300 and Policy.objects.count() == 40 and Case.objects.count() == 200
    for enterprise in Enterprise.objects.order_by("?")[:25]:
        enterprise.full_clean()
    assert Case.objects.values("number").distinct().count() == 200
    assert "Done in" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_data():
    factories.enterprise(name="宣城真实企业有限公司")
    with pytest.raises(CommandError, match="not generated"):
        call_command("generate_scale_data", enterprises=10, policies=0, cases=0)
