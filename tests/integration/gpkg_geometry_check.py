#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks what the engine writes into a GeoPackage layer itself (gpkg_rows.c), against the
geometry it holds: every geometry blob's header (magic, version, little-endian flags with an xy
envelope, the layer's srs_id) and envelope (the bounds of the WKB's own coordinates), the
layer's extent in gpkg_contents (the union of them) and its feature_count in gpkg_ogr_contents.
Usage: gpkg_geometry_check.py OUT.gpkg LAYER. Prints what is wrong and exits 1."""
import sqlite3
import struct
import sys


def wkb_bounds(wkb):
    """The bounds of a little- or big-endian 2-D Polygon or MultiPolygon WKB's coordinates."""
    xs, ys = [], []

    def read(at, fmt):
        return struct.unpack_from(fmt, wkb, at)

    def geometry(at):
        order = "<" if wkb[at] == 1 else ">"
        (kind,) = read(at + 1, order + "I")
        at += 5
        if kind == 6:
            (n,) = read(at, order + "I")
            at += 4
            for _ in range(n):
                at = geometry(at)
            return at
        if kind != 3:
            raise ValueError(f"WKB type {kind}")
        (rings,) = read(at, order + "I")
        at += 4
        for _ in range(rings):
            (points,) = read(at, order + "I")
            at += 4
            for _ in range(points):
                x, y = read(at, order + "dd")
                xs.append(x)
                ys.append(y)
                at += 16
        return at

    end = geometry(0)
    if end != len(wkb):
        raise ValueError(f"WKB of {len(wkb)} bytes read to {end}")
    return min(xs), max(xs), min(ys), max(ys)


def main():
    path, layer = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(path)
    (srs_id,) = db.execute(
        "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
    errors, rows = [], 0
    extent = [float("inf"), float("-inf"), float("inf"), float("-inf")]
    for fid, blob in db.execute(f'SELECT fid, geom FROM "{layer}"'):
        rows += 1
        if blob[:3] != b"GP\x00" or blob[3] != 0x03:
            errors.append(f"fid {fid}: header {blob[:4].hex()}")
            continue
        (srs,) = struct.unpack_from("<i", blob, 4)
        envelope = struct.unpack_from("<4d", blob, 8)
        bounds = wkb_bounds(blob[40:])
        if srs != srs_id:
            errors.append(f"fid {fid}: srs_id {srs}, the layer's {srs_id}")
        if envelope != bounds:
            errors.append(f"fid {fid}: envelope {envelope}, coordinates {bounds}")
        extent = [min(extent[0], bounds[0]), max(extent[1], bounds[1]),
                  min(extent[2], bounds[2]), max(extent[3], bounds[3])]
    (count,) = db.execute(
        "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?", (layer,)).fetchone()
    if count != rows:
        errors.append(f"gpkg_ogr_contents: {count} features, the table {rows}")
    stored = db.execute("SELECT min_x, max_x, min_y, max_y FROM gpkg_contents "
                        "WHERE table_name = ?", (layer,)).fetchone()
    if rows and list(stored) != extent:
        errors.append(f"gpkg_contents extent {stored}, the geometries' {extent}")
    for e in errors[:10]:
        print(f"{path} {layer}: {e}")
    sys.exit(1 if errors or rows == 0 else 0)


main()
