"""Schemathesis against the app's own OpenAPI document: generated requests for every operation, and
no response may be a 5xx (slow: real models answer the valid ones)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import ApiSettings

pytestmark = pytest.mark.slow
app = create_app(ApiSettings(max_batch=4, max_compare_records=6))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
