"""Service settings, from the environment with the `FQA_API_` prefix (e.g. `FQA_API_KEYS=k1,k2`)."""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FQA_API_")

    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=32, description="server processes (each loads the models once)")
    keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="accepted API keys, comma-separated; empty: no key needed")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed by CORS, comma-separated ('*' for any)")
    max_body_bytes: int = Field(1_000_000, gt=0, description="largest request body accepted")
    max_batch: int = Field(32, gt=0, description="most texts in one /v1/analyze/batch request")
    max_compare_records: int = Field(200, gt=0, description="most records in one /v1/compare request")
    timeout_seconds: float = Field(30.0, gt=0, description="time allowed per request before a 504")
    concurrency: int = Field(1, ge=1, le=64, description="analyses run at once per process (each already uses the CPU cores)")
    max_queue: int = Field(16, ge=0, description="requests waiting for an analysis slot before a 503")

    @field_validator("keys", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()
