"""SQLite writers take turns through a lock file (kefu.core.sqlite): held for exactly the
write transaction, given back on commit and on rollback."""

import pytest
from django.db import connection, transaction

from kefu.core.models import RateCounter
from kefu.core.sqlite.base import WriterLock, _lock_path


def test_in_memory_databases_have_no_lock_file():
    assert _lock_path(":memory:") is None
    assert _lock_path("file:memdb1?mode=memory&cache=shared") is None
    assert _lock_path("") is None
    assert _lock_path("/data/kefu.sqlite3") == "/data/kefu.sqlite3.writer"


def test_a_second_holder_waits_until_the_first_lets_go(tmp_path):
    path = str(tmp_path / "db.writer")
    first, second = WriterLock(path, timeout=5), WriterLock(path, timeout=0.05)
    first.acquire()
    second.acquire()  # gives up after its timeout: SQLite's own busy handling decides
    assert first.held and not second.held
    first.release()
    second.acquire()
    assert second.held
    second.close()
    first.close()


def _lock_is_free(path: str) -> bool:
    probe = WriterLock(path, timeout=0)
    probe.acquire()
    free = probe.held
    probe.close()
    return free


@pytest.mark.django_db(transaction=True)
def test_a_write_transaction_holds_the_lock_until_commit_or_rollback():
    if connection.vendor != "sqlite":
        pytest.skip("the writer lock is SQLite's")
    path = _lock_path(connection.settings_dict["NAME"])
    assert _lock_is_free(path)
    with transaction.atomic():
        RateCounter.objects.create(bucket="a", window_ends=1, count=1)
        assert not _lock_is_free(path)
    assert _lock_is_free(path)
    with pytest.raises(RuntimeError), transaction.atomic():
        RateCounter.objects.create(bucket="b", window_ends=1, count=1)
        raise RuntimeError("rolled back")
    assert _lock_is_free(path)
    assert list(RateCounter.objects.values_list("bucket", flat=True)) == ["a"]
