#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the history of a city of `parcelrisk synth` (simple registers), reading its files on
their own (Python's csv, sqlite3 and GDAL's osr for lon/lat), not through the engine: complaints
go to the nearest lot within 8 m, households to the lot their point is on.

- inspections span the five years before the as-of date, every year of them;
- most inspections follow a serious complaint about the same parcel within six months;
- outcomes follow the parcel's state: a slum's visits find major defects or close it after the
  day it started (truth_history.csv), hardly ever before;
- records follow the state: serious complaints about slums come after that day, and no
  household registered before it still lives there after it;
- closures lead to departures: nobody registered before a closure order lives there 75 days on;
- enough outcomes for a backtest: hits (parcels with a major or closure outcome) among inspected
  parcels in the six months from the as-of date - 12 months, and in the windows of three
  rolling origins;
- with --complaints noise (a second city of the same parcels and seed), the same city (truth,
  start days) and as many complaints, but no more of them about slums than about other homes,
  where the default city has several times more.

Usage: synth_history_check.py SIGNAL_DIR [NOISE_DIR]. Prints the figures; exits 1 on any failure.
"""
import collections
import configparser
import csv
import datetime
import sqlite3
import sys

from osgeo import osr

failures = []
SERIOUS = {"insalubrity", "overcrowding", "humidity", "electricity"}
HITS = {"major", "closure"}


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return bool(condition)


def parse_day(text):
    """A date as a day number, ISO or day first (some clerks); None if it is not one."""
    text = text.strip()
    for f in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, f).date().toordinal()
        except ValueError:
            pass
    return None


def months_before(day, months):
    d = datetime.date.fromordinal(day)
    m = d.month - 1 - months
    y = d.year + m // 12
    return datetime.date(y, m % 12 + 1, min(d.day, 28)).toordinal()


class City:
    def __init__(self, folder):
        self.folder = folder
        ini = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
        ini.read(f"{folder}/sources.ini", encoding="utf-8")
        self.as_of = parse_day(ini.get("run", "as_of"))
        self.lots = {}
        self.grid = collections.defaultdict(list)
        db = sqlite3.connect(f"{folder}/parcels.gpkg")
        for key, use, minx, maxx, miny, maxy in db.execute(
                "SELECT p.capakey, p.use, r.minx, r.maxx, r.miny, r.maxy "
                "FROM parcels p JOIN rtree_parcels_geom r ON r.id = p.fid"):
            if key is None or use in ("road", "workshop"):
                continue
            self.lots[key] = (minx, maxx, miny, maxy)
            for gx in range(int(minx // 20), int(maxx // 20) + 1):
                for gy in range(int(miny // 20), int(maxy // 20) + 1):
                    self.grid[(gx, gy)].append(key)
        self.truth = {}
        with open(f"{folder}/truth.csv", newline="") as f:
            for row in csv.DictReader(f):
                self.truth[row["parcel"]] = (row["is_slum"] == "1", row["kind"])
        self.since = {}
        with open(f"{folder}/truth_history.csv", newline="") as f:
            for row in csv.DictReader(f):
                self.since[row["parcel"]] = parse_day(row["slum_since"])
        self.inspections = []
        with open(f"{folder}/inspections.csv", newline="") as f:
            for row in csv.DictReader(f):
                day = parse_day(row["inspected"])
                key = row["capakey"].strip()
                if day is not None and key in self.truth:
                    self.inspections.append((key, day, row["outcome"]))
        self.inspections.sort(key=lambda i: i[1])
        to_lambert = osr.CoordinateTransformation(self.srs(4326), self.srs(31370))
        self.complaints = collections.defaultdict(list)
        self.unplaced = 0
        with open(f"{folder}/complaints.csv", newline="") as f:
            for row in csv.DictReader(f):
                day = parse_day(row["received"])
                if day is None or not row["lon"]:
                    continue
                x, y, _ = to_lambert.TransformPoint(float(row["lon"]), float(row["lat"]))
                key = self.nearest(x, y, 8.0)
                if key is None:
                    self.unplaced += 1
                    continue
                self.complaints[key].append((day, row["category"]))
        self.households = collections.defaultdict(list)
        with open(f"{folder}/population.csv", newline="") as f:
            for row in csv.DictReader(f):
                try:
                    x, y = float(row["x"]), float(row["y"])
                except ValueError:
                    continue
                registered = parse_day(row["registered"])
                left = parse_day(row["left"]) if row["left"] else None
                key = self.covering(x, y)
                if registered is not None and key is not None:
                    self.households[key].append((registered, left))

    @staticmethod
    def srs(code):
        s = osr.SpatialReference()
        s.ImportFromEPSG(code)
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        return s

    def covering(self, x, y):
        found = [k for k in self.grid.get((int(x // 20), int(y // 20)), [])
                 if self.lots[k][0] <= x <= self.lots[k][1] and self.lots[k][2] <= y <= self.lots[k][3]]
        return found[0] if len(found) == 1 else None

    def nearest(self, x, y, within):
        best, best_d = None, within
        for gx in range(int((x - within) // 20), int((x + within) // 20) + 1):
            for gy in range(int((y - within) // 20), int((y + within) // 20) + 1):
                for k in self.grid.get((gx, gy), []):
                    minx, maxx, miny, maxy = self.lots[k]
                    dx, dy = max(minx - x, 0, x - maxx), max(miny - y, 0, y - maxy)
                    d = (dx * dx + dy * dy) ** 0.5
                    if d < best_d:
                        best, best_d = k, d
        return best

    def residential(self, key):
        return self.truth.get(key, (False, "road"))[1] not in ("commercial", "road")

    def window(self, start, months=6):
        """Inspected parcels and hits in the months from start."""
        end = months_before(start, -months)
        inspected, hits = set(), set()
        for key, day, outcome in self.inspections:
            if start <= day < end:
                inspected.add(key)
                if outcome in HITS:
                    hits.add(key)
        return len(inspected), len(hits)


def history_figures(city, name):
    as_of = city.as_of
    print(f"== {name}: {len(city.truth)} parcels in truth.csv, {len(city.since)} slums, "
          f"{len(city.inspections)} inspections, "
          f"{sum(len(v) for v in city.complaints.values())} complaints on parcels "
          f"({city.unplaced} elsewhere)")
    days = [d for _, d, _ in city.inspections]
    per_year = [sum(1 for d in days if months_before(as_of, 12 * (k + 1)) <= d < months_before(as_of, 12 * k))
                for k in range(6)]
    print(f"{name}: inspections per year back from the as-of date: {per_year[:5]}, "
          f"before that {per_year[5]}; first {datetime.date.fromordinal(min(days))}, "
          f"last {datetime.date.fromordinal(max(days))}")
    # Complaint-driven: a serious complaint about the parcel in the six months before.
    driven = sum(1 for key, day, _ in city.inspections
                 if any(cat in SERIOUS and day - 183 <= c <= day
                        for c, cat in city.complaints.get(key, [])))
    share = driven / max(len(city.inspections), 1)
    print(f"{name}: {driven} of {len(city.inspections)} inspections ({share:.0%}) follow a serious "
          f"complaint about the parcel within six months")
    hits = sum(1 for _, _, o in city.inspections if o in HITS)
    print(f"{name}: outcomes major or closure: {hits} ({hits / max(len(city.inspections), 1):.0%})")
    at = months_before(as_of, 12)
    inspected, found = city.window(at)
    rate = found / max(inspected, 1)
    print(f"{name}: backtest at the as-of date - 12 months, 6 months: {inspected} parcels "
          f"inspected, {found} hits, the city's own hit rate {rate:.0%}")
    folds = {}
    for origin in (0, 12):
        folds[origin] = [city.window(months_before(as_of, origin + 12 * k))[1] for k in (1, 2, 3)]
        print(f"{name}: hits in the 6-month windows of the folds at -12, -24, -36 months before "
              f"the as-of date - {origin} months: {folds[origin]}, {sum(folds[origin])} together")
    # Complaints per parcel, slums against other homes.
    slums = [k for k, (s, _) in city.truth.items() if s and k in city.lots]
    others = [k for k, (s, _) in city.truth.items() if not s and k in city.lots and city.residential(k)]
    per = {}
    for what, keep in (("all", lambda c: True), ("serious", lambda c: c in SERIOUS)):
        a = sum(1 for k in slums for _, c in city.complaints.get(k, []) if keep(c)) / max(len(slums), 1)
        b = sum(1 for k in others for _, c in city.complaints.get(k, []) if keep(c)) / max(len(others), 1)
        per[what] = a / b if b else float("inf")
        print(f"{name}: {what} complaints per parcel: slums {a:.3f}, other homes {b:.3f}, "
              f"ratio {per[what]:.2f}")
    return {"per_year": per_year, "share": share, "inspected": inspected, "found": found,
            "rate": rate, "folds": folds, "ratio": per, "slums": slums}


def state_checks(city, name):
    """Records and outcomes follow each slum's start day; closures empty the parcel."""
    as_of = city.as_of
    start = as_of - 1826 - 183
    before = after = 0
    years_before = years_after = 0.0
    for key, since in city.since.items():
        serious = [d for d, c in city.complaints.get(key, []) if c in SERIOUS]
        if since > start:
            before += sum(1 for d in serious if d < since)
            years_before += (since - start) / 365.25
        after += sum(1 for d in serious if d >= max(since, start))
        years_after += (as_of - max(since, start)) / 365.25
    rate_before = before / max(years_before, 1e-9)
    rate_after = after / max(years_after, 1e-9)
    print(f"{name}: serious complaints about slums per parcel-year: before they started "
          f"{rate_before:.3f} ({before} in {years_before:.0f} years), after {rate_after:.3f} "
          f"({after} in {years_after:.0f} years)")
    outcomes = {"before": collections.Counter(), "after": collections.Counter()}
    for key, day, outcome in city.inspections:
        if key in city.since:
            outcomes["after" if day >= city.since[key] else "before"][outcome] += 1
    shares = {}
    for when, c in outcomes.items():
        n = sum(c.values())
        shares[when] = (sum(c[o] for o in HITS) / n if n else None, n)
        print(f"{name}: visits to slums {when} they started: {n}, outcomes {dict(c)}")
    # Nobody registered before a slum started lives there after it did.
    stayed = sum(1 for key, since in city.since.items() for r, l in city.households.get(key, [])
                 if r < since and (l is None or l > since))
    # Closure orders: everyone registered before one has left 75 days on.
    closures = [(k, d) for k, d, o in city.inspections if o == "closure" and d + 75 < as_of]
    stayed_on = with_departures = 0
    for key, day in closures:
        present = [(r, l) for r, l in city.households.get(key, []) if r <= day and (l is None or l > day)]
        stayed_on += sum(1 for r, l in present if l is None or l > day + 75)
        with_departures += bool(present)
    print(f"{name}: households registered before a slum started and there after it: {stayed}; "
          f"{len(closures)} closure orders, {with_departures} with households who left within "
          f"75 days, {stayed_on} households still there 75 days on")
    return {"rate_before": rate_before, "rate_after": rate_after, "shares": shares,
            "stayed": stayed, "closures": len(closures), "with_departures": with_departures,
            "stayed_on": stayed_on}


def main():
    signal = City(sys.argv[1])
    f = history_figures(signal, "signal")
    g = state_checks(signal, "signal")
    check(f["per_year"][5] == 0, f"inspections before the five years: {f['per_year'][5]}")
    total = sum(f["per_year"][:5])
    check(all(n >= 0.12 * total for n in f["per_year"][:5]),
          f"a year of the five with few inspections: {f['per_year'][:5]}")
    check(f["share"] >= 0.5, f"only {f['share']:.0%} of inspections follow a complaint")
    check(0.15 <= f["rate"] <= 0.5, f"the city's own hit rate {f['rate']:.0%} is not modest")
    check(f["found"] >= 24, f"only {f['found']} hits at the as-of date - 12 months")
    for origin, hits in f["folds"].items():
        check(sum(hits) >= 30, f"the folds before the as-of date - {origin} months hold "
              f"{sum(hits)} hits")
    check(f["ratio"]["serious"] >= 3 and f["ratio"]["all"] >= 3,
          f"complaints about slums only {f['ratio']} times as frequent as elsewhere")
    check(g["rate_after"] >= 5 * g["rate_before"],
          f"serious complaints about slums before they started: {g['rate_before']:.3f} a year, "
          f"after {g['rate_after']:.3f}")
    after, n_after = g["shares"]["after"]
    before, n_before = g["shares"]["before"]
    check(n_after >= 50 and after >= 0.7, f"visits to slums after they started: {n_after}, "
          f"major or closure {after}")
    check(n_before < 10 or before <= 0.2, f"visits to slums before they started: {n_before}, "
          f"major or closure {before}")
    check(g["stayed"] == 0, f"{g['stayed']} households registered before a slum started stay on")
    check(g["closures"] >= 20 and g["with_departures"] >= 0.8 * g["closures"],
          f"{g['closures']} closures, {g['with_departures']} followed by departures")
    check(g["stayed_on"] == 0, f"{g['stayed_on']} households stay on 75 days after a closure")

    if len(sys.argv) > 2:
        noise = City(sys.argv[2])
        n = history_figures(noise, "noise")
        state_checks(noise, "noise")
        check(noise.truth == signal.truth and noise.since == signal.since,
              "the noise city's truth differs from the signal city's")
        a = sum(len(v) for v in signal.complaints.values())
        b = sum(len(v) for v in noise.complaints.values())
        check(abs(a - b) <= 0.1 * a, f"complaints: signal {a}, noise {b}")
        check(0.6 <= n["ratio"]["all"] <= 1.5 and n["ratio"]["serious"] <= 1.8,
              f"with --complaints noise, complaints about slums {n['ratio']} times as frequent")
        for origin, hits in n["folds"].items():
            check(sum(hits) >= 30, f"noise: the folds before the as-of date - {origin} months "
                  f"hold {sum(hits)} hits")
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
