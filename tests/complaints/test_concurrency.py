"""Case numbers stay unique and gapless when many filings race each other."""

import threading

import pytest
from django.db import connection

from complaints import services
from complaints.models import Case, ProblemCategory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_filings_get_unique_consecutive_numbers():
    category = ProblemCategory.objects.get(name="其他")
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors = []

    def file_cases(index):
        try:
            barrier.wait()
            for number in range(per_worker):
                services.case_file(
                    actor=None,
                    channel="hotline",
                    title=f"并发登记 {index}-{number}",
                    description="race",
                    category=category,
                    complainant_name="并发",
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_cases, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(int(number[-6:]) for number in Case.objects.values_list("number", flat=True))
    assert sequences == list(range(1, workers * per_worker + 1))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_posts_of_one_form_file_one_case():
    category = ProblemCategory.objects.get(name="其他")
    barrier = threading.Barrier(6)
    numbers, errors = [], []

    def post():
        try:
            barrier.wait()
            case = services.case_file(
                actor=None,
                channel="web",
                title="重复提交",
                description="double click",
                category=category,
                complainant_name="手快",
                idempotency_key="same-form",
            )
            numbers.append(case.number)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Case.objects.count() == 1
    assert set(numbers) == {Case.objects.get().number}
