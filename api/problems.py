"""Errors as `application/problem+json` (RFC 9457): type, title, status, detail, instance, plus a
stable `code`. The detail says what to fix; it never echoes feedback text."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

PROBLEM_TYPE_PREFIX = "urn:fqa:problem:"  # + the stable code, e.g. urn:fqa:problem:empty_text
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[dict] | None = None


def problem_response(request: Request, status: int, title: str, detail: str, code: str,
                     errors: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    body = Problem(type=PROBLEM_TYPE_PREFIX + code, title=title, status=status, detail=detail, code=code, instance=request.url.path, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE,
                        headers=headers)
