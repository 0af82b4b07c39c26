#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a city of `parcelrisk synth --registers brussels` against the simple city of the same
parcels and seed, reading every file on its own (Python's csv, codecs, sqlite3), not through the
engine:

- addresses.txt is pipe-separated UTF-8 with the register's columns; each row's point lies on its
  parcel, whose `address` column is the row's French street and number; no address is on two
  parcels but the one planted;
- population.csv, complaints.csv and inspections.csv are CP1252 (and not UTF-8), `;`-separated,
  CRLF, DD/MM/YYYY, and hold row for row the simple city's records;
- every household row, located through the register by a reference reading of the contract's
  matching (names folded and abbreviations expanded, then street + number + box + postcode,
  without the box, without the letter, in another postcode), lands on the parcel its coordinates
  give in the simple city; the planted rows fail as planted_rejects.csv says.

It also asks that every way of writing a street, number and box shows at least once, which takes
a city of a few thousand parcels. Usage: synth_brussels_check.py SIMPLE_DIR BRUSSELS_DIR. Prints
what it saw; exits 1 on any failure."""
import collections
import configparser
import csv
import datetime
import re
import sqlite3
import sys
import unicodedata

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, file=sys.stderr)


def check(condition, message):
    if not condition:
        fail(message)
    return bool(condition)


REGISTER_HEADER = ["address_id", "streetname_fr", "streetname_nl", "streetname_de", "house_number",
                   "box_number", "postcode", "municipality_fr", "municipality_nl", "x", "y",
                   "capakey"]
POPULATION_HEADER = ["rue", "numero", "boite", "cp", "menage", "personnes", "date_inscription",
                     "date_départ"]
COMPLAINTS_HEADER = ["lon", "lat", "date_plainte", "catégorie"]
INSPECTIONS_HEADER = ["capakey", "date_visite", "resultat"]

# ---- names as the contract compares them: a reference reading --------------------------------

ABBREVIATIONS = {"r": "rue", "av": "avenue", "bd": "boulevard", "chee": "chaussee", "pl": "place",
                 "sq": "square", "saint": "st", "sint": "st", "sainte": "ste", "str": "straat",
                 "stwg": "steenweg"}


def unaccented(text):
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def plain(text):
    return unaccented(text).casefold()


def fold_street(name):
    """Accents, case, punctuation and spacing folded; French street kinds and Dutch suffixes
    expanded; Saint/Sint/St- made one."""
    words = []
    for word in re.split(r"[^0-9a-z]+", plain(name)):
        if not word:
            continue
        if word in ABBREVIATIONS:
            word = ABBREVIATIONS[word]
        elif word.endswith("stwg"):
            word = word[:-4] + "steenweg"
        elif word.endswith("str"):
            word = word[:-3] + "straat"
        words.append(word)
    return "".join(words)


NUMBER = re.compile(r"^(\d+)([a-z]?)(?:\s*(?:/|\b(?:bte|bus|boite)\b\.?)\s*([a-z0-9]+))?$")


def parse_number(numero, boite):
    m = NUMBER.match(re.sub(r"\s+", " ", plain(numero).strip()))
    if not m:
        return None
    box = boite.strip().upper() or (m.group(3) or "").upper()
    return int(m.group(1)), m.group(2).upper(), box


def parse_date(text, day_first_only):
    text = text.strip()
    if not text:
        return None
    formats = ["%d/%m/%Y"] if day_first_only else ["%Y-%m-%d", "%d/%m/%Y"]
    for f in formats:
        try:
            return datetime.datetime.strptime(text, f).date()
        except ValueError:
            pass
    return "bad"


# ---- files ----------------------------------------------------------------------------------

def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_exported(path, header, name):
    """A CP1252, ';', CRLF file: checks the encoding, the line ends and the header, and returns
    its data rows."""
    raw = read_bytes(path)
    try:
        raw.decode("utf-8")
        fail(f"{name}: decodes as UTF-8, not as CP1252 with accented letters")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as e:
        fail(f"{name}: not CP1252: {e}")
        return []
    check(raw.endswith(b"\r\n"), f"{name}: does not end with CRLF")
    check(raw.count(b"\n") == raw.count(b"\r\n"), f"{name}: a line ends without CR")
    check(re.search("[éèêàçôîÉ]", text) is not None, f"{name}: no accented letter")
    lines = re.split(r"\r?\n", text[:-2] if text.endswith("\r\n") else text)
    rows = list(csv.reader(lines, delimiter=";", quoting=csv.QUOTE_NONE))
    check(rows and rows[0] == header, f"{name}: header {rows[0] if rows else None}")
    for i, row in enumerate(rows[1:], 1):
        check(len(row) == len(header), f"{name} row {i}: {len(row)} fields: {row}")
    return rows[1:]


def read_simple(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[1:]


class Parcels:
    """The lots of parcels.gpkg by their boxes (rectangles but for interior multipolygons),
    found by point through a grid of 20 m cells."""

    def __init__(self, path):
        db = sqlite3.connect(path)
        self.rows = {}
        self.by_key = {}
        self.grid = collections.defaultdict(list)
        for fid, key, use, address, owner, floor, dwellings, year, geom, minx, maxx, miny, maxy in db.execute(
                "SELECT p.fid, p.capakey, p.use, p.address, p.owner, p.floor_m2, p.dwellings, "
                "p.build_year, hex(p.geom), r.minx, r.maxx, r.miny, r.maxy "
                "FROM parcels p JOIN rtree_parcels_geom r ON r.id = p.fid"):
            self.rows[fid] = (key, use, address, (minx, maxx, miny, maxy),
                              (owner, floor, dwellings, year, geom))
            if key is not None:
                self.by_key[key] = fid
            for gx in range(int(minx // 20), int(maxx // 20) + 1):
                for gy in range(int(miny // 20), int(maxy // 20) + 1):
                    self.grid[(gx, gy)].append(fid)

    def at(self, x, y):
        found = [fid for fid in self.grid.get((int(x // 20), int(y // 20)), [])
                 if self.rows[fid][3][0] <= x <= self.rows[fid][3][1]
                 and self.rows[fid][3][2] <= y <= self.rows[fid][3][3]
                 and self.rows[fid][1] not in ("road", "workshop")]
        return found[0] if len(found) == 1 else None


def planted(path):
    rows = collections.defaultdict(dict)
    for source, row, reason in read_simple(path):
        rows[source][int(row)] = reason
    return rows


def vocabularies(path):
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(path, encoding="utf-8")
    maps = {}
    for section, prefix in (("complaints", "category."), ("inspections", "outcome.")):
        maps[section] = {}
        for key, value in ini.items(section):
            if key.startswith(prefix):
                for word in value.split(","):
                    maps[section][plain(word.strip())] = key[len(prefix):]
    return ini, maps


# ---- the checks -----------------------------------------------------------------------------

def check_sources(ini):
    expected = {
        "addresses": {"path": "addresses.txt", "separator": "|", "x": "x", "y": "y",
                      "crs": "EPSG:31370",
                      "street": "streetname_fr, streetname_nl, streetname_de",
                      "number": "house_number", "box": "box_number", "postcode": "postcode",
                      "parcel": "capakey"},
        "population": {"path": "population.csv", "separator": ";", "encoding": "CP1252",
                       "date_format": "DD/MM/YYYY", "street": "rue", "number": "numero",
                       "box": "boite", "postcode": "cp", "left": "date_départ"},
        "complaints": {"separator": ";", "encoding": "CP1252", "x": "lon", "y": "lat",
                       "category": "catégorie",
                       "category.insalubrity": "insalubrité, ongezondheid"},
        "inspections": {"separator": ";", "encoding": "CP1252", "date_format": "DD/MM/YYYY",
                        "outcome.closure": "interdiction de location, verhuurverbod"},
    }
    for section, keys in expected.items():
        for key, value in keys.items():
            got = ini.get(section, key, fallback=None)
            check(got == value, f"sources.ini [{section}] {key} = {got!r}, expected {value!r}")


def check_register(path, parcels):
    """Returns the register's indexes for locating rows, and the planted twin address."""
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"addresses.txt: not UTF-8: {e}")
        return None
    check(b"\r" not in raw, "addresses.txt: CR in a UTF-8 export")
    rows = list(csv.reader(text.splitlines(), delimiter="|", quoting=csv.QUOTE_NONE))
    check(rows[0] == REGISTER_HEADER, f"addresses.txt header: {rows[0]}")
    rows = rows[1:]
    index = [collections.defaultdict(set) for _ in range(4)]
    streets = set()
    seen = collections.Counter()
    by_address = collections.defaultdict(set)
    differing = []
    for i, row in enumerate(rows, 1):
        if not check(len(row) == 12, f"addresses.txt row {i}: {len(row)} fields"):
            continue
        (_, fr, nl, de, number, box, postcode, mun_fr, mun_nl, x, y, key) = row
        ok = check(re.fullmatch(r"\d+\.\d\d", x) and re.fullmatch(r"\d+\.\d\d", y),
                   f"addresses.txt row {i}: x/y {x} {y}")
        ok &= check(re.fullmatch(r"\d+[A-Z]?", number) is not None,
                    f"addresses.txt row {i}: house number {number!r}")
        ok &= check(re.fullmatch(r"|\d+|[A-Z]", box) is not None,
                    f"addresses.txt row {i}: box {box!r}")
        ok &= check(postcode.isdigit() and 1000 <= int(postcode) <= 1210,
                    f"addresses.txt row {i}: postcode {postcode!r}")
        ok &= check(fr and nl and mun_fr and mun_nl, f"addresses.txt row {i}: a name is empty")
        if not ok:
            continue
        at = parcels.at(float(x), float(y))
        check(at is not None, f"addresses.txt row {i}: ({x}, {y}) on no lot")
        if key:
            check(parcels.by_key.get(key) == at,
                  f"addresses.txt row {i}: capakey {key} is not the lot at ({x}, {y})")
        seen["rows"] += 1
        seen["without capakey"] += not key
        seen["with box"] += bool(box)
        seen["number with letter"] += not number.isdigit()
        seen["German name"] += bool(de)
        seen["accented French name"] += fr != unaccented(fr)
        n, letter = int(re.match(r"\d+", number).group()), number.lstrip("0123456789")
        by_address[(fold_street(fr), number, box, postcode)].add(at)
        if at is not None and parcels.rows[at][2] != f"{fr} {number}":
            differing.append((i, (fold_street(fr), number, box, postcode), parcels.rows[at][2]))
        for name in (fr, nl, de):
            if not name:
                continue
            k = fold_street(name)
            streets.add(k)
            index[0][(k, postcode, n, letter, box)].add(at)
            index[1][(k, postcode, n, letter)].add(at)
            index[2][(k, postcode, n)].add(at)
            index[3][(k, n)].add(at)
    twins = [a for a, lots in by_address.items() if len(lots) > 1]
    check(len(twins) == 1, f"addresses.txt: {len(twins)} addresses on more than one parcel "
          f"(expected the one planted): {twins[:5]}")
    # The parcel's address column is the register's, but on the two rows of the planted twin.
    check(len(differing) == 2 and all(d[1] in twins for d in differing),
          f"parcels.gpkg address column differs from the register at {differing[:5]}")
    share = seen["without capakey"] / max(seen["rows"], 1)
    check(0.02 <= share <= 0.2, f"addresses.txt: {share:.1%} rows without capakey")
    check(0 < seen["German name"] < 0.2 * seen["rows"], f"German names: {seen['German name']}")
    for what in ("with box", "number with letter", "accented French name"):
        check(seen[what] > 0, f"addresses.txt: no row {what}")
    print("addresses.txt: " + ", ".join(f"{k} {v}" for k, v in seen.items()))
    # Within a postcode no two streets share a name once folded, in either language.
    names = collections.defaultdict(set)
    for row in rows:
        for name in row[1:4]:
            if name:
                names[(fold_street(name), row[6])].add(row[1])
    clashes = [k for k, v in names.items() if len(v) > 1]
    check(not clashes, f"addresses.txt: street names that fold alike: {clashes[:5]}")
    return index, streets


def locate(index, streets, street, numero, boite, cp):
    """(outcome, parcel, level): outcome 'match' or a reject reason of the contract."""
    parsed = parse_number(numero, boite)
    if parsed is None:
        return "bad number", None, None
    k = fold_street(street)
    n, letter, box = parsed
    keys = [(k, cp, n, letter, box), (k, cp, n, letter), (k, cp, n) if letter else None, (k, n)]
    for level, key in enumerate(keys):
        lots = index[level].get(key) if key else None
        if lots:
            return ("match", next(iter(lots)), level) if len(lots) == 1 \
                else ("ambiguous address", None, level)
    return ("unknown street" if k not in streets else "unknown address"), None, None


def check_population(simple_rows, rows, plants_simple, plants, parcels, index, streets):
    check(len(rows) == len(simple_rows),
          f"population.csv: {len(rows)} rows, the simple city {len(simple_rows)}")
    levels = collections.Counter()
    forms = collections.Counter()
    per_parcel = [collections.Counter(), collections.Counter()]
    for i, (a, b) in enumerate(zip(simple_rows, rows), 1):
        if len(b) != 8:
            continue
        street, numero, boite, cp, household, persons, registered, left = b
        outcome, lot, level = locate(index, streets, street, numero, boite, cp)
        reason = plants["population"].get(i)
        if reason is not None:
            check(i in plants_simple["population"],
                  f"population row {i}: planted here only, the simple city has a household")
            if reason == "bad date":
                check(outcome == "match" and "bad" in (parse_date(registered, True),
                                                       parse_date(left, True)),
                      f"population row {i}: planted bad date, got {outcome} {b}")
            else:
                check(outcome == reason,
                      f"population row {i}: planted '{reason}', located as '{outcome}': {b}")
            continue
        check(i not in plants_simple["population"],
              f"population row {i}: a household here, planted in the simple city")
        check(household == a[2] and persons == a[3],
              f"population row {i}: {household} {persons}, simple {a[2]} {a[3]}")
        check(parse_date(registered, True) == parse_date(a[4], False)
              and parse_date(left, True) == parse_date(a[5], False),
              f"population row {i}: dates {registered} {left}, simple {a[4]} {a[5]}")
        expected = parcels.at(float(a[0]), float(a[1]))
        if not check(outcome == "match" and lot == expected,
                     f"population row {i}: {b[:4]} located as {outcome} "
                     f"{parcels.rows[lot][0] if lot else None}, its coordinates give "
                     f"{parcels.rows[expected][0] if expected else None}"):
            continue
        levels[("street+number+box+postcode", "without the box", "without the letter",
                "another postcode")[level]] += 1
        per_parcel[0][expected] += 1
        per_parcel[1][lot] += 1
        for form, pattern in (("Dutch name", r"(straat|str\.|laan|steenweg|stwg|plein|kaai|"
                                             r"square|dreef|markt)$"),
                              ("R.", r"^r\. "), ("Av.", r"^av\. "), ("Bd", r"^bd "),
                              ("Chée", r"^chée "), ("St-", r"\bst-"), ("Ste-", r"\bste-"),
                              ("str.", r"\wstr\.$"), ("Str. apart", r" str\.$"),
                              ("stwg", r"\wstwg$"), ("Stwg apart", r" stwg$"),
                              ("typographic apostrophe", "’")):
            forms[form] += re.search(pattern, street.lower()) is not None
        forms["upper case"] += street.isupper()
        forms["lower case"] += street.islower()
        for form, pattern in (("12A", r"^\d+[A-Za-z]$"), ("12 bte 3", r" bte "),
                              ("12/3", r"/"), ("12 bus 3", r" bus "), ("12 boîte 3", r"boîte")):
            forms[form] += re.search(pattern, numero) is not None
        forms["box in its own column"] += bool(boite)
    check(per_parcel[0] == per_parcel[1], "households per parcel differ from the simple city")
    print("population.csv: located " + ", ".join(f"{k} {v}" for k, v in levels.items()))
    print("population.csv: forms " + ", ".join(f"{k} {v}" for k, v in forms.items()))
    for form in ("Dutch name", "R.", "Av.", "Bd", "Chée", "St-", "str.", "Str. apart", "stwg",
                 "upper case", "lower case", "12A", "12 bte 3", "12/3", "12 bus 3",
                 "box in its own column"):
        check(forms[form] > 0, f"population.csv: no street or number written as '{form}'")
    for level in ("without the box", "without the letter"):
        check(levels[level] > 0, f"population.csv: no row located {level}")


def check_complaints(simple_rows, rows, plants, maps):
    check(len(rows) == len(simple_rows),
          f"complaints.csv: {len(rows)} rows, the simple city {len(simple_rows)}")
    unmapped = collections.Counter()
    for i, (a, b) in enumerate(zip(simple_rows, rows), 1):
        if i in plants["complaints"] or len(b) != 4:
            continue
        lon, lat, received, category = b
        check(lon.replace(",", ".") == a[0] and lat.replace(",", ".") == a[1],
              f"complaints row {i}: {lon} {lat}, simple {a[0]} {a[1]}")
        check(parse_date(received, True) == parse_date(a[2], False),
              f"complaints row {i}: date {received}, simple {a[2]}")
        mapped = maps["complaints"].get(plain(category))
        if mapped is None:
            unmapped[category] += 1
            mapped = "other"
        check(mapped == a[3], f"complaints row {i}: '{category}' is {mapped}, simple {a[3]}")
    check(unmapped and set(unmapped) <= {"odeurs", "geurhinder"},
          f"complaints.csv: unmapped categories {dict(unmapped)}")
    print(f"complaints.csv: {len(rows)} rows, unmapped {dict(unmapped)}")


def check_inspections(simple_rows, rows, plants_simple, plants, maps):
    a_rows = [r for i, r in enumerate(simple_rows, 1) if i not in plants_simple["inspections"]]
    b_rows = [r for i, r in enumerate(rows, 1) if i not in plants["inspections"]]
    check(len(a_rows) == len(b_rows),
          f"inspections.csv: {len(b_rows)} rows, the simple city {len(a_rows)}")
    for i, (a, b) in enumerate(zip(a_rows, b_rows), 1):
        if len(b) != 3:
            continue
        check(b[0] == a[0] and parse_date(b[1], True) == parse_date(a[1], False)
              and maps["inspections"].get(plain(b[2])) == a[2],
              f"inspections: {b} is not {a}")
    for i, reason in plants["inspections"].items():
        if reason == "unknown value":
            check(maps["inspections"].get(plain(rows[i - 1][2])) is None,
                  f"inspections row {i}: planted unknown value '{rows[i - 1][2]}' is mapped")
    print(f"inspections.csv: {len(rows)} rows")


def check_parcels(simple, brussels):
    check(simple.rows.keys() == brussels.rows.keys(), "parcels.gpkg: not the same parcels")
    # The address column has no postcode: "Rue Gray 13" may be in two communes, as real names
    # recur across Brussels. The register, with its postcodes, is checked for duplicates.
    for fid, (key, use, address, box, rest) in brussels.rows.items():
        s = simple.rows.get(fid)
        check(s is not None and (key, use, box, rest) == (s[0], s[1], s[3], s[4]),
              f"parcels.gpkg fid {fid}: differs from the simple city beyond its address")
        check((address is None) == (use in ("road", "workshop")),
              f"parcels.gpkg fid {fid} ({use}): address {address!r}")


def main():
    simple_dir, brussels_dir = sys.argv[1], sys.argv[2]
    simple = Parcels(f"{simple_dir}/parcels.gpkg")
    parcels = Parcels(f"{brussels_dir}/parcels.gpkg")
    check_parcels(simple, parcels)
    ini, maps = vocabularies(f"{brussels_dir}/sources.ini")
    check_sources(ini)
    register = check_register(f"{brussels_dir}/addresses.txt", parcels)
    plants_simple = planted(f"{simple_dir}/planted_rejects.csv")
    plants = planted(f"{brussels_dir}/planted_rejects.csv")
    for reason in ("unknown street", "unknown address", "ambiguous address"):
        check(reason in plants["population"].values(),
              f"planted_rejects.csv: no population row '{reason}'")
    check("unknown value" in plants["inspections"].values(),
          "planted_rejects.csv: no inspection with an unknown outcome")
    population = read_exported(f"{brussels_dir}/population.csv", POPULATION_HEADER,
                               "population.csv")
    if register:
        check_population(read_simple(f"{simple_dir}/population.csv"), population,
                         plants_simple, plants, parcels, *register)
    check_complaints(read_simple(f"{simple_dir}/complaints.csv"),
                     read_exported(f"{brussels_dir}/complaints.csv", COMPLAINTS_HEADER,
                                   "complaints.csv"), plants, maps)
    check_inspections(read_simple(f"{simple_dir}/inspections.csv"),
                      read_exported(f"{brussels_dir}/inspections.csv", INSPECTIONS_HEADER,
                                    "inspections.csv"), plants_simple, plants, maps)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
