"""HTTP API over the CallService.

Auth is on by default: on AWS, API Gateway's IAM authorizer guards the routes; locally a
bearer token (OUTDIAL_API_TOKEN, or one generated at start-up and printed) does.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from outdial.api.campaigns import build_router
from outdial.calls import CallNotActiveError, CallService
from outdial.campaign.service import CampaignService
from outdial.errors import InvalidEventError, NotFoundError, ScriptError
from outdial.models import AudioEncoding, CallRecord, Lang, ReplyOutput, TurnRecord, normalise_lang
from outdial.ports import ObjectStore


class StartCallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign_id: str = Field(min_length=1, max_length=128, pattern=r"^[\w.-]+$")
    contact_id: str = Field(min_length=1, max_length=128)
    phone: str = Field(min_length=3, max_length=32)
    script_id: str = Field(min_length=1, max_length=64)
    lang: Lang = Field(description="zh or en (zh-CN / en-US accepted)")
    context: dict[str, str] = Field(default_factory=dict)

    _lang = field_validator("lang", mode="before")(normalise_lang)


class StartCallResponse(BaseModel):
    call: CallRecord
    opening: ReplyOutput


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audio_b64: str = Field(min_length=1, description="caller audio, base64")
    encoding: AudioEncoding = "mulaw"
    sample_rate: int = Field(default=8000, description="8000 or 16000")


class CallDetail(BaseModel):
    call: CallRecord
    turns: list[TurnRecord]


class CallPage(BaseModel):
    items: list[CallRecord]
    next_after: str | None


def create_app(
    service: CallService,
    api_token: str | None,
    max_audio_bytes: int,
    campaigns: CampaignService | None = None,
    objects: ObjectStore | None = None,
) -> FastAPI:
    app = FastAPI(title="outdial", version="0.1.0", description="AI outbound calling API")
    public_paths = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}

    @app.middleware("http")
    async def _authorise(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Checked before the body is parsed, so an anonymous caller learns nothing from 422s.
        if api_token is not None and request.url.path not in public_paths:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credentials.encode(), api_token.encode()
            ):
                return JSONResponse(
                    status_code=401,
                    content={"detail": "missing or invalid bearer token"},
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return await call_next(request)

    # base64 audio plus a JSON envelope: anything larger is refused before it is read.
    max_body_bytes = max_audio_bytes * 4 // 3 + 64_000

    @app.middleware("http")
    async def _limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body_bytes):
            return JSONResponse(
                status_code=413, content={"detail": f"body: larger than {max_body_bytes} bytes"}
            )
        return await call_next(request)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(InvalidEventError)
    async def _invalid(_: Request, exc: InvalidEventError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(ScriptError)
    async def _script(_: Request, exc: ScriptError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(CallNotActiveError)
    async def _ended(_: Request, exc: CallNotActiveError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/calls", status_code=201)
    def start_call(body: StartCallRequest) -> StartCallResponse:
        try:
            call, opening = service.start_call(
                body.campaign_id, body.contact_id, body.phone, body.script_id, body.lang, body.context
            )
        except ValueError as exc:
            raise HTTPException(422, detail=f"context: {exc}") from exc
        return StartCallResponse(call=call, opening=opening)

    @app.post("/calls/{call_id}/turns")
    def post_turn(call_id: str, body: TurnRequest) -> TurnRecord:
        if body.sample_rate not in (8000, 16000):
            raise HTTPException(422, detail="sample_rate: must be 8000 or 16000")
        if len(body.audio_b64) > max_audio_bytes * 4 // 3 + 4:
            raise HTTPException(413, detail=f"audio_b64: audio larger than {max_audio_bytes} bytes")
        try:
            audio = base64.b64decode(body.audio_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise HTTPException(422, detail=f"audio_b64: not valid base64 ({exc})") from exc
        return service.take_turn(call_id, audio, body.encoding, body.sample_rate)

    @app.get("/calls/{call_id}")
    def get_call(call_id: str) -> CallDetail:
        return CallDetail(call=service.get_call(call_id), turns=service.list_turns(call_id))

    @app.get("/campaigns/{campaign_id}/calls")
    def list_calls(
        campaign_id: str,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        after: Annotated[str | None, Query(max_length=128)] = None,
    ) -> CallPage:
        items = service.list_calls(campaign_id, limit=limit, after=after)
        return CallPage(items=items, next_after=items[-1].call_id if len(items) == limit else None)

    if campaigns is not None and objects is not None:
        app.include_router(
            build_router(campaigns, calls=service, objects=objects, max_audio_bytes=max_audio_bytes)
        )
    return app
