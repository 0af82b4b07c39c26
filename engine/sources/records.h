/* SPDX-License-Identifier: MIT */
/* Helpers over pr_records and pr_rejects shared by the reading and joining stages. */
#ifndef PR_RECORDS_H
#define PR_RECORDS_H

#include <stdarg.h>

#include "sources/sources.h"

int pr_records_init(pr_records *rec, int source, const pr_source_conf *conf);
/* Makes room for need records in every array; 0 or PR_ENOMEM. */
int pr_records_reserve(pr_records *rec, size_t need);
/* The most rows a source's own count (GDAL's feature count: a GeoPackage's gpkg_ogr_contents
 * row, which a stale or hostile file can set to anything) reserves room for up front: 134M,
 * four times a national population register. Past it the arrays grow as rows come. */
#define PR_RESERVE_FROM_COUNT_MAX ((size_t)1 << 27)
/* Gives back the room beyond the records held (arrays grow by doubling). */
void pr_records_shrink(pr_records *rec);
/* Copies record from into slot to, for compaction. */
void pr_records_move(pr_records *rec, size_t to, size_t from);
/* Puts joined records in parcel order (parcel ids below n_parcels), a parcel's records in the
 * order they were read: the store then serves them as they lie in memory, where a register
 * sorted otherwise (by household, by national number) had each parcel's records scattered over
 * the whole source. Records of which one is not joined (a parcel id out of range), or more than
 * 2^32 of them, are left as they are. 0 or PR_ENOMEM; on failure part of the arrays may be
 * reordered already, and the records are to be freed. */
int pr_records_sort_by_parcel(pr_context *ctx, pr_records *rec, size_t n_parcels);
/* Drops the records from n on (their text stays in the columns' pools). */
void pr_records_truncate(pr_records *rec, size_t n);
size_t pr_rejects_count(const pr_rejects *rj, int source);

#endif
