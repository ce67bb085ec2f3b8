/*
 * slots.h — stable numbers for the ids the ledger counts by (pure).
 *
 * The ledger core indexes sources (terminals, supervisors) and areas by
 * small integers. A config reload may reorder, add or remove terminals
 * and areas, so those integers cannot be config positions. A slot table
 * gives each id a number the first time it is seen and never changes or
 * reuses it for the life of the process: slot numbers only grow, and an
 * id keeps its slot when it leaves the config and when it comes back.
 *
 * At start-up the config's terminals take source slots 0..n-1 and its
 * areas area slots 0..m-1 in file order, so before any reload a slot is
 * the config position. Ids found only in the database (a retired
 * terminal, a removed area, "supervisor:alice") get slots as they are
 * loaded, so their rows keep counting where they belong if a reload
 * brings them back.
 *
 * Threads: only the loop thread adds. The committer thread reads the id
 * of slots named by the rows it was handed; those were added before the
 * job was submitted under the committer's mutex, which orders the
 * writes before the reads. Entries are never moved or freed.
 */
#ifndef HC_SLOTS_H
#define HC_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/limits.h"

/* Longest source id: "supervisor:" + an id. */
#define HC_SOURCE_ID_LEN_MAX (11 + HC_ID_LEN_MAX)

/* Slot capacities: twice the config limits, so a long-running aggregator
 * can see its whole config replaced once by reloads; beyond that a
 * reload is refused (restart to renumber). 128 supervisor sources. */
#define HC_SOURCE_SLOTS_MAX (2 * HC_TERMINALS_MAX + 128)
#define HC_AREA_SLOTS_MAX (2 * HC_AREAS_MAX)

/* "Not a slot". */
#define HC_SLOT_NONE UINT32_MAX

struct hc_slots;

/* A table of at most capacity ids, each at most id_len_max bytes. */
struct hc_slots *hc_slots_new(uint32_t capacity, uint32_t id_len_max);
void hc_slots_free(struct hc_slots *t);

/* Slot of id, or HC_SLOT_NONE when it has none. */
uint32_t hc_slots_find(const struct hc_slots *t, const char *id);

/* Slot of id, adding it when new; HC_SLOT_NONE when the table is full
 * or id is longer than id_len_max. */
uint32_t hc_slots_add(struct hc_slots *t, const char *id);

/* The id of a slot (slot < hc_slots_count()). */
const char *hc_slots_id(const struct hc_slots *t, uint32_t slot);

uint32_t hc_slots_count(const struct hc_slots *t);
uint32_t hc_slots_capacity(const struct hc_slots *t);

#endif
