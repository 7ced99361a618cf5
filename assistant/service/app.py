"""The HTTP API (FastAPI): suggest, check a draft, replay, wrap up, feedback, and Chatwoot.

Every route but `/v1/health` needs a bearer token (`COACH_API_TOKENS`); the Chatwoot webhook
proves itself with Chatwoot's signature instead. Coach calls are CPU-bound and synchronous, so
they run in the worker's thread pool; scale out with more worker processes (`coach serve
--workers N`), which share only the database and the Chroma server.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPBearer

from assistant.backends import BACKEND_NAMES
from assistant.critic.drafts import check_draft
from assistant.errors import CoachError, InputError
from assistant.models import Transcript
from assistant.replay.runner import ReplayResult, replay_transcript
from assistant.service import schemas
from assistant.service.chatwoot import (
    SOURCE,
    ChatwootClient,
    Relay,
    customer_message,
    signature_valid,
)
from assistant.service.events import EventLog
from assistant.service.logs import service_logger
from assistant.service.security import BodyLimit, RateLimit, Tokens, bearer_token
from assistant.settings import Settings
from assistant.store.connection import close_pools
from assistant.store.database import Store
from assistant.wrapup import WrapUp, wrap_up

SWEEP_INTERVAL_S = 5.0
PANEL_HTML = (Path(__file__).parent / "static" / "chatwoot_panel.html").read_text("utf-8")
_bearer = HTTPBearer(auto_error=False, description="a token from COACH_API_TOKENS")


def caller(request: Request, _: Annotated[Any, Depends(_bearer)] = None) -> str:
    """The authenticated caller's id; 401 without a valid token, 429 over the rate limit."""
    state = request.app.state
    who = state.tokens.identify(bearer_token(request.headers.get("authorization")))
    if who is None:
        realm = "Basic" if request.url.path in ("/docs", "/openapi.json") else "Bearer"
        raise HTTPException(401, "a valid bearer token is required",
                            headers={"WWW-Authenticate": f'{realm} realm="complaint-coach"'})
    request.state.caller = who
    if not state.rate_limit.allow(who):
        raise HTTPException(429, "rate limit exceeded",
                            headers={"Retry-After": str(state.rate_limit.retry_after())})
    return who


Caller = Annotated[str, Depends(caller)]


def create_app(settings: Settings, *, coach: Any = None, sweep_interval_s: float =
               SWEEP_INTERVAL_S, chatwoot_backoff_s: float = 2.0) -> FastAPI:
    """The service for these settings; `coach` may be passed in (tests share one)."""
    log = service_logger()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        state.coach = coach or await run_in_threadpool(_load_coach, settings)
        state.store = await run_in_threadpool(Store.open, settings)
        state.relay = _relay(settings, state.coach, state.store, log, chatwoot_backoff_s)
        sweeper = asyncio.create_task(_sweep(state.relay, sweep_interval_s)) if state.relay \
            else None
        log.info("worker ready", extra={"event": "start", "worker": os.getpid()})
        yield
        if sweeper:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper
        if state.relay:
            state.relay.client.close()
        close_pools()
        log.info("worker stopped", extra={"event": "stop", "worker": os.getpid()})

    app = FastAPI(title="Complaint Coach", version="1", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None,
                  description="The next reply and a compensation offer for a live complaint.")
    app.state.settings, app.state.log = settings, log
    app.state.tokens = Tokens(settings.api_tokens)
    app.state.rate_limit = RateLimit(settings.api_rate_limit)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    app.middleware("http")(_access_log)
    _errors(app)
    _routes(app)
    return app


def _load_coach(settings: Settings) -> Any:
    from assistant.coach import Coach

    return Coach.load(settings)


def _relay(settings: Settings, coach: Any, store: Store, log: Any, backoff_s: float
           ) -> Relay | None:
    if not (settings.chatwoot_url and settings.chatwoot_api_token):
        return None
    client = ChatwootClient(settings.chatwoot_url, settings.chatwoot_api_token.get_secret_value())
    return Relay(EventLog(store.database, backoff_base_s=backoff_s), client, coach, store, log)


async def _sweep(relay: Relay, interval_s: float) -> None:
    """Retry due events now and then: failed Chatwoot calls and events a killed worker left."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(relay.sweep)
        except Exception as exc:  # the database may be briefly away; try again next time
            relay.log.warning("sweep failed", extra={"event": "sweep", "error": type(exc).__name__})


async def _access_log(request: Request, call_next: Any) -> Any:
    """One JSON line per request: ids, status and time, never the body."""
    started = time.perf_counter()
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
    request.state.request_id = request_id
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        response.headers["x-request-id"] = request_id
        return response
    finally:
        request.app.state.log.info("request", extra={
            "event": "request", "method": request.method, "path": request.url.path,
            "status": status, "ms": round((time.perf_counter() - started) * 1000, 1),
            "caller": getattr(request.state, "caller", None), "request_id": request_id})


def _problem(request: Request, status: int, message: str) -> JSONResponse:
    body = schemas.Problem(error=message, request_id=getattr(request.state, "request_id", None))
    return JSONResponse(body.model_dump(), status_code=status)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _problem(request, 422, str(exc))

    @app.exception_handler(CoachError)
    async def unavailable(request: Request, exc: CoachError) -> JSONResponse:
        request.app.state.log.warning("coach error", extra={
            "event": "error", "error": type(exc).__name__, "path": request.url.path})
        return _problem(request, 503, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request.app.state.log.error("unexpected error", extra={
            "event": "error", "error": type(exc).__name__, "path": request.url.path})
        return _problem(request, 500, "internal error; the request id is in the log")


def _routes(app: FastAPI) -> None:
    @app.get("/v1/health", response_model=schemas.Health, tags=["operations"])
    def health() -> schemas.Health:
        """Liveness: the process answers. The only route without a token."""
        return schemas.Health(status="ok", worker=os.getpid())

    @app.get("/v1/ready", response_model=schemas.Readiness, tags=["operations"])
    def ready(request: Request, _: Caller) -> schemas.Readiness:
        """Readiness: the database and the retrieval index answer."""
        state = request.app.state
        state.store.list_sessions(limit=1)
        records = state.coach.retriever.collection.count()
        return schemas.Readiness(status="ready", database=state.store.database.dialect,
                                 index_records=records, backend=state.settings.backend)

    @app.post("/v1/suggest", response_model=schemas.SuggestionOut, tags=["coach"])
    def suggest(request: Request, transcript: Transcript, _: Caller,
                backend: Annotated[str | None, Query(pattern=f"^({'|'.join(BACKEND_NAMES)})$")
                                   ] = None,
                ) -> schemas.SuggestionOut:
        """The next reply and offer for a transcript (contract §1 → §2), stored for feedback."""
        state = request.app.state
        suggestion = state.coach.suggest(transcript, backend=backend)
        session_id, suggestion_id = state.store.record_suggestion(transcript, suggestion)
        if state.settings.api_log_customer_text:
            state.log.info("suggested", extra={"event": "suggest", "customer_text":
                                               transcript.customer_turns()[-1].text})
        return schemas.SuggestionOut(**suggestion.model_dump(), suggestion_id=suggestion_id,
                                     session_id=session_id)

    @app.post("/v1/draft-check", response_model=schemas.DraftCheckOut, tags=["coach"])
    def draft_check(request: Request, body: schemas.DraftCheckIn, _: Caller
                    ) -> schemas.DraftCheckOut:
        """Minimizing, excuse or blame words in a draft, a missing apology, and a rewrite."""
        coach = request.app.state.coach
        checked = check_draft(body.draft, body.transcript, coach,
                              lexicon=coach.resources.lexicon)
        return schemas.DraftCheckOut.of(checked)

    @app.post("/v1/replay", response_model=ReplayResult, tags=["coach"])
    def replay(request: Request, transcript: Transcript, _: Caller) -> ReplayResult:
        """Trainer replay of a past conversation (contract §4)."""
        return replay_transcript(transcript, request.app.state.coach)

    @app.post("/v1/summary", response_model=WrapUp, tags=["coach"])
    def summary(request: Request, transcript: Transcript, _: Caller) -> WrapUp:
        """The wrap-up note: assessment, offer and next step in one note."""
        return wrap_up(transcript, request.app.state.coach)

    @app.post("/v1/feedback", response_model=schemas.FeedbackOut, status_code=201,
              tags=["coach"])
    def feedback(request: Request, body: schemas.FeedbackIn, _: Caller) -> schemas.FeedbackOut:
        """What the agent did with a suggestion: used, edited (with the text) or rejected."""
        feedback_id = request.app.state.store.record_feedback(
            body.suggestion_id, body.verdict, body.final_text, body.reason)
        return schemas.FeedbackOut(feedback_id=feedback_id)

    @app.post("/v1/chatwoot/webhook", response_model=schemas.WebhookAck, status_code=202,
              tags=["helpdesk"])
    async def chatwoot_webhook(request: Request, background: BackgroundTasks
                               ) -> schemas.WebhookAck:
        """Chatwoot's `message_created`: verified by its signature, logged once, answered at
        once; the note is posted in the background and retried until Chatwoot takes it."""
        state = request.app.state
        secret = state.settings.chatwoot_webhook_secret
        if state.relay is None or secret is None:
            raise HTTPException(503, "the Chatwoot connection is not configured")
        body = await request.body()
        if not signature_valid(secret.get_secret_value(), request.headers.get(
                "x-chatwoot-timestamp"), body, request.headers.get("x-chatwoot-signature")):
            raise HTTPException(401, "bad or stale Chatwoot signature")
        try:
            message = customer_message(json.loads(body))
        except (ValueError, AttributeError):
            raise InputError("the webhook body is not a JSON object") from None
        if message is None:
            return schemas.WebhookAck(status="ignored")
        key = f"{message.account_id}:{message.message_id}"
        event_id = await run_in_threadpool(state.relay.events.add, SOURCE, message.account_id,
                                           message.conversation_id, message.message_id)
        if event_id is None:
            return schemas.WebhookAck(status="duplicate", event_key=key)
        background.add_task(state.relay.process, event_id)
        return schemas.WebhookAck(status="accepted", event_key=key)

    @app.get("/v1/chatwoot/panel", response_class=HTMLResponse, tags=["helpdesk"])
    def chatwoot_panel(request: Request, token: str = "") -> HTMLResponse:
        """Chatwoot's dashboard app: the suggestion beside the open conversation. Chatwoot
        loads it in an iframe, which cannot send a header, so the token comes as `?token=`."""
        state = request.app.state
        who = state.tokens.identify(token)
        if who is None:
            raise HTTPException(401, "a valid token is required (?token=…)", headers={
                "WWW-Authenticate": 'Bearer realm="complaint-coach"'})
        request.state.caller = who
        if not state.rate_limit.allow(who):
            raise HTTPException(429, "rate limit exceeded")
        chatwoot = state.settings.chatwoot_url
        ancestors = chatwoot.rstrip("/") if chatwoot else "*"
        return HTMLResponse(PANEL_HTML, headers={
            "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
            f"style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors {ancestors}",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request, _: Caller) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: Caller) -> HTMLResponse:
        """The OpenAPI schema in Swagger UI (the browser asks for a token as the password)."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Complaint Coach API")
