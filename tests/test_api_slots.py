"""The service's analysis slots: bounded concurrency, a bounded queue (503) and the time limit (504).
Fast: a sleeping function stands in for the analysis."""
import asyncio
import time

import pytest

from api.app import ApiProblem, Slots
from api.settings import ApiSettings


def run(coro):
    return asyncio.run(coro)


def test_busy_beyond_the_queue_and_order_kept():
    settings = ApiSettings(concurrency=1, max_queue=1, timeout_seconds=5)
    slots = Slots(settings)

    async def scenario():
        results = await asyncio.gather(*(slots.run(time.sleep, 0.2) for _ in range(3)),
                                       return_exceptions=True)
        return results

    results = run(scenario())
    busy = [r for r in results if isinstance(r, ApiProblem)]
    assert len(busy) == 1 and busy[0].status == 503 and busy[0].headers == {"Retry-After": "2"}
    assert sum(r is None for r in results) == 2  # the others ran


def test_time_limit_gives_504():
    settings = ApiSettings(concurrency=1, max_queue=4, timeout_seconds=0.1)
    with pytest.raises(ApiProblem) as exc:
        run(Slots(settings).run(time.sleep, 0.5))
    assert exc.value.status == 504 and "FQA_API_TIMEOUT_SECONDS" in exc.value.detail
