-- SPDX-License-Identifier: MIT
-- The peer's join for scripts/bench, run by the spatialite CLI on the database that ogr2ogr
-- loaded (tables parcels, population, complaints, inspections; each geometry column is named
-- geometry and has a SpatiaLite R*Tree). scripts/bench prepends a bench_params table with the
-- sources' snap distances.
--
-- 1. Points within a parcel, driven by the parcels: per parcel, the R*Tree of the points
--    (SpatialIndex virtual table, search_frame = the parcel) and ST_Within. A point inside two
--    overlapping parcels counts in both; a point on a boundary counts in neither.
-- 2. The points left over (within no parcel) go to the nearest parcel within snap_m, found
--    through the parcels' R*Tree (search frame: the square of side 2 snap_m around the point).
--    The distance is ordered through a derived column: SQLite 3.40 rejects ORDER BY
--    ST_Distance(p.geometry, q.geometry) in this correlated subquery ("no such column"). This is the
--    peer's closest cheap equivalent of parcelrisk's snapping; without it every complaint
--    (geocoded onto the street) would be missed.
-- 3. One row per parcel with its counts, registered as a SpatiaLite geometry column, which
--    scripts/bench then copies to a GeoPackage with ogr2ogr.
PRAGMA synchronous = OFF;
PRAGMA journal_mode = OFF;
PRAGMA cache_size = -262144;

SELECT 'peer: within';
CREATE TABLE population_in AS
SELECT p.ogc_fid AS parcel, q.ogc_fid AS point
FROM parcels p, population q
WHERE q.ROWID IN (SELECT ROWID FROM SpatialIndex
                  WHERE f_table_name = 'population' AND search_frame = p.geometry)
  AND ST_Within(q.geometry, p.geometry);

CREATE TABLE complaints_in AS
SELECT p.ogc_fid AS parcel, q.ogc_fid AS point
FROM parcels p, complaints q
WHERE q.ROWID IN (SELECT ROWID FROM SpatialIndex
                  WHERE f_table_name = 'complaints' AND search_frame = p.geometry)
  AND ST_Within(q.geometry, p.geometry);

SELECT 'peer: snap';
CREATE INDEX population_in_point ON population_in (point);
CREATE INDEX complaints_in_point ON complaints_in (point);

CREATE TABLE population_snap AS
SELECT q.ogc_fid AS point,
  (SELECT c.ogc_fid FROM
     (SELECT p.ogc_fid AS ogc_fid, ST_Distance(p.geometry, q.geometry) AS d FROM parcels p
       WHERE p.ROWID IN (SELECT ROWID FROM SpatialIndex
                         WHERE f_table_name = 'parcels'
                           AND search_frame = BuildCircleMbr(ST_X(q.geometry), ST_Y(q.geometry), s.snap_m))) c
    WHERE c.d <= s.snap_m ORDER BY c.d, c.ogc_fid LIMIT 1) AS parcel
FROM population q, (SELECT population_snap_m AS snap_m FROM bench_params) s
WHERE q.geometry IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM population_in i WHERE i.point = q.ogc_fid);

CREATE TABLE complaints_snap AS
SELECT q.ogc_fid AS point,
  (SELECT c.ogc_fid FROM
     (SELECT p.ogc_fid AS ogc_fid, ST_Distance(p.geometry, q.geometry) AS d FROM parcels p
       WHERE p.ROWID IN (SELECT ROWID FROM SpatialIndex
                         WHERE f_table_name = 'parcels'
                           AND search_frame = BuildCircleMbr(ST_X(q.geometry), ST_Y(q.geometry), s.snap_m))) c
    WHERE c.d <= s.snap_m ORDER BY c.d, c.ogc_fid LIMIT 1) AS parcel
FROM complaints q, (SELECT complaints_snap_m AS snap_m FROM bench_params) s
WHERE q.geometry IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM complaints_in i WHERE i.point = q.ogc_fid);

SELECT 'peer: counts';
CREATE TABLE population_per_parcel AS
SELECT parcel, COUNT(*) AS n FROM
  (SELECT parcel FROM population_in UNION ALL SELECT parcel FROM population_snap WHERE parcel IS NOT NULL)
GROUP BY parcel;
CREATE TABLE complaints_per_parcel AS
SELECT parcel, COUNT(*) AS n FROM
  (SELECT parcel FROM complaints_in UNION ALL SELECT parcel FROM complaints_snap WHERE parcel IS NOT NULL)
GROUP BY parcel;
CREATE UNIQUE INDEX population_per_parcel_parcel ON population_per_parcel (parcel);
CREATE UNIQUE INDEX complaints_per_parcel_parcel ON complaints_per_parcel (parcel);
CREATE TABLE inspections_per_key AS
SELECT trim(capakey) AS capakey, COUNT(*) AS n FROM inspections GROUP BY trim(capakey);
CREATE UNIQUE INDEX inspections_per_key_capakey ON inspections_per_key (capakey);

CREATE TABLE counts AS
SELECT p.ogc_fid AS ogc_fid, trim(p.capakey) AS capakey, p.geometry AS geometry,
  COALESCE(a.n, 0) AS population_records,
  COALESCE(b.n, 0) AS complaints_records,
  COALESCE(c.n, 0) AS inspections_records
FROM parcels p
LEFT JOIN population_per_parcel a ON a.parcel = p.ogc_fid
LEFT JOIN complaints_per_parcel b ON b.parcel = p.ogc_fid
LEFT JOIN inspections_per_key c ON c.capakey = trim(p.capakey);
SELECT RecoverGeometryColumn('counts', 'geometry', 31370, 'MULTIPOLYGON', 'XY');

SELECT 'peer: totals',
  (SELECT COUNT(*) FROM population_in), (SELECT COUNT(parcel) FROM population_snap),
  (SELECT COUNT(*) FROM complaints_in), (SELECT COUNT(parcel) FROM complaints_snap),
  (SELECT SUM(population_records) FROM counts), (SELECT SUM(complaints_records) FROM counts),
  (SELECT SUM(inspections_records) FROM counts);
