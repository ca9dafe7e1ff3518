"""GDAL's MVT driver reads the vector tiles the live server sends (``ogrinfo`` on a tile file).

The tile is saved as ``{z}/{x}/{y}.pbf``, the layout GDAL's MVT driver reads the tile's place
from, so it georeferences the features itself (EPSG:3857); a mine must land where it is.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import mapbox_vector_tile
import morecantile
import pytest
from pyproj import Transformer

from geo_industry.store import EmbeddedStore
from geo_industry.vector_tiles import EXTENT

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(shutil.which("ogrinfo") is None,
                       reason="GDAL command-line tools not installed (Debian: apt-get install gdal-bin)"),
]

ZOOM = 12
#: One tile unit at z12 in Web Mercator metres (a tile spans 2πR / 2^12, split in 4096 units).
UNIT_M = 2 * math.pi * 6378137 / 2**ZOOM / EXTENT


def _save_tile(base_url: str, layer_id: str, tile: morecantile.Tile, folder: Path) -> Path:
    url = f"{base_url}/collections/{layer_id}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    response = httpx.get(url, timeout=30.0)
    assert response.status_code == 200, response.text
    path = folder / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(response.content)
    return path


def _ogrinfo(path: Path) -> str:
    return subprocess.run(["ogrinfo", "-ro", "-al", "-geom=YES", str(path)], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def test_ogrinfo_reads_a_mine_at_its_place(base_url: str, store: EmbeddedStore, tmp_path: Path) -> None:
    frame = store.frame("mines")
    mine = frame[frame.geometry.notna()].iloc[0]
    tile = morecantile.tms.get("WebMercatorQuad").tile(mine.geometry.x, mine.geometry.y, ZOOM)
    out = _ogrinfo(_save_tile(base_url, "mines", tile, tmp_path))
    assert "Layer name: mines" in out and "EPSG\",3857" in out
    block = next(b for b in out.split("OGRFeature(")[1:] if re.search(rf"id \(String\) = {re.escape(mine['id'])}\n", b))
    x, y = map(float, re.search(r"POINT \(([-\d.e+]+) ([-\d.e+]+)\)", block).groups())  # type: ignore[union-attr]
    expected_x, expected_y = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True).transform(
        mine.geometry.x, mine.geometry.y)
    assert abs(x - expected_x) <= UNIT_M and abs(y - expected_y) <= UNIT_M


def test_ogrinfo_counts_what_the_tile_holds(base_url: str, store: EmbeddedStore, tmp_path: Path) -> None:
    for layer_id in ("zone_outlines", "transport_lines", "mines"):
        if layer_id not in {meta.id for meta in store.collections()}:
            continue
        frame = store.frame(layer_id)
        centre = frame[frame.geometry.notna()].geometry.iloc[0].representative_point()
        tile = morecantile.tms.get("WebMercatorQuad").tile(centre.x, centre.y, ZOOM)
        path = _save_tile(base_url, layer_id, tile, tmp_path / layer_id)
        decoded = mapbox_vector_tile.decode(path.read_bytes())[layer_id]["features"]
        count = int(re.search(r"Feature Count: (\d+)", _ogrinfo(path)).group(1))  # type: ignore[union-attr]
        assert count == len(decoded) > 0, layer_id
