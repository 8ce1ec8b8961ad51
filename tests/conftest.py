import pytest

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
