"""Shared arrangements for roundtable tests: a series, sessions, and the people around them."""

import datetime as dt

import pytest
from django.utils import timezone

from portal import roles
from portal.models import Region
from roundtables.models import Series, Session
from tests import factories


@pytest.fixture
def city(db):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    factories.region("341881", "宁国市", Region.Level.COUNTY, city)
    return city


@pytest.fixture
def series(city):
    return Series.objects.create(
        name="宣城市政商恳谈会",
        region=city,
        rrule="FREQ=MONTHLY;BYDAY=1SA",
        default_venue="宣城市行政中心",
        default_capacity=4,
        default_reserved_seats=1,
    )


@pytest.fixture
def official(db):
    return factories.official(username="rt_official")


@pytest.fixture
def make_session(series):
    """A session in the given state, ``days`` ahead, with 4 seats of which 1 reserved."""

    def make(state=Session.State.ANNOUNCED, days=10, capacity=4, reserved=1, **fields):
        starts = timezone.now() + dt.timedelta(days=days)
        number = Session.objects.filter(series=series).count() + 1
        defaults = {
            "series": series,
            "region": series.region,
            "year": starts.year,
            "number": number,
            "theme": "优化营商环境 助力民营经济",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=3),
            "venue": "宣城市行政中心",
            "capacity": capacity,
            "reserved_seats": reserved,
            "state": state,
            "registration_closes_at": starts - dt.timedelta(days=1),
        }
        defaults.update(fields)
        return Session.objects.create(**defaults)

    return make


@pytest.fixture
def member(db):
    """An enterprise user who represents a fresh enterprise each call."""

    def make(**fields):
        enterprise = factories.enterprise()
        user = factories.enterprise_user(enterprise, mobile="13900001234", **fields)
        return user, enterprise

    return make


@pytest.fixture
def chief(db):
    return factories.user(roles.CHIEF_PROBLEM_OFFICER, is_staff=True)
