-- Synthetic benchmark layers in PostGIS, generated in the database (no files, no client round trips).
--
--   psql -v points=1000000 -v parcels=100000 -v seed=0.42 -f bench/synthetic_layers.sql <database URL>
--
-- Two tables in the `geo_industry` schema, shaped like the PostGIS store's layer tables
-- (`geo_industry.store.postgis.schema.create_layer_table`): `id text primary key`,
-- `geom geometry(Geometry, 4326)`, one typed column per declared field, `properties jsonb` (the
-- feature's properties as stored), `version`, `etag` (generated from the stored content),
-- `position` (file order), a GiST index on `geom` and a btree on `position`, rows written in the
-- store's spatial order (`geo_industry.store.postgis.layout.SPATIAL_ORDER`, as `db load` writes them):
--
-- - `synthetic_points`: :points points spread uniformly over Lào Cai province (lon 103.52–105.10,
--   lat 21.40–22.86), fields name, status, capacity_value, year;
-- - `synthetic_parcels`: :parcels rectangular parcels of 40–400 m a side, turned by a random angle,
--   centred uniformly over the same extent, fields parcel_no, land_use, area_ha, district.
--
-- `setseed` makes every run produce the same rows. Existing tables of these names are replaced.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(:seed);

CREATE SCHEMA IF NOT EXISTS geo_industry;

DROP TABLE IF EXISTS geo_industry.synthetic_points;
CREATE TABLE geo_industry.synthetic_points (
    id text PRIMARY KEY,
    geom geometry(Geometry, 4326),
    name text,
    status text,
    capacity_value double precision,
    year bigint,
    properties jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    etag text NOT NULL GENERATED ALWAYS AS (md5(id || ':' || version::text || ':' || properties::text || ':'
                                                || coalesce(encode(ST_AsEWKB(geom), 'hex'), ''))) STORED,
    position bigint NOT NULL
);

INSERT INTO geo_industry.synthetic_points
    (id, geom, name, status, capacity_value, year, properties, position)
SELECT id, geom, name, status, capacity_value, year,
       jsonb_build_object('id', id, 'name', name, 'status', status, 'capacity_value', capacity_value,
                          'year', year),
       position
FROM (
    SELECT i AS position, 'p' || i AS id, 'Point ' || i AS name,
           ST_SetSRID(ST_MakePoint(103.52 + random() * 1.58, 21.40 + random() * 1.46), 4326) AS geom,
           (ARRAY['operating', 'planned', 'construction', 'closed'])[1 + floor(random() * 4)::int] AS status,
           round((random() * 100)::numeric, 2)::double precision AS capacity_value,
           (1990 + floor(random() * 36))::bigint AS year
    FROM generate_series(0, :points - 1) AS i
) AS generated
ORDER BY ST_IsEmpty(geom), ST_Centroid(ST_Envelope(geom)), position;  -- layout.SPATIAL_ORDER

DROP TABLE IF EXISTS geo_industry.synthetic_parcels;
CREATE TABLE geo_industry.synthetic_parcels (
    id text PRIMARY KEY,
    geom geometry(Geometry, 4326),
    parcel_no text,
    land_use text,
    area_ha double precision,
    district text,
    properties jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    etag text NOT NULL GENERATED ALWAYS AS (md5(id || ':' || version::text || ':' || properties::text || ':'
                                                || coalesce(encode(ST_AsEWKB(geom), 'hex'), ''))) STORED,
    position bigint NOT NULL
);

-- Sides in metres become degrees at the parcel's latitude (1° lat ≈ 110.57 km, 1° lon ≈ 111.32 km · cos lat).
INSERT INTO geo_industry.synthetic_parcels
    (id, geom, parcel_no, land_use, area_ha, district, properties, position)
SELECT id, geom, parcel_no, land_use, area_ha, district,
       jsonb_build_object('id', id, 'parcel_no', parcel_no, 'land_use', land_use, 'area_ha', area_ha,
                          'district', district),
       position
FROM (
    SELECT i AS position, id, parcel_no, land_use, district,
           round((width_m * height_m / 10000)::numeric, 3)::double precision AS area_ha,
           ST_Rotate(ST_MakeEnvelope(lon - width_m / 2 / (111320 * cos(radians(lat))), lat - height_m / 2 / 110570,
                                     lon + width_m / 2 / (111320 * cos(radians(lat))), lat + height_m / 2 / 110570,
                                     4326),
                     angle, lon, lat) AS geom
    FROM (
        SELECT i, 'q' || i AS id, 'LC-' || lpad(i::text, 6, '0') AS parcel_no,
               103.53 + random() * 1.56 AS lon, 21.41 + random() * 1.44 AS lat,
               40 + random() * 360 AS width_m, 40 + random() * 360 AS height_m, random() * pi() AS angle,
               (ARRAY['industrial', 'agricultural', 'forest', 'residential', 'commercial'])
                   [1 + floor(random() * 5)::int] AS land_use,
               (ARRAY['Lào Cai', 'Bát Xát', 'Mường Khương', 'Bảo Thắng', 'Sa Pa', 'Văn Bàn', 'Yên Bái',
                      'Lục Yên', 'Văn Yên', 'Trấn Yên'])[1 + floor(random() * 10)::int] AS district
        FROM generate_series(0, :parcels - 1) AS i
    ) AS centres
) AS generated
ORDER BY ST_IsEmpty(geom), ST_Centroid(ST_Envelope(geom)), position;  -- layout.SPATIAL_ORDER

CREATE INDEX synthetic_points_geom_idx ON geo_industry.synthetic_points USING gist (geom);
CREATE INDEX synthetic_parcels_geom_idx ON geo_industry.synthetic_parcels USING gist (geom);
CREATE INDEX synthetic_points_position_idx ON geo_industry.synthetic_points (position);
CREATE INDEX synthetic_parcels_position_idx ON geo_industry.synthetic_parcels (position);
-- the map's name search (ACCENTI(CASEI(name)) LIKE '%word%'), as create_layer_indexes builds it, where
-- the store's schema (its accent_fold function, pg_trgm) is there
DO $$ BEGIN
    IF to_regprocedure('geo_industry.accent_fold(text)') IS NOT NULL THEN
        EXECUTE format('CREATE INDEX synthetic_points_name_trgm_idx ON geo_industry.synthetic_points '
                       'USING gin (geo_industry.accent_fold(lower(name)) %I.gin_trgm_ops)',
                       (SELECT n.nspname FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
                        WHERE c.opcname = 'gin_trgm_ops'));
    END IF;
END $$;
ANALYZE geo_industry.synthetic_points;
ANALYZE geo_industry.synthetic_parcels;

-- Catalog entries, when the database holds the store's schema (`geo-industry db init`): the
-- layers are then served by geo-industry like loaded ones. Run again, they are replaced.
SELECT to_regclass('geo_industry.catalog') IS NOT NULL AS has_catalog \gset
\if :has_catalog
WITH entries (layer_id, meta, property_order) AS (VALUES
    ('synthetic_points', jsonb_build_object(
        'id', 'synthetic_points', 'title', jsonb_build_object('vi', 'Điểm tổng hợp', 'en', 'Synthetic points'),
        'description', jsonb_build_object('vi', 'Dữ liệu thử hiệu năng', 'en', 'Benchmark data'),
        'geometry_type', 'Point', 'crs', 'OGC:CRS84', 'licence', 'CC0-1.0', 'attribution', 'bench',
        'fields', jsonb_build_array(
            jsonb_build_object('name', 'id', 'type', 'string'), jsonb_build_object('name', 'name', 'type', 'string'),
            jsonb_build_object('name', 'status', 'type', 'string'),
            jsonb_build_object('name', 'capacity_value', 'type', 'number'),
            jsonb_build_object('name', 'year', 'type', 'integer'))),
     ARRAY['id', 'name', 'status', 'capacity_value', 'year']),
    ('synthetic_parcels', jsonb_build_object(
        'id', 'synthetic_parcels', 'title', jsonb_build_object('vi', 'Thửa đất tổng hợp', 'en', 'Synthetic parcels'),
        'description', jsonb_build_object('vi', 'Dữ liệu thử hiệu năng', 'en', 'Benchmark data'),
        'geometry_type', 'Polygon', 'crs', 'OGC:CRS84', 'licence', 'CC0-1.0', 'attribution', 'bench',
        'fields', jsonb_build_array(
            jsonb_build_object('name', 'id', 'type', 'string'),
            jsonb_build_object('name', 'parcel_no', 'type', 'string'),
            jsonb_build_object('name', 'land_use', 'type', 'string'),
            jsonb_build_object('name', 'area_ha', 'type', 'number'),
            jsonb_build_object('name', 'district', 'type', 'string'))),
     ARRAY['id', 'parcel_no', 'land_use', 'area_ha', 'district'])
)
INSERT INTO geo_industry.catalog (layer_id, position, meta, meta_text, property_order)
SELECT layer_id, (SELECT coalesce(max(position), -1) FROM geo_industry.catalog) + row_number() OVER (),
       meta, meta::text, property_order
FROM entries
ON CONFLICT (layer_id) DO UPDATE SET meta = EXCLUDED.meta, meta_text = EXCLUDED.meta_text,
                                     property_order = EXCLUDED.property_order;
DELETE FROM geo_industry.derived_columns WHERE layer_id IN ('synthetic_points', 'synthetic_parcels');
\endif
