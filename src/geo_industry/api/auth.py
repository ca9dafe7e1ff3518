"""Bearer-token authentication for writes: who is writing, and may they?

Reads are public. Each write operation depends on :func:`scope_required` with the scope it
needs (``features:write``, ``stats:write``, ``layers:write``). A missing, malformed, unknown
or revoked token is a 401 with a ``WWW-Authenticate: Bearer`` challenge; a valid key without
the scope is a 403. Tokens are read from the ``Authorization`` header only (never from the
query string, which access logs record) and appear in no message or log line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from geo_industry.errors import NotAuthenticated
from geo_industry.keys import ApiKey, ApiKeys, require_scope

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey",
                    description="An API key created with `geo-industry keys create` (shown once), "
                                "sent as `Authorization: Bearer <token>`.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def actor_of(key: ApiKey) -> str:
    """How the audit trail names the holder of ``key``: its name and id, never its secret."""
    return f"{key.name} (key {key.id})"


def scope_required(scope: str) -> Callable[..., ApiKey]:
    """A dependency returning the caller's key once it has ``scope``; raises 401/403 otherwise."""

    def authorized_key(request: Request, credentials: BearerDep) -> ApiKey:
        if credentials is None:
            if request.headers.get("authorization"):
                raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
            raise NotAuthenticated(f"this operation needs an API key with scope '{scope}': "
                                   "send 'Authorization: Bearer <token>'")
        keys: ApiKeys = request.app.state.api_keys
        key = keys.authenticate(credentials.credentials)
        require_scope(key, scope)
        return key

    authorized_key.__name__ = f"authorized_key_{scope.replace(':', '_')}"
    return authorized_key


FeaturesWriter = Annotated[ApiKey, Depends(scope_required("features:write"))]
StatisticsWriter = Annotated[ApiKey, Depends(scope_required("stats:write"))]
LayersWriter = Annotated[ApiKey, Depends(scope_required("layers:write"))]
