import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from portal.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    """Text messages go to an in-memory outbox the test can read."""
    settings.SMS_BACKEND = "portal.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox


@pytest.fixture
def sms_outbox(_memory_sms):
    return _memory_sms


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests that are not about hashing use a fast hasher.
    Production settings keep Argon2 (test_accounts checks it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: a fragment kept by one test (a filter form
    listing its departments) must not show in the next."""
    for cache in caches.all():
        cache.clear()
    # Except the footer's settings, which every page reads through the cache: as migration
    # 0012 stored them, so that a test's first page costs the queries its later ones do
    # (tests compare the two). tests/portal/test_site_settings.py reads them cold.
    from portal import selectors

    caches["default"].set(
        selectors.SITE_SETTINGS_CACHE_KEY,
        selectors.site_settings_initial_values(),
        selectors.SITE_SETTINGS_CACHE_SECONDS,
    )


@pytest.fixture(autouse=True)
def _no_pending_policy_views():
    """Policy page views are counted in the process's memory and written in batches
    (policies.views_counter): each test starts and ends with none pending, so a batch
    from one test is never written in the middle of another's query count."""
    from policies import views_counter

    views_counter.reset()
    yield
    views_counter.reset()


@pytest.fixture(autouse=True)
def _portal_language():
    """Each test starts in the portal's language: a page one test asked for in 繁體 or
    English leaves the thread speaking it (the locale middleware activates the reader's
    language and does not switch back), and str() of a department would follow."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
