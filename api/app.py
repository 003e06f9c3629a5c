"""The FastAPI application: routing, limits, auth, errors, logs, metrics. No NLP logic: every
endpoint calls a public function of `analyzer` off the event loop.

Start with `fqa serve` (or `uvicorn --factory api.app:create_app`).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from analyzer import FeedbackAnalysis, nlp
from analyzer.compare import CalibrationReport
from analyzer.compare import compare as run_compare
from analyzer.errors import FqaError, ModelNotFoundError, TextTooLongError
from analyzer.pipeline import analyze_many
from analyzer.rubrics import Rubric, RubricError, available_rubrics, get_rubric_by_id

from .problems import MEDIA_TYPE, Problem, problem_response
from .schemas import AnalyzeRequest, BatchRequest, BatchResponse, CompareRequest, Health, RubricSummary
from .settings import ApiSettings, get_api_settings

log = logging.getLogger("fqa.api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def problem_doc(description: str) -> dict[str, Any]:
    """OpenAPI description of a problem+json response."""
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: problem_doc(text)
    for code, text in ((400, "malformed request"), (401, "missing or wrong API key"), (413, "too large"),
                       (415, "not JSON"), (422, "invalid input"), (503, "busy: retry later"), (504, "took too long"))
}


class ApiProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, code: str, headers: dict | None = None):
        self.status, self.title, self.detail, self.code, self.headers = status, title, detail, code, headers


def _json_log(**fields) -> None:
    log.info(json.dumps(fields, sort_keys=True))


class BodyLimit:
    """Pure ASGI middleware: refuse bodies over the limit (declared or streamed) with a 413 problem."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, receive, send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send):
        request = Request(scope, receive)
        response = problem_response(request, 413, "Request body too large",
                                    f"the body is over {self.limit} bytes; send less text or fewer items "
                                    "(limit: FQA_API_MAX_BODY_BYTES)", "body_too_large")
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _configure_logging() -> None:
    """JSON lines on standard error, unless the host application configured `fqa.api` itself."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_api_settings()
    _configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        nlp.share_cores(settings.workers)
        await run_in_threadpool(_warm_up)
        yield

    app = FastAPI(title="Feedback Quality Analyzer", version="1", lifespan=lifespan,
                  description="Sentence-by-sentence quality of classroom observation feedback: evidence, judgments, "
                              "next steps, questions, rubric alignment, calibration across evaluators.")
    app.state.settings = settings
    _install_errors(app)
    _install_middleware(app, settings)
    _install_routes(app, settings)
    from prometheus_fastapi_instrumentator import Instrumentator

    Instrumentator(excluded_handlers=["/metrics"]).instrument(app).expose(app, include_in_schema=False)
    _install_page(app)
    return app


STATIC = Path(__file__).resolve().parent / "static"


def _install_page(app: FastAPI) -> None:
    """The draft self-check page at `/` (plain HTML, CSS and JavaScript; no build step, no CDN)."""
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")


def _warm_up() -> None:
    """Load every model once at start-up, and embed the shipped rubrics' texts."""
    nlp.load_all()
    analyze_many(["At 9:05 the teacher modeled problem 2. Next time, check in with the back table."],
                 rubric=next(iter(available_rubrics()), None))


def _install_middleware(app: FastAPI, settings: ApiSettings) -> None:
    @app.middleware("http")
    async def request_log(request: Request, call_next: Callable):
        given = request.headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.state.request_id = request_id
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
        finally:
            _json_log(event="request", request_id=request_id, method=request.method, path=request.url.path,
                      status=status, ms=round(1000 * (time.perf_counter() - start), 1))
        response.headers["X-Request-ID"] = request_id
        return response

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization", "X-Request-ID"])
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem):
        return problem_response(request, exc.status, exc.title, exc.detail, exc.code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(request, 400, "Malformed JSON", "the body is not valid JSON; send a JSON object "
                                    "(Content-Type: application/json)", "malformed_json")
        # loc and message only: never echo the input (it may be feedback text)
        shown = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in errors]
        detail = "; ".join(f"{'.'.join(x['loc'][1:] or x['loc'])}: {x['msg']}" for x in shown[:5])
        return problem_response(request, 422, "Invalid request", detail, "invalid_request", errors=shown)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        titles = {404: "Not found", 405: "Method not allowed"}
        detail = exc.detail if isinstance(exc.detail, str) else "see the OpenAPI document at /docs"
        return problem_response(request, exc.status_code, titles.get(exc.status_code, "HTTP error"), detail,
                                f"http_{exc.status_code}", headers=getattr(exc, "headers", None))

    @app.exception_handler(FqaError)
    async def fqa_error(request: Request, exc: FqaError):
        if isinstance(exc, TextTooLongError):
            status, title = 413, "Text too long"
        elif isinstance(exc, ModelNotFoundError):
            status, title = 503, "Models not available"
        else:
            status, title = 422, "Cannot analyse this input"
        return problem_response(request, status, title, str(exc), exc.code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.error(json.dumps({"event": "error", "request_id": getattr(request.state, "request_id", None),
                              "error": type(exc).__name__}))
        return problem_response(request, 500, "Internal error", "an unexpected error; the request id is in the "
                                "X-Request-ID header of this response", "internal_error")


def _auth(settings: ApiSettings):
    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="needed when FQA_API_KEYS is set")

    async def check(request: Request, key: str | None = Depends(header)) -> None:
        if not settings.keys:
            return
        if key is None:
            bearer = request.headers.get("authorization", "")
            key = bearer[7:].strip() if bearer.lower().startswith("bearer ") else None
        if key is None or not any(secrets.compare_digest(key, k) for k in settings.keys):
            raise ApiProblem(401, "API key needed", "send a valid key in the X-API-Key header "
                             "(or Authorization: Bearer KEY)", "unauthorized", headers={"WWW-Authenticate": "Bearer"})

    return check


def _json_body(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiProblem(415, "Unsupported media type", f"send JSON with Content-Type: application/json "
                         f"(got '{content_type or 'none'}')", "unsupported_media_type")


def _rubric(rubric_id: str | None) -> Rubric | None:
    """Ids only: a network caller may not name files on the server."""
    return None if rubric_id is None else get_rubric_by_id(rubric_id)


class Slots:
    """At most `concurrency` analyses at once (CPU-bound work gains nothing from more), at most
    `max_queue` requests waiting; beyond that a 503 asks the client to retry."""

    def __init__(self, settings: ApiSettings):
        self.settings = settings
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.capacity = settings.concurrency + settings.max_queue
        self.admitted = 0  # running + waiting; checked and changed with no await in between

    async def run(self, fn: Callable, *args, **kwargs):
        settings = self.settings
        if self.admitted >= self.capacity:
            raise ApiProblem(503, "Busy", f"{self.admitted} requests are already running or waiting; retry in a few "
                             "seconds (limit: FQA_API_MAX_QUEUE)", "busy", headers={"Retry-After": "2"})
        self.admitted += 1
        start = time.perf_counter()
        try:
            try:
                await asyncio.wait_for(self.semaphore.acquire(), timeout=settings.timeout_seconds)
            except TimeoutError:
                raise _timeout(settings) from None
            try:
                left = settings.timeout_seconds - (time.perf_counter() - start)
                return await asyncio.wait_for(run_in_threadpool(fn, *args, **kwargs), timeout=max(left, 0.001))
            except TimeoutError:
                raise _timeout(settings) from None
            finally:
                self.semaphore.release()
        finally:
            self.admitted -= 1


def _timeout(settings: ApiSettings) -> ApiProblem:
    return ApiProblem(504, "Took too long", f"no answer within {settings.timeout_seconds:g} s; send shorter text or "
                      "fewer items, or retry when the service is less busy (limit: FQA_API_TIMEOUT_SECONDS)", "timeout")


def _install_routes(app: FastAPI, settings: ApiSettings) -> None:
    auth = [Depends(_auth(settings))]
    post = [*auth, Depends(_json_body)]
    slots = Slots(settings)

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> Health:
        """The process is up."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["service"], responses={503: problem_doc("models still loading")})
    async def readyz(request: Request):
        """The models are loaded and the service can answer."""
        if not nlp.models_loaded():
            return problem_response(request, 503, "Not ready", "models are still loading", "not_ready")
        return Health(status="ready", models_loaded=True)

    @app.post("/v1/analyze", response_model=FeedbackAnalysis, dependencies=post, tags=["analysis"],
              responses=PROBLEM_RESPONSES)
    async def analyze(body: AnalyzeRequest) -> FeedbackAnalysis:
        """Analyse one feedback text (optionally aligned to a rubric, with ratings)."""
        rubric = _rubric(body.rubric)
        results = await slots.run(analyze_many, [body.text], rubric=rubric, profile=body.profile,
                                  ratings=None if body.ratings is None else [body.ratings])
        return results[0]

    @app.post("/v1/analyze/batch", response_model=BatchResponse, dependencies=post, tags=["analysis"],
              responses=PROBLEM_RESPONSES)
    async def analyze_batch(body: BatchRequest) -> BatchResponse:
        """Analyse several texts in one batched pass (at most FQA_API_MAX_BATCH)."""
        if len(body.items) > settings.max_batch:
            raise ApiProblem(413, "Batch too large", f"{len(body.items)} items; send at most {settings.max_batch} "
                             "per request (limit: FQA_API_MAX_BATCH)", "batch_too_large")
        rubric = _rubric(body.rubric)
        ratings = [i.ratings for i in body.items] if any(i.ratings for i in body.items) else None
        results = await slots.run(analyze_many, [i.text for i in body.items], rubric=rubric,
                                  profile=body.profile, ratings=ratings)
        return BatchResponse(results=results)

    @app.post("/v1/compare", response_model=CalibrationReport, dependencies=post, tags=["calibration"],
              responses=PROBLEM_RESPONSES)
    async def compare(body: CompareRequest) -> CalibrationReport:
        """Compare evaluators who observed the same lessons: ratings, evidence, discussion points, agreement."""
        if len(body.records) > settings.max_compare_records:
            raise ApiProblem(413, "Too many records", f"{len(body.records)} records; send at most "
                             f"{settings.max_compare_records} (limit: FQA_API_MAX_COMPARE_RECORDS)", "too_many_records")
        ids = {body.rubric} if body.rubric else {r.rubric for r in body.records}
        rubric = _rubric(ids.pop()) if len(ids) == 1 else None  # several: compare names the mix
        return await slots.run(run_compare, body.records, rubric=rubric)

    @app.get("/v1/rubrics", response_model=list[RubricSummary], dependencies=auth, tags=["rubrics"])
    async def rubrics() -> list[RubricSummary]:
        """The rubrics this service knows."""
        return [RubricSummary(id=r.id, name=r.name, version=r.version, components=len(r.components),
                              levels=[f"{lv.value} {lv.label}" for lv in r.levels], profiles=[p.id for p in r.profiles])
                for r, _ in available_rubrics().values()]

    @app.get("/v1/rubrics/{rubric_id}", response_model=Rubric, dependencies=auth, tags=["rubrics"],
             responses={404: problem_doc("unknown rubric id")})
    async def rubric(rubric_id: str, request: Request):
        """One rubric in full: levels, domains, components with look-fors and level descriptors, profiles."""
        try:
            return get_rubric_by_id(rubric_id)
        except RubricError as exc:
            return problem_response(request, 404, "Unknown rubric", str(exc), "unknown_rubric")
