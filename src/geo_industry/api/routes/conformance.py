"""The conformance declaration: exactly the classes the included routers earn."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from geo_industry.api.deps import LangDep, UrlsDep, reject_unknown_params
from geo_industry.api.html import render, text
from geo_industry.api.models import ConfClasses
from geo_industry.api.negotiation import HTML_OFFER, JSON_OFFER, Offer, negotiator
from geo_industry.api.responses import HTML, JSONResponse
from geo_industry.api.state import state_of

router = APIRouter(tags=["Capabilities"], dependencies=[Depends(reject_unknown_params)])
PageFormat = Annotated[Offer, Depends(negotiator(JSON_OFFER, HTML_OFFER))]


@router.get("/conformance", operation_id="getConformanceDeclaration", summary="Conformance declaration",
            responses={200: {"model": ConfClasses, "content": {HTML: {}}}}, response_class=JSONResponse)
async def conformance(request: Request, urls: UrlsDep, lang: LangDep, out: PageFormat) -> Response:
    """The conformance classes this API implements."""
    classes = state_of(request.app).conformance
    if out.is_html:
        return render("conformance.html", urls=urls, lang=lang, title=text(lang, "conformance"), classes=classes)
    return JSONResponse({"conformsTo": classes})
