"""Roundtable pages. (Being written: each view answers 404 until then.)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


session_list = my_registrations = session_detail = sign_up = written_appeal = session_ics = _todo
check_in = sign_in_sheet = session_appeals = cancel_registration = decline_invitation = series_feed = _todo
