"""The roundtable list keeps what is the same for every reader (a past session's figures,
the calendar feeds line) between requests (bench B3); what a reader then changes shows on
the next page, not a minute later."""

import pytest

from roundtables import services
from roundtables.models import Series, Session

pytestmark = pytest.mark.django_db


def _card(page: str, session) -> str:
    card = page[page.index(f'data-session="{session.pk}"') :]
    return card[: card.index("</article>")]


def test_a_problem_raised_at_a_past_session_shows_on_the_next_list(client, make_session, member, official):
    held = make_session(Session.State.HELD, days=-3)
    _user, enterprise = member()
    assert "本期未登记诉求" in _card(client.get("/roundtables/").content.decode(), held)

    services.appeal_file(
        session=held,
        actor=official,
        enterprise=enterprise,
        title="厂房租金补贴迟迟未兑现",
        description="会上提出。",
        source="on_site",
    )

    card = _card(client.get("/roundtables/").content.decode(), held)
    assert "反映问题 1 个，已办结 0 个" in card and "本期未登记诉求" not in card


def test_a_new_series_is_offered_to_subscribe_on_the_next_list(client, make_session, city):
    make_session(Session.State.ANNOUNCED, days=5)
    page = client.get("/roundtables/").content.decode()
    assert "订阅日历" in page and "宣城市企业接待日" not in page

    added = Series.objects.create(
        name="宣城市企业接待日", region=city, rrule="FREQ=MONTHLY;BYDAY=2WE", kind=Series.Kind.RECEPTION_DAY
    )

    page = client.get("/roundtables/").content.decode()
    assert f'href="/roundtables/series/{added.pk}/calendar.ics">宣城市企业接待日</a>' in page
