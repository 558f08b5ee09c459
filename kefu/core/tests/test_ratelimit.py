"""The shared rate limit: one counter per scope and client in the database, a fixed window
from the first attempt, the same answer in every process."""

import threading

import pytest
from django.db import connection

from kefu.core import ratelimit
from kefu.core.models import RateCounter

pytestmark = pytest.mark.django_db


def test_attempts_count_up_within_the_window_and_start_again_after_it():
    # given a 60-second window starting at t=1000
    counts = [ratelimit.attempt(scope="s", client="1.2.3.4", window=60, now=1000 + i)
              for i in range(3)]
    # then each attempt in the window adds one
    assert counts == [1, 2, 3]
    # when the window has passed, counting starts again from one
    assert ratelimit.attempt(scope="s", client="1.2.3.4", window=60, now=1060) == 1
    assert ratelimit.attempt(scope="s", client="1.2.3.4", window=60, now=1061) == 2


def test_scopes_and_clients_are_counted_apart():
    ratelimit.attempt(scope="web_form", client="a", window=60, now=0)
    ratelimit.attempt(scope="web_form", client="a", window=60, now=1)
    assert ratelimit.attempt(scope="web_form", client="b", window=60, now=2) == 1
    assert ratelimit.attempt(scope="signup", client="a", window=60, now=3) == 1
    assert RateCounter.objects.count() == 3


def test_over_limit_says_yes_only_past_the_limit_and_zero_means_no_limit():
    answers = [ratelimit.over_limit(scope="s", client="c", limit=2) for _ in range(4)]
    assert answers == [False, False, True, True]
    assert not any(ratelimit.over_limit(scope="t", client="c", limit=0) for _ in range(5))
    assert not RateCounter.objects.filter(bucket=ratelimit._key("t", "c")).exists()


def test_the_client_text_is_never_stored_only_its_hash():
    ratelimit.attempt(scope="s", client="203.0.113.9'; DROP TABLE x; --", window=60)
    row = RateCounter.objects.get()
    assert len(row.bucket) == 64 and "203.0.113.9" not in row.bucket


def test_a_bad_window_is_refused():
    with pytest.raises(ValueError):
        ratelimit.attempt(scope="s", client="c", window=0)


@pytest.mark.django_db(transaction=True)
def test_every_connection_counts_against_the_same_limit():
    # given attempts made at once from several threads, each with its own connection
    # (as gunicorn workers would be)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(5):
                results.append(ratelimit.attempt(scope="s", client="shared", window=3600))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then no attempt was lost and no count given twice
    assert not errors
    assert sorted(results) == list(range(1, 21))
