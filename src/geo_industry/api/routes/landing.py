"""The landing page and the API definition (OpenAPI 3.0 JSON and its HTML documentation)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from geo_industry.api.deps import LangDep, UrlsDep, reject_unknown_params
from geo_industry.api.html import render, text
from geo_industry.api.links import link
from geo_industry.api.models import LandingPage
from geo_industry.api.negotiation import HTML_OFFER, JSON_OFFER, OPENAPI_OFFER, Offer, negotiator
from geo_industry.api.responses import GEOJSON, HTML, JSON, OPENAPI_JSON, JSONResponse, OpenAPIResponse

CONFORMS_TO = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
)

router = APIRouter(tags=["Capabilities"], dependencies=[Depends(reject_unknown_params)])
PageFormat = Annotated[Offer, Depends(negotiator(JSON_OFFER, HTML_OFFER))]
ApiFormat = Annotated[Offer, Depends(negotiator(OPENAPI_OFFER, HTML_OFFER))]


def landing_document(urls: Any, lang: str) -> dict[str, Any]:
    """The landing page's JSON."""
    return {
        "title": text(lang, "site"),
        "description": text(lang, "intro"),
        "links": [
            link(urls.url("/"), "self", JSON, "this document"),
            link(urls.url("/", f="html"), "alternate", HTML, "this document as HTML"),
            link(urls.url("/api"), "service-desc", OPENAPI_JSON, "the API definition"),
            link(urls.url("/api", f="html"), "service-doc", HTML, "the API documentation"),
            link(urls.url("/conformance"), "conformance", JSON, "conformance classes"),
            link(urls.url("/collections"), "data", JSON, "collections"),
            link(urls.url("/collections/{collectionId}/items"), "data", GEOJSON, "features of a collection",
                 templated=True),
            link(urls.url("/maps/", lang=lang), "related", HTML, "interactive maps"),
        ],
    }


@router.get("/", operation_id="getLandingPage", summary="Landing page",
            responses={200: {"model": LandingPage, "content": {HTML: {}}}}, response_class=JSONResponse)
async def landing(urls: UrlsDep, lang: LangDep, out: PageFormat) -> Response:
    """Links to the API definition, the conformance declaration and the collections."""
    document = landing_document(urls, lang)
    if out.is_html:
        return render("landing.html", urls=urls, lang=lang, title=document["title"], document=document)
    return JSONResponse(document, headers={"Content-Language": lang})


@router.get("/api", operation_id="getAPIDefinition", summary="API definition",
            responses={200: {"content": {OPENAPI_JSON: {"schema": {"type": "object"}}, HTML: {}}}},
            response_class=OpenAPIResponse)
async def api_definition(request: Request, urls: UrlsDep, lang: LangDep, out: ApiFormat) -> Response:
    """This API's OpenAPI 3.0 definition; `f=html` for its documentation."""
    document = request.app.openapi()
    if out.is_html:
        return render("api.html", urls=urls, lang=lang, title=text(lang, "api_doc"), document=document)
    return OpenAPIResponse(document)
