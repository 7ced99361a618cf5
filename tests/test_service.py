"""The HTTP API: every route, bearer-token auth, limits, and logs without customer text."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.service.app import create_app
from assistant.service.logs import LOGGER, JsonFormatter
from assistant.service.security import Tokens, bearer_token
from tests.conftest import REPO, isolated_settings

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLE = json.loads((REPO / "examples" / "en_hotel_late_room.json").read_text())
CUSTOMER_WORDS = "My two kids are asleep on the suitcases"


def _client(home: Path, coach, **overrides) -> TestClient:
    settings = isolated_settings(home, api_tokens=[TOKEN, "second-token"], **overrides)
    return TestClient(create_app(settings, coach=coach))


@pytest.fixture
def api(coach_home: Path, coach):
    with _client(coach_home, coach) as client:
        yield client


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = _Lines()
    logging.getLogger(LOGGER).addHandler(handler)
    yield handler.lines
    logging.getLogger(LOGGER).removeHandler(handler)


def test_health_is_the_only_route_without_a_token(api: TestClient) -> None:
    assert api.get("/v1/health").json()["status"] == "ok"
    routes = [(m, r.path) for r in api.app.routes for m in getattr(r, "methods", ())
              if m in ("GET", "POST") and r.path != "/v1/health"]
    assert len(routes) >= 9
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN}):
            response = api.request(method, path, headers=headers, json={})
            expected = 503 if path == "/v1/chatwoot/webhook" else 401  # not configured here
            assert response.status_code == expected, (method, path, headers)
        if path != "/v1/chatwoot/webhook":
            assert "Bearer" in response.headers["www-authenticate"] or path in (
                "/docs", "/openapi.json")


def test_tokens_are_compared_as_digests() -> None:
    tokens = Tokens([type("S", (), {"get_secret_value": lambda self: TOKEN})()])
    assert tokens.identify(TOKEN) is not None and len(tokens.identify(TOKEN)) == 8
    for wrong in (None, "", TOKEN[:-1], TOKEN + "x", TOKEN.upper()):
        assert tokens.identify(wrong) is None
    assert bearer_token(f"Bearer {TOKEN}") == TOKEN
    basic = base64.b64encode(f"agent:{TOKEN}".encode()).decode()
    assert bearer_token(f"Basic {basic}") == TOKEN
    assert bearer_token("Basic !!!") is None and bearer_token(None) is None


def test_suggest_returns_the_contract_and_stores_it_for_feedback(api: TestClient) -> None:
    response = api.post("/v1/suggest", json=EXAMPLE, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reply"] and body["language"] == "en" and body["backend"] == "rules"
    assert {"compensation", "practices", "assessment", "flags", "latency_ms"} <= set(body)
    assert body["compensation"]["amount"] is None or body["compensation"]["amount"] >= 0
    assert body["suggestion_id"] > 0 and body["session_id"]
    stored = api.app.state.store.latest_suggestion(body["session_id"])
    assert stored.suggestion.reply == body["reply"]
    feedback = api.post("/v1/feedback", headers=AUTH, json={
        "suggestion_id": body["suggestion_id"], "verdict": "edited", "final_text": "mine"})
    assert feedback.status_code == 201
    kept = api.app.state.store.feedback(body["suggestion_id"])
    assert [(f.id, f.verdict, f.final_text) for f in kept] == [
        (feedback.json()["feedback_id"], "edited", "mine")]


def test_bad_requests_are_clear(api: TestClient) -> None:
    unknown = api.post("/v1/feedback", headers=AUTH, json={"suggestion_id": 999_999,
                                                           "verdict": "used"})
    assert unknown.status_code == 422 and "no suggestion" in unknown.json()["error"]
    assert api.post("/v1/feedback", headers=AUTH,
                    json={"suggestion_id": 1, "verdict": "loved"}).status_code == 422
    no_customer = {"id": "x", "turns": [{"role": "agent", "text": "Hello!"}]}
    response = api.post("/v1/suggest", headers=AUTH, json=no_customer)
    assert response.status_code == 422 and "no customer message" in response.json()["error"]
    assert api.post("/v1/suggest", headers=AUTH, json={"turns": "nope"}).status_code == 422
    assert api.post("/v1/suggest?backend=gpt9", headers=AUTH, json=EXAMPLE).status_code == 422


def test_draft_check_replay_and_summary(api: TestClient) -> None:
    draft = api.post("/v1/draft-check", headers=AUTH, json={
        "transcript": EXAMPLE, "draft": "Calm down, it's just a small delay."})
    assert draft.status_code == 200, draft.text
    checked = draft.json()
    assert not checked["passed"] and checked["findings"] and checked["rewrite"]
    assert any(i["criterion"] == "minimize" for i in checked["issues"])

    replay = api.post("/v1/replay", headers=AUTH, json=EXAMPLE)
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == EXAMPLE["id"] and replay.json()["turns"]
    assert all(t["suggestion"]["reply"] for t in replay.json()["turns"])

    summary = api.post("/v1/summary", headers=AUTH, json=EXAMPLE)
    assert summary.status_code == 200, summary.text
    note = summary.json()["note"]
    assert "Complaint: delay" in note and "Offer:" in note and "Next step:" in note


def test_ready_and_docs(api: TestClient) -> None:
    ready = api.get("/v1/ready", headers=AUTH).json()
    assert ready["status"] == "ready" and ready["database"] == "sqlite"
    assert ready["index_records"] > 0
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    assert "swagger" in api.get("/docs", headers={"Authorization": f"Basic {basic}"}).text
    assert api.get("/docs").headers["www-authenticate"].startswith("Basic")
    schema = api.get("/openapi.json", headers=AUTH).json()
    assert {"/v1/suggest", "/v1/draft-check", "/v1/replay", "/v1/summary", "/v1/feedback",
            "/v1/health", "/v1/ready", "/v1/chatwoot/webhook"} <= set(schema["paths"])


def test_chatwoot_dashboard_app_page(api: TestClient) -> None:
    assert api.get("/v1/chatwoot/panel?token=wrong").status_code == 401
    page = api.get(f"/v1/chatwoot/panel?token={TOKEN}")
    assert page.status_code == 200 and "chatwoot-dashboard-app:fetch-info" in page.text
    assert "frame-ancestors" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"


def test_request_size_limit(coach_home: Path, coach) -> None:
    with _client(coach_home, coach, api_max_body_bytes=2_000) as api:
        big = {**EXAMPLE, "turns": [{"role": "customer", "text": "x" * 3_000}]}
        declared = api.post("/v1/suggest", headers=AUTH, json=big)
        assert declared.status_code == 413

        def chunks():  # no Content-Length: counted as it streams in
            yield json.dumps(big).encode()

        streamed = api.post("/v1/suggest", headers={**AUTH, "Content-Type": "application/json"},
                            content=chunks())
        assert streamed.status_code == 413
        small = {"turns": [{"role": "customer", "text": "My parcel is late."}]}
        assert api.post("/v1/suggest", headers=AUTH, json=small).status_code == 200


def test_rate_limit_per_token(coach_home: Path, coach) -> None:
    with _client(coach_home, coach, api_rate_limit="3/minute") as api:
        codes = [api.get("/v1/ready", headers=AUTH).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        other = api.get("/v1/ready", headers={"Authorization": "Bearer second-token"})
        assert other.status_code == 200  # another caller has its own window
        assert int(api.get("/v1/ready", headers=AUTH).headers["retry-after"]) >= 1


def test_logs_are_json_without_customer_text(coach_home: Path, coach, log_lines) -> None:
    with _client(coach_home, coach) as api:
        api.post("/v1/suggest", headers=AUTH, json=EXAMPLE)
        api.post("/v1/suggest", headers={"Authorization": "Bearer nope"}, json=EXAMPLE)
    records = [json.loads(line) for line in log_lines]
    requests = [r for r in records if r.get("event") == "request"]
    assert [r["status"] for r in requests] == [200, 401]
    assert requests[0]["caller"] and requests[0]["ms"] > 0 and requests[0]["request_id"]
    assert not any(CUSTOMER_WORDS in line or "lobby" in line for line in log_lines)
    with _client(coach_home, coach, api_log_customer_text=True) as api:
        api.post("/v1/suggest", headers=AUTH, json=EXAMPLE)
    assert any("customer_text" in json.loads(line) for line in log_lines)
