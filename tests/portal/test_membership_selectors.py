"""The one rule "this user is an approved member of that enterprise" (portal.selectors):
only an approved membership counts, per enterprise, and the people to notify are
the active ones."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal.models import Enterprise, EnterpriseMembership
from portal.selectors import approved_members, is_approved_member, member_enterprise_ids
from tests import factories

pytestmark = pytest.mark.django_db

Status = EnterpriseMembership.Status


@pytest.fixture
def world():
    """Two enterprises; one person per kind of claim on the first, one approved on both."""
    first, second = factories.enterprise(), factories.enterprise()
    people = {}
    for name, status, active in [
        ("approved", Status.APPROVED, True),
        ("pending", Status.PENDING, True),
        ("rejected", Status.REJECTED, True),
        ("revoked", Status.REVOKED, True),
        ("inactive", Status.APPROVED, False),
    ]:
        people[name] = factories.user(is_active=active)
        EnterpriseMembership.objects.create(user=people[name], enterprise=first, status=status)
    people["both"] = factories.user()
    for enterprise in (first, second):
        EnterpriseMembership.objects.create(user=people["both"], enterprise=enterprise, status=Status.APPROVED)
    people["nobody"] = factories.user()
    return first, second, people


def test_is_approved_member_counts_only_an_approved_membership_of_that_enterprise(world):
    first, second, people = world
    assert is_approved_member(user=people["approved"], enterprise=first)
    assert is_approved_member(user=people["approved"], enterprise=first.pk)  # an id will do
    assert not is_approved_member(user=people["approved"], enterprise=second)
    for name in ("pending", "rejected", "revoked", "nobody"):
        assert not is_approved_member(user=people[name], enterprise=first), name
    assert is_approved_member(user=people["both"], enterprise=second)


def test_is_approved_member_does_not_look_at_is_active_and_asks_nothing_without_a_user_or_enterprise(
    world, django_assert_num_queries
):
    first, _second, people = world
    # The acting user's own check: an inactive account cannot sign in anyway.
    assert is_approved_member(user=people["inactive"], enterprise=first)
    with django_assert_num_queries(0):
        assert not is_approved_member(user=AnonymousUser(), enterprise=first)
        assert not is_approved_member(user=people["approved"], enterprise=None)


def test_member_enterprise_ids_is_one_subquery_of_approved_memberships(world, django_assert_num_queries):
    first, second, people = world
    assert set(Enterprise.objects.filter(pk__in=member_enterprise_ids(people["both"]))) == {first, second}
    assert list(Enterprise.objects.filter(pk__in=member_enterprise_ids(people["approved"]))) == [first]
    for name in ("pending", "rejected", "revoked", "nobody"):
        assert not Enterprise.objects.filter(pk__in=member_enterprise_ids(people[name])).exists(), name
    with django_assert_num_queries(1):
        list(Enterprise.objects.filter(pk__in=member_enterprise_ids(people["both"])))


def test_approved_members_are_the_active_approved_ones_each_once(world, django_assert_num_queries):
    first, second, people = world
    with django_assert_num_queries(1):
        members = list(approved_members(first))
    assert sorted(u.pk for u in members) == sorted([people["approved"].pk, people["both"].pk])
    assert set(approved_members(first.pk, active_only=False)) == {
        people["approved"],
        people["both"],
        people["inactive"],
    }
    assert list(approved_members(second)) == [people["both"]]
    # Several enterprises at once, as a list or a queryset: the member of both comes once.
    assert sorted(u.pk for u in approved_members([first.pk, second.pk])) == sorted(
        [people["approved"].pk, people["both"].pk]
    )
    assert list(approved_members(Enterprise.objects.filter(pk=second.pk))) == [people["both"]]
    assert not approved_members(factories.enterprise()).exists()
