/*
 * slots.c — the stable id -> number table the ledger counts by.
 *
 * Relies on: libc only. Promises what slots.h says: a slot, once given,
 * names the same id forever; lookups are constant time (open addressing,
 * FNV-1a, at most half full), so loading a million ledger rows stays
 * fast. Storage is allocated once at creation: ids in one flat array,
 * never moved, so a reader on another thread may hold a pointer to one.
 */
#include "aggregator/slots.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct hc_slots {
	uint32_t capacity;
	_Atomic uint32_t count; /* release on add, acquire on read */
	uint32_t id_stride;	/* id_len_max + 1 */
	char *ids;		/* capacity x id_stride */
	uint32_t *hash;		/* hash_mask + 1 entries: slot + 1, 0 empty */
	uint32_t hash_mask;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct hc_slots *hc_slots_new(uint32_t capacity, uint32_t id_len_max)
{
	assert(capacity > 0 && id_len_max > 0);
	struct hc_slots *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	uint32_t buckets = 16;
	while (buckets < 2 * capacity)
		buckets *= 2;
	t->capacity = capacity;
	t->id_stride = id_len_max + 1;
	t->ids = calloc(capacity, t->id_stride);
	t->hash = calloc(buckets, sizeof *t->hash);
	t->hash_mask = buckets - 1;
	if (t->ids == NULL || t->hash == NULL) {
		hc_slots_free(t);
		return NULL;
	}
	return t;
}

void hc_slots_free(struct hc_slots *t)
{
	if (t == NULL)
		return;
	free(t->ids);
	free(t->hash);
	free(t);
}

const char *hc_slots_id(const struct hc_slots *t, uint32_t slot)
{
	assert(slot < hc_slots_count(t));
	return t->ids + (size_t)slot * t->id_stride;
}

/* Bucket holding id, or the empty bucket where it would go. */
static uint32_t bucket_of(const struct hc_slots *t, const char *id)
{
	uint32_t b = (uint32_t)(hash_id(id) & t->hash_mask);
	while (t->hash[b] != 0 && strcmp(hc_slots_id(t, t->hash[b] - 1), id) != 0)
		b = (b + 1) & t->hash_mask;
	return b;
}

uint32_t hc_slots_find(const struct hc_slots *t, const char *id)
{
	uint32_t b = bucket_of(t, id);
	return t->hash[b] == 0 ? HC_SLOT_NONE : t->hash[b] - 1;
}

uint32_t hc_slots_add(struct hc_slots *t, const char *id)
{
	uint32_t b = bucket_of(t, id);
	if (t->hash[b] != 0)
		return t->hash[b] - 1;
	size_t len = strlen(id);
	uint32_t slot = atomic_load_explicit(&t->count, memory_order_relaxed);
	if (slot == t->capacity || len >= t->id_stride)
		return HC_SLOT_NONE;
	memcpy(t->ids + (size_t)slot * t->id_stride, id, len + 1);
	t->hash[b] = slot + 1;
	atomic_store_explicit(&t->count, slot + 1, memory_order_release);
	assert(hc_slots_find(t, id) == slot);
	return slot;
}

uint32_t hc_slots_count(const struct hc_slots *t)
{
	return atomic_load_explicit(&((struct hc_slots *)t)->count, memory_order_acquire);
}

uint32_t hc_slots_capacity(const struct hc_slots *t)
{
	return t->capacity;
}
