"""Bearer-token authentication for writes: who is writing, and may they?

Reads are public. Each write operation depends on :func:`scope_required` with the scope it
needs (``features:write``, ``stats:write``, ``layers:write``). A missing, malformed, unknown
or revoked token is a 401 with a ``WWW-Authenticate: Bearer`` challenge; a valid key without
the scope is a 403. Tokens are read from the ``Authorization`` header only (never from the
query string, which access logs record) and appear in no message or log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from geo_industry.api.errors import exception_response
from geo_industry.api.state import state_of
from geo_industry.errors import NotAuthenticated
from geo_industry.keys import TOKEN_PREFIX, ApiKey, require_scope

#: query parameter names that carry credentials in other APIs (refused whatever their value)
CREDENTIAL_PARAMS = frozenset({"access_token", "token", "api_key", "apikey", "api-key", "auth", "authorization",
                               "bearer", "id_token", "refresh_token", "private_token", "secret", "password"})
#: what one of our tokens looks like (``gi_<key id>_<secret>``), under any parameter name
TOKEN_PATTERN = re.compile(rf"{TOKEN_PREFIX}_[0-9a-f]{{6,}}_[A-Za-z0-9_-]{{16,}}")
_TOKEN_IN_URL = re.compile(
    rf"((?:{'|'.join(re.escape(n) for n in sorted(CREDENTIAL_PARAMS))})=)[^&\s]*|{TOKEN_PATTERN.pattern}",
    re.IGNORECASE)
REDACTED = "[redacted]"

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
        key = state_of(request.app).keys().authenticate(credentials.credentials)
        require_scope(key, scope)
        return key

    authorized_key.__name__ = f"authorized_key_{scope.replace(':', '_')}"
    return authorized_key


FeaturesWriter = Annotated[ApiKey, Depends(scope_required("features:write"))]
StatisticsWriter = Annotated[ApiKey, Depends(scope_required("stats:write"))]
LayersWriter = Annotated[ApiKey, Depends(scope_required("layers:write"))]


def credential_parameter(query_string: str) -> str | None:
    """The name of the first query parameter that carries a credential (by name or by value), if any."""
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name.lower() in CREDENTIAL_PARAMS or TOKEN_PATTERN.search(value) or TOKEN_PATTERN.search(name):
            return name if not TOKEN_PATTERN.search(name) else "(a parameter name holding a token)"
    return None


def redacted(text: str) -> str:
    """``text`` (a URL or path with its query) with credential values replaced by ``[redacted]``."""
    return _TOKEN_IN_URL.sub(lambda m: (m.group(1) or "") + REDACTED, text)


class QueryCredentialGuard:
    """Refuse (400) any request carrying a credential in its query string, without repeating it.

    Query strings end up in access logs, proxies and browser history; a token sent there must be
    revoked. The message names the parameter, never its value.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            name = credential_parameter(scope["query_string"].decode("latin-1"))
            if name is not None:
                response = exception_response(
                    400, "InvalidParameterValue",
                    f"credentials are never accepted in the query string (parameter {name[:60]!r}): send "
                    "'Authorization: Bearer <token>'; revoke the token sent, query strings are logged")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RedactCredentials(logging.Filter):
    """A log filter that redacts credentials from a record's message arguments (uvicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        return True


def redact_access_log() -> None:
    """Install :class:`RedactCredentials` on uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCredentials) for f in access.filters):
        access.addFilter(RedactCredentials())
