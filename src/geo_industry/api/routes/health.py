"""A liveness and readiness probe."""

import anyio
from fastapi import APIRouter, Depends
from starlette.responses import Response

from geo_industry.api.deps import PreparedDep, reject_unknown_params
from geo_industry.api.models import Health
from geo_industry.api.responses import JSONResponse
from geo_industry.api.state import Prepared
from geo_industry.store.base import Replicated

router = APIRouter(tags=["Service"], dependencies=[Depends(reject_unknown_params)])


@router.get("/health", operation_id="getHealth", summary="Health", response_class=JSONResponse,
            responses={200: {"model": Health}})
async def health(prepared: PreparedDep) -> Response:
    """`ok` with the number of collections and features loaded; `degraded` when stored rows that cannot
    be served were quarantined at load (listed with the reason; a write can repair them); with a read
    replica, the revisions the worker knows, how many reads it sent to the primary while the replica
    lagged and how long a read waits for a lagging replica first (`replica`); never cached."""
    # the counts are read once per revision (on a database: a scan of each layer), never on the event loop;
    # in a thread of its own, not the requests' bounded pools, so a busy worker still answers its probe
    body = await anyio.to_thread.run_sync(_health, prepared)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _health(prepared: Prepared) -> dict[str, object]:
    store = prepared.store
    layers = store.collections()
    quarantined = store.quarantined
    body: dict[str, object] = {
        "status": "degraded" if quarantined else "ok",
        "collections": len(layers),
        "features": sum(store.count(meta.id) for meta in layers),
        "loadedAt": prepared.loaded_at,
    }
    if quarantined:
        body["quarantined"] = [{"collection": row.collection, "featureId": row.feature_id, "reason": row.reason}
                               for row in quarantined]
    routes = store.read_routes() if isinstance(store, Replicated) else None
    if routes is not None:
        body["replica"] = {"revision": routes.revision, "replayedRevision": routes.replayed,
                           "readsFromPrimary": routes.from_primary, "waitMs": routes.wait_ms}
    return body
