"""Investment analysis: zone assessments, rankings per investor profile, value-chain links (GeoJSON)."""

from fastapi import APIRouter, Depends
from starlette.responses import Response

from geo_industry.api.deps import UrlsDep, reject_unknown_params
from geo_industry.api.raster_documents import (
    GeoJSONCollection,
    ranking_collection,
    value_chain_collection,
    zones_collection,
)
from geo_industry.api.raster_params import RankingParamsDep
from geo_industry.api.rasters_state import RastersDep
from geo_industry.api.responses import GeoJSONResponse, JSONResponse
from geo_industry.raster.profiles import PROFILES, InvestorProfile

CONFORMS_TO: tuple[str, ...] = ()

router = APIRouter(prefix="/analysis", tags=["Analysis"], dependencies=[Depends(reject_unknown_params)])


@router.get("/zones", operation_id="getZoneAnalysis", summary="Zone analysis",
            responses={200: {"model": GeoJSONCollection}}, response_class=GeoJSONResponse)
async def zones(service: RastersDep, urls: UrlsDep) -> Response:
    """Every industrial zone, economic-zone area and cluster: distances (km, with their uncertainty, a range
    or why unknown) to the nearest border gate, railway, national road, expressway, hydropower plant, copper
    and apatite mine, mean slope, suitability score, placeholder inputs and each criterion's contribution."""
    return GeoJSONResponse(zones_collection(service, urls))


@router.get("/profiles", operation_id="getInvestorProfiles", summary="Investor profiles",
            responses={200: {"model": list[InvestorProfile]}}, response_class=JSONResponse)
async def profiles() -> Response:
    """The investor profiles rankings can use, with their weights."""
    return JSONResponse([p.model_dump(mode="json") for p in PROFILES.values()])


@router.get("/rankings", operation_id="getZoneRankings", summary="Zones ranked for an investor",
            responses={200: {"model": GeoJSONCollection}}, response_class=GeoJSONResponse)
async def rankings(params: RankingParamsDep, service: RastersDep, urls: UrlsDep) -> Response:
    """Zones ranked by score for a profile (or custom `weights`), each with the explanation of its score and
    its placeholder inputs; `notes` says once which criteria no zone has. Weights that leave no criterion
    with data answer 400."""
    ranking = service.ranking(params.choice())
    return GeoJSONResponse(ranking_collection(ranking, service, urls))


@router.get("/value-chain", operation_id="getValueChain", summary="Value chain: mines to plants",
            responses={200: {"model": GeoJSONCollection}}, response_class=GeoJSONResponse)
async def value_chain(service: RastersDep, urls: UrlsDep) -> Response:
    """Links from each mine to the nearest plant of each processing stage of its ore (LineStrings),
    with the capacity utilisation (output / capacity) of mine and plant per year where known."""
    return GeoJSONResponse(value_chain_collection(service, urls, service.value_chain))
