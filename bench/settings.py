"""Settings for serving the portal under load in the benchmark (B3): production-like
(DEBUG off), plus one trivial view as the baseline, served by the same gunicorn."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The pages render {% static %} without a collected manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
