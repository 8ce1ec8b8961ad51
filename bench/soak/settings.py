"""The soak's settings: production's (DEBUG off, portal.urls with its 404/500 handlers, so a
database outage answers 503), except that pages render {% static %} without a collected
manifest — the load asks for pages, not static files, and collectstatic is not needed."""

import os

from portal.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Each process names its connections (pg_stat_activity.application_name): the soak checks at
# the end that no process holds more than its one persistent connection. The web workers
# import the settings after gunicorn forks them, so each names its own pid.
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = (  # noqa: F405
    f"soak-{os.environ.get('SOAK_ROLE', 'other')}-{os.getpid()}"
)
