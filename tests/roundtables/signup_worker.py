"""Run by the concurrency test in its own process: wait for the start signal, then sign
one enterprise up through the service, and print the resulting status."""

import os
import sys
import time


def main():
    session_id, user_id, enterprise_id, start_at = sys.argv[1:5]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.models import Enterprise, User
    from roundtables import services
    from roundtables.models import Session

    session = Session.objects.get(pk=session_id)
    user = User.objects.get(pk=user_id)
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    time.sleep(max(0.0, float(start_at) - time.time()))
    registration = services.registration_create(
        session=session, actor=user, enterprise=enterprise, attendee_name="并发", attendee_mobile="13900001234"
    )
    print(registration.status)


if __name__ == "__main__":
    main()
