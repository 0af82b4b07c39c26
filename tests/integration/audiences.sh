#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outputs per audience, checked in a way that cannot be fooled: the raw bytes of each output
# file (and the visits CSV) are searched for every owner name, every address and every
# household id of the inputs. Planners and the public: not one of them; inspectors: every owner
# and address of the parcels ranked. Planners get stable keyed pseudonyms instead of owners
# (the same next month, another with another key); the public gets the hotspots of ten parcels
# or more and a run_info without paths. What each audience refuses is tested too.
. "$(dirname "$0")/lib.sh"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
umask 022

pr synth "$SCRATCH/c" --parcels 3000 --seed 8
assert_eq "$RC" 0 "synth: $OUT"
c="$SCRATCH/c"
pr keygen "$c/owners.key"
assert_eq "$RC" 0 "keygen: $OUT"
sed -i 's/^\[run\]$/[run]\npseudonym_key_file = owners.key/' "$c/sources.ini"
grep -q '^pseudonym_key_file = owners.key$' "$c/sources.ini" || fail "the key is not in sources.ini"

for a in inspectors planners public; do
	extra=()
	[ "$a" = inspectors ] && extra=(--visits-csv "$c/$a.csv")
	pr run "$c/sources.ini" -o "$c/$a.gpkg" --audience "$a" --quiet "${extra[@]}"
	assert_eq "$RC" 0 "run --audience $a: $OUT"
done

# The words to look for: owners and addresses of the parcels kept, households of the register.
"$python" - "$c" <<'PY' || fail "the byte search failed"
import csv, sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(f"{d}/parcels.gpkg")
parcels = db.execute("SELECT owner, address FROM parcels WHERE use <> 'road'").fetchall()
owners = {o for o, _ in parcels if o}
addresses = {a for _, a in parcels if a}
with open(f"{d}/population.csv", newline="") as f:
    households = {row["household"] for row in csv.DictReader(f) if row["household"]}
words = {"owner": owners, "address": addresses, "household": households}
assert len(owners) > 100 and len(addresses) > 1000 and len(households) > 1000, \
    {k: len(v) for k, v in words.items()}
bad = 0
def hits(path):
    data = open(path, "rb").read()
    return {k: sum(w.encode() in data for w in v) for k, v in words.items()}
for name in ("planners.gpkg", "public.gpkg"):
    found = hits(f"{d}/{name}")
    for k, n in found.items():
        if n:
            print(f"FAIL: {name}: {n} {k} value(s) of the inputs in its bytes", file=sys.stderr)
            bad += 1
# Inspectors: every owner and address of the parcels ranked (the parcels rejected for their
# geometry are in rejects, with the reason).
ranked = {r[0] for r in sqlite3.connect(f"{d}/inspectors.gpkg").execute(
    "SELECT parcel_id FROM parcel_risk")}
kept = db.execute("SELECT capakey, owner, address FROM parcels WHERE use <> 'road'").fetchall()
data = open(f"{d}/inspectors.gpkg", "rb").read()
for k, column in (("owner", 1), ("address", 2)):
    want = {row[column] for row in kept if row[0] in ranked and row[column]}
    missing = [w for w in want if w.encode() not in data]
    if len(want) < 100 or missing:
        print(f"FAIL: inspectors.gpkg lacks {len(missing)} of {len(want)} {k} values: "
              f"{missing[:3]}", file=sys.stderr)
        bad += 1
# The visit list's owners and addresses are in the inspectors' CSV.
out = sqlite3.connect(f"{d}/inspectors.gpkg")
csv_bytes = open(f"{d}/inspectors.csv", "rb").read()
for owner, address in out.execute("SELECT owner, address FROM visit_list"):
    for w in (owner, address):
        if w and w.encode() not in csv_bytes:
            print(f"FAIL: inspectors.csv lacks {w!r}", file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY

ins="$c/inspectors.gpkg" pla="$c/planners.gpkg" pub="$c/public.gpkg"
# Layers per audience.
assert_eq "$(sql "$ins" "SELECT group_concat(table_name, ' ') FROM (SELECT table_name FROM gpkg_contents ORDER BY 1)")" \
	"hotspots layer_styles owners parcel_risk rejects run_info visit_list" "inspectors' layers"
assert_eq "$(sql "$pla" "SELECT group_concat(table_name, ' ') FROM (SELECT table_name FROM gpkg_contents ORDER BY 1)")" \
	"hotspots layer_styles owners parcel_risk rejects run_info" "planners' layers"
assert_eq "$(sql "$pub" "SELECT group_concat(table_name, ' ') FROM (SELECT table_name FROM gpkg_contents ORDER BY 1)")" \
	"hotspots layer_styles run_info" "public layers"
for db in "$ins" "$pla" "$pub"; do
	assert_eq "$(sql "$db" "SELECT value FROM run_info WHERE key = 'audience'")" \
		"$(basename "$db" .gpkg)" "$db: run_info audience"
done
# Planners: the same parcels and scores; owners as pseudonyms, one per owner; no address, no
# value in rejects.
assert_eq "$(sql "$pla" "ATTACH '$ins' AS i; SELECT COUNT(*) FROM parcel_risk p JOIN i.parcel_risk q
	USING (parcel_id) WHERE p.score = q.score AND p.rank = q.rank AND p.reasons = q.reasons")" \
	"$(sql "$ins" "SELECT COUNT(*) FROM parcel_risk")" "planners' scores equal the inspectors'"
assert_eq "$(sql "$pla" "SELECT COUNT(*) FROM pragma_table_info('parcel_risk') WHERE name = 'address'")" 0 "planners' address column"
assert_eq "$(sql "$pla" "SELECT COUNT(*) FROM pragma_table_info('rejects') WHERE name = 'value'")" 0 "planners' rejects value column"
assert_eq "$(sql "$pla" "SELECT COUNT(*) FROM parcel_risk WHERE owner IS NOT NULL AND owner NOT GLOB 'own-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'")" 0 "planners' owners are pseudonyms"
assert_eq "$(sql "$pla" "ATTACH '$ins' AS i; SELECT COUNT(*) FROM (SELECT DISTINCT p.owner, q.owner FROM parcel_risk p
	JOIN i.parcel_risk q USING (parcel_id) WHERE q.owner IS NOT NULL)")" \
	"$(sql "$ins" "SELECT COUNT(DISTINCT owner) FROM parcel_risk WHERE owner IS NOT NULL")" "one pseudonym per owner"
assert_eq "$(sql "$pla" "SELECT COUNT(*) FROM owners")" "$(sql "$ins" "SELECT COUNT(*) FROM owners")" "planners' owners rows"
# The same key next month gives the same pseudonyms; another key others.
pr run "$c/sources.ini" -o "$c/planners2.gpkg" --audience planners --as-of 2026-12-01 --previous "$pla" --quiet
assert_eq "$RC" 0 "planners next month: $OUT"
assert_eq "$(sql "$pla" "ATTACH '$c/planners2.gpkg' AS n; SELECT COUNT(*) FROM parcel_risk p JOIN n.parcel_risk q
	USING (parcel_id) WHERE p.owner IS NOT q.owner")" 0 "pseudonyms changed between months"
[ "$(sql "$c/planners2.gpkg" "SELECT COUNT(*) FROM changes")" -gt 0 ] || fail "planners' changes table empty"
mv "$c/owners.key" "$c/owners.key.1"
pr keygen "$c/owners.key"
pr run "$c/sources.ini" -o "$c/planners3.gpkg" --audience planners --quiet
assert_eq "$RC" 0 "planners with another key: $OUT"
assert_eq "$(sql "$pla" "ATTACH '$c/planners3.gpkg' AS n; SELECT COUNT(*) FROM parcel_risk p JOIN n.parcel_risk q
	USING (parcel_id) WHERE p.owner = q.owner")" 0 "pseudonyms equal under another key"
# Public: hotspots of ten parcels or more (the inspectors' file has smaller ones too), and a
# run_info of versions, the date and counts: no path, no model text.
[ "$(sql "$ins" "SELECT COUNT(*) FROM hotspots WHERE parcels < 10")" -gt 0 ] || fail "no small cell to leave out"
assert_eq "$(sql "$pub" "SELECT COUNT(*) FROM hotspots WHERE parcels < 10")" 0 "public cells under 10 parcels"
assert_eq "$(sql "$pub" "SELECT COUNT(*) FROM hotspots")" "$(sql "$ins" "SELECT COUNT(*) FROM hotspots WHERE parcels >= 10")" "public cells"
assert_eq "$(sql "$pub" "SELECT COUNT(*) FROM pragma_table_info('hotspots') WHERE name = 'public'")" 0 "public column written"
assert_eq "$(sql "$pub" "SELECT COUNT(*) FROM run_info WHERE key GLOB '*path*' OR value GLOB '*/*' OR key = 'model.ini' OR key = 'sources'")" 0 "paths in the public run_info"
assert_eq "$(sql "$pub" "SELECT value FROM run_info WHERE key = 'population.rows_read'")" \
	"$(sql "$ins" "SELECT value FROM run_info WHERE key = 'population.rows_read'")" "public counts"
grep -q "$c" "$pub" && fail "the public file holds the city's folder"

# scripts/monthly: an inspectors file and a planners file side by side, each compared with its
# own last month.
monthly="$(cd "$(dirname "$0")/../.." && pwd)/scripts/monthly"
for m in 2026-10 2026-11; do
	MONTHLY_MONTH=$m PARCELRISK="$PARCELRISK" "$monthly" "$c/sources.ini" "$c/out" >"$c/monthly.log" 2>&1 ||
		fail "scripts/monthly $m: $(tail -3 "$c/monthly.log")"
done
for f in parcelrisk-2026-11.gpkg parcelrisk-2026-11-planners.gpkg visits-2026-11.csv; do
	[ -s "$c/out/$f" ] || fail "scripts/monthly wrote no $f"
done
assert_eq "$(readlink "$c/out/latest-planners.gpkg")" parcelrisk-2026-11-planners.gpkg "latest planners link"
assert_eq "$(readlink "$c/out/latest.gpkg")" parcelrisk-2026-11.gpkg "latest inspectors link"
assert_eq "$(sql "$c/out/parcelrisk-2026-11-planners.gpkg" "SELECT value FROM run_info WHERE key = 'previous'")" \
	"$(readlink -f "$c/out/parcelrisk-2026-10-planners.gpkg")" "planners compared with last month's planners"
assert_eq "$(sql "$c/out/parcelrisk-2026-11.gpkg" "SELECT value FROM run_info WHERE key = 'previous'")" \
	"$(readlink -f "$c/out/parcelrisk-2026-10.gpkg")" "inspectors compared with last month's inspectors"
assert_eq "$(stat -c %a "$c/out/parcelrisk-2026-11-planners.gpkg")" 640 "planners file mode"

# What each audience refuses.
p=$(sql "$ins" "SELECT parcel_id FROM parcel_risk WHERE rank = 1")
pr explain "$pla" "$p"
assert_eq "$RC" 0 "explain planners: $OUT"
assert_contains "$OUT" "a pseudonym: this output is for planners" "explain planners"
pr explain "$pub" "$p"
assert_eq "$RC" 65 "explain public: $OUT"
assert_contains "$OUT" "an output for the public" "explain public"
pr run "$c/sources.ini" -o "$c/x.gpkg" --audience planners --visits-csv "$c/x.csv"
assert_eq "$RC" 64 "planners with a visits CSV: $OUT"
[ -e "$c/x.csv" ] && fail "a planners run wrote a visits CSV"
pr run "$c/sources.ini" -o "$c/x.gpkg" --audience public --previous "$ins"
assert_eq "$RC" 64 "public with --previous: $OUT"
pr run "$c/sources.ini" -o "$c/x.gpkg" --audience press
assert_eq "$RC" 64 "--audience press: $OUT"
# check loads the key as a planners run would: a key open to others is refused by both.
chmod 644 "$c/owners.key"
pr check "$c/sources.ini"
assert_eq "$RC" 78 "check with a key open to others: $OUT"
assert_contains "$OUT" "owners.key" "check names the key file"
pr run "$c/sources.ini" -o "$c/x.gpkg" --audience planners
assert_eq "$RC" 78 "planners with a key open to others: $OUT"
chmod 600 "$c/owners.key"
sed -i '/^pseudonym_key_file/d' "$c/sources.ini"
pr run "$c/sources.ini" -o "$c/x.gpkg" --audience planners
assert_eq "$RC" 78 "planners without a key: $OUT"
assert_contains "$OUT" "pseudonym_key_file" "planners without a key"
[ -e "$c/x.gpkg" ] && fail "a refused run wrote its output"
finish
