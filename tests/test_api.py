"""The HTTP API through FastAPI's TestClient, and once as a real `fqa serve` process over loopback
(slow: the app loads the real models at start-up)."""
import json
import urllib.request

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings

pytestmark = pytest.mark.slow
TEXT = ("At 9:14 you asked, \"Why does ice float?\" and 6 of 22 students raised their hands. Students were engaged. "
        "Next time, try a turn-and-talk first. What did you notice about who answered?")
KEY = {"X-API-Key": "secret-1"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(ApiSettings(keys=["secret-1", "secret-2"], max_batch=3, max_body_bytes=200_000,
                                           cors_origins=["https://coach.example"]))) as c:
        yield c


def test_health_ready_metrics_docs(client):
    assert client.get("/healthz").json() == {"status": "ok", "models_loaded": None}
    assert client.get("/readyz").json() == {"status": "ready", "models_loaded": True}
    assert "http_requests_total" in client.get("/metrics").text or client.get("/metrics").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/analyze/batch", "/v1/compare", "/v1/rubrics", "/v1/rubrics/{rubric_id}"} <= set(spec["paths"])
    # one definition: the response schema is the analyzer's own FeedbackAnalysis
    assert "FeedbackAnalysis" in spec["components"]["schemas"] and "CalibrationReport" in spec["components"]["schemas"]


def test_analyze_equals_the_library(client):
    from analyzer import analyze

    r = client.post("/v1/analyze", json={"text": TEXT, "rubric": "fft-style", "ratings": {"3b": 2}}, headers=KEY)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == analyze(TEXT, rubric="fft-style", ratings={"3b": 2}).to_dict()
    assert r.headers["x-request-id"]


def test_batch_compare_and_rubrics(client):
    r = client.post("/v1/analyze/batch", json={"items": [{"text": TEXT}, {"text": "Great job today!", "ratings": {"3b": 3}}],
                                               "rubric": "fft-style"}, headers={"Authorization": "Bearer secret-2"})
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    records = [{"observation_id": "o1", "evaluator_id": e, "rubric": "fft-style", "ratings": {"3b": v}, "text": TEXT}
               for e, v in (("a", 2), ("b", 4))]
    r = client.post("/v1/compare", json={"records": records}, headers=KEY)
    assert r.status_code == 200 and r.json()["observations"][0]["components"][0]["spread"] == 2
    assert [x["id"] for x in client.get("/v1/rubrics", headers=KEY).json()] == ["fft-style", "state-style"]
    assert client.get("/v1/rubrics/state-style", headers=KEY).json()["levels"][4]["value"] == 5


@pytest.mark.parametrize("kwargs, status, code", [
    ({"json": {"text": TEXT}}, 401, "unauthorized"),
    ({"json": {"text": TEXT}, "headers": {"X-API-Key": "wrong"}}, 401, "unauthorized"),
    ({"content": "{not json", "headers": {**KEY, "Content-Type": "application/json"}}, 400, "malformed_json"),
    ({"content": TEXT, "headers": {**KEY, "Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
    ({"json": {"text": 42}, "headers": KEY}, 422, "invalid_request"),
    ({"json": {"txt": TEXT}, "headers": KEY}, 422, "invalid_request"),
    ({"json": {"text": "   "}, "headers": KEY}, 422, "empty_text"),
    ({"json": {"text": "word " * 12_000}, "headers": KEY}, 413, "text_too_long"),
    ({"json": {"text": "word " * 50_000}, "headers": KEY}, 413, "body_too_large"),
    ({"json": {"text": TEXT, "rubric": "nope"}, "headers": KEY}, 422, "bad_rubric"),
    ({"json": {"text": TEXT, "rubric": "corpora/rubrics/fft-style.yaml"}, "headers": KEY}, 422, "bad_rubric"),
    ({"json": {"text": TEXT, "rubric": "fft-style", "ratings": {"9z": 2}}, "headers": KEY}, 422, "bad_rubric"),
    ({"json": {"text": TEXT, "ratings": {"3b": 2}}, "headers": KEY}, 422, "bad_rubric"),
])
def test_bad_requests_are_problems(client, kwargs, status, code):
    r = client.post("/v1/analyze", **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert body["status"] == status and body["code"] == code and body["detail"] and body["type"].endswith(code)
    assert "ice float" not in r.text  # never echoes the feedback text


def test_batch_and_compare_limits(client):
    r = client.post("/v1/analyze/batch", json={"items": [{"text": TEXT}] * 4}, headers=KEY)
    assert r.status_code == 413 and r.json()["code"] == "batch_too_large"
    r = client.post("/v1/compare", json={"records": [{"observation_id": "o", "evaluator_id": "a", "rubric": "fft-style",
                                                      "ratings": {"3b": 2}, "text": TEXT}]}, headers=KEY)
    assert r.status_code == 422 and "only one evaluator" in r.json()["detail"]
    assert client.get("/v1/rubrics/nope", headers=KEY).status_code == 404
    assert client.get("/nope").json()["code"] == "http_404"
    assert client.get("/healthz").status_code == 200  # still up


def test_cors_preflight(client):
    r = client.options("/v1/analyze", headers={"Origin": "https://coach.example", "Access-Control-Request-Method": "POST"})
    assert r.headers["access-control-allow-origin"] == "https://coach.example"


def test_real_server_over_loopback(live_server):
    base, log_path = live_server
    req = urllib.request.Request(f"{base}/v1/analyze", data=json.dumps({"text": TEXT}).encode(),
                                 headers={"Content-Type": "application/json", "X-Request-ID": "test-123"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200 and r.headers["X-Request-ID"] == "test-123"
        assert json.loads(r.read())["sentences"][0]["evidence"] is True
    log = log_path.read_text()
    assert '"request_id": "test-123"' in log and '"status": 200' in log
    assert "ice float" not in log  # the log never holds feedback text
