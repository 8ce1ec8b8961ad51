"""The project's own PostgreSQL: started on demand, reused, stopped by `make stop`."""

import psycopg2
import pytest

from portal import embedded_db


@pytest.fixture
def scratch_server(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_db, "PGDATA", tmp_path / "pgdata")
    yield tmp_path / "pgdata"
    embedded_db.stop()


def test_start_reuse_and_stop(scratch_server):
    assert not embedded_db.is_running()

    params = embedded_db.ensure_running()
    assert embedded_db.is_running()
    connection = psycopg2.connect(host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"])
    with connection, connection.cursor() as cursor:
        # Socket only: the server listens on no TCP address.
        cursor.execute("SHOW listen_addresses")
        assert cursor.fetchone() == ("",)
    connection.close()

    # A second caller finds the same server running.
    assert embedded_db.ensure_running() == params

    assert embedded_db.stop() is True
    assert not embedded_db.is_running()
    assert embedded_db.stop() is False
