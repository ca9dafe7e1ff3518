"""The response cache and conditional GET middleware, on a tiny ASGI app that counts its calls."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from geo_industry.api.caching import ConditionalGetMiddleware, ResponseCache, _Entry


def _counting_app(version: list[int]) -> tuple[Starlette, list[int]]:
    calls = [0]

    async def page(request: Request) -> Response:
        calls[0] += 1
        return PlainTextResponse(f"v{version[0]} {request.headers.get('accept-language', '')}")

    async def private(request: Request) -> Response:
        calls[0] += 1
        return PlainTextResponse("secret", headers={"Cache-Control": "no-store"})

    app = Starlette(routes=[Route("/page", page), Route("/private", private)])
    app.add_middleware(ConditionalGetMiddleware, data_version=lambda: version[0])
    return app, calls


def test_identical_requests_run_the_route_once() -> None:
    app, calls = _counting_app([1])
    with TestClient(app) as client:
        first, second = client.get("/page"), client.get("/page")
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert calls[0] == 1


def test_cache_key_includes_vary_headers_and_query() -> None:
    app, calls = _counting_app([1])
    with TestClient(app) as client:
        assert client.get("/page", headers={"Accept-Language": "en"}).text.endswith("en")
        assert client.get("/page", headers={"Accept-Language": "vi"}).text.endswith("vi")
        client.get("/page?x=1")
    assert calls[0] == 3


def test_new_data_version_is_a_new_entry() -> None:
    version = [1]
    app, calls = _counting_app(version)
    with TestClient(app) as client:
        assert client.get("/page").text.startswith("v1")
        version[0] = 2
        assert client.get("/page").text.startswith("v2")
    assert calls[0] == 2


def test_no_cache_request_bypasses_and_no_store_is_never_kept() -> None:
    app, calls = _counting_app([1])
    with TestClient(app) as client:
        client.get("/page")
        client.get("/page", headers={"Cache-Control": "no-cache"})
        client.get("/private")
        client.get("/private")
    assert calls[0] == 4


def test_304_from_the_cache() -> None:
    app, calls = _counting_app([1])
    with TestClient(app) as client:
        etag = client.get("/page").headers["etag"]
        response = client.get("/page", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.headers["etag"] == etag
    assert "content-length" not in response.headers
    assert calls[0] == 1


def test_cache_is_bounded_in_bytes() -> None:
    cache = ResponseCache(max_bytes=100, max_body=60)
    for index in range(5):
        cache.put((index,), _Entry({}, b"x" * 40, f'"{index}"'))
    cache.put(("big",), _Entry({}, b"x" * 61, '"big"'))
    assert len(cache) == 2
    assert cache.get((4,)) is not None and cache.get((0,)) is None and cache.get(("big",)) is None
