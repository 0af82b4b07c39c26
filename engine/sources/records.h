/* SPDX-License-Identifier: MIT */
/* Helpers over pr_records and pr_rejects shared by the reading and joining stages. */
#ifndef PR_RECORDS_H
#define PR_RECORDS_H

#include <stdarg.h>

#include "sources/sources.h"

int pr_records_init(pr_records *rec, int source, const pr_source_conf *conf);
/* Makes room for need records in every array; 0 or PR_ENOMEM. */
int pr_records_reserve(pr_records *rec, size_t need);
/* Makes room up front for the rows a source says it holds (GDAL's feature count, -1 when not
 * known), so that the arrays are not copied at each doubling; true when it did. The count is
 * trusted up to 134M rows, four times a national population register: a GeoPackage's comes
 * from its gpkg_ogr_contents row, which a stale or hostile file can set to anything. Past it,
 * or without the memory, the arrays grow as rows come. */
bool pr_records_reserve_counted(pr_records *rec, int64_t count);
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
/* Keeps the records order names, in that order (record i becomes what was record order[i]),
 * n of them; each array is copied once, on the context's threads. 0 or PR_ENOMEM (detail on
 * ctx); on failure part of the arrays may be reordered already, and the records are to be
 * freed. */
int pr_records_select(pr_context *ctx, pr_records *rec, const uint32_t *order, size_t n);
/* Replaces *array (elements of size bytes) by a new one of n elements: element i is what was
 * element order[i]. 0 or PR_ENOMEM, when *array is left as it was. */
int pr_gather(void **array, const uint32_t *order, size_t n, size_t size);
/* Drops the records from n on (their text stays in the columns' pools). */
void pr_records_truncate(pr_records *rec, size_t n);
size_t pr_rejects_count(const pr_rejects *rj, int source);

#endif
