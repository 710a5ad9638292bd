"""Request and response schemas of the HTTP API (pydantic). JSON fields are snake_case."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.services.institutions import SLUG_PATTERN


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=63, examples=["skola-ljubljana"])
    name: str = Field(min_length=1, max_length=255)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    legal_id: str = Field(min_length=1, max_length=255)
    did_method: Literal["web", "key"] = "web"
    key_type: Literal["ed25519", "p256"] = "ed25519"
    homepage: str | None = Field(default=None, max_length=2048)


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    verification_method: str
    key_type: str
    public_key_multibase: str
    state: Literal["active", "retired", "withdrawn"]
    created_at: datetime
    retired_at: datetime | None
    withdrawn_at: datetime | None


class InstitutionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    country: str
    legal_id: str
    homepage: str | None
    did: str
    did_method: str
    key_type: str
    created_at: datetime
    did_document_url: str
    keys: list[KeyPublic]


class InstitutionCreated(InstitutionPublic):
    api_key: str = Field(description="Shown once; only a hash is stored.")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=255)


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    api_key: str = Field(description="Shown once; only a hash is stored.")


class EventPublic(BaseModel):
    kind: str
    subject: str
    actor: str
    at: datetime
    data: dict[str, object]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
