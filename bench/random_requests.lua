-- wrk script: every request fills its path template anew, so no response cache can answer it.
--
--   wrk ... -s bench/random_requests.lua http://127.0.0.1:PORT -- TEMPLATE WEST SOUTH EAST NORTH SIDE ZOOM IDS PREFIX SEED
--
-- Placeholders: {bbox} a square box of SIDE degrees inside the extent (minlon,minlat,maxlon,maxlat);
-- {tile} z/row/col of the WebMercatorQuad tile at ZOOM under a random point of the extent (OGC API -
-- Tiles order), {zxy} the same kind of tile as z/col/row (the XYZ order tipg's routes take);
-- {id} PREFIX followed by a random integer in [0, IDS). bench/load.py writes the same paths
-- in Python for its httpx fallback (random_path).

local template, west, south, east, north, side, zoom, ids, prefix

function init(args)
  template = args[1]
  west, south, east, north = tonumber(args[2]), tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  side, zoom, ids, prefix = tonumber(args[6]), tonumber(args[7]), tonumber(args[8]), args[9]
  math.randomseed(tonumber(args[10]))
end

local function uniform(low, high)
  return low + math.random() * (high - low)
end

local function bbox()
  local x0, y0 = uniform(west, east - side), uniform(south, north - side)
  return string.format("%.6f,%.6f,%.6f,%.6f", x0, y0, x0 + side, y0 + side)
end

local function row_col()
  local lon, lat = uniform(west, east), uniform(south, north)
  local n, phi = 2 ^ zoom, math.rad(lat)
  local col = math.floor((lon + 180) / 360 * n)
  local row = math.floor((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)
  return row, col
end

local function tile()
  local row, col = row_col()
  return string.format("%d/%d/%d", zoom, row, col)
end

local function zxy()
  local row, col = row_col()
  return string.format("%d/%d/%d", zoom, col, row)
end

request = function()
  local path = template
  path = path:gsub("{bbox}", bbox)
  path = path:gsub("{tile}", tile)
  path = path:gsub("{zxy}", zxy)
  path = path:gsub("{id}", function() return prefix .. math.random(0, ids - 1) end)
  return wrk.format("GET", path)
end
