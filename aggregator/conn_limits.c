/*
 * conn_limits.c — connections counted per peer address and per listener
 * (conn_limits.h has the contract).
 *
 * Relies on: the callback order of libwebsockets 4.1 described in
 * conn_limits.h, and on the opaque user data of a server wsi being ours
 * (lws sets it to NULL at adoption and never touches it again without
 * secure streams, which the aggregator does not use).
 *
 * One entry per (listener, address) with at least one connection open,
 * in a chained hash table; an entry is freed when its last connection
 * goes, so the table holds at most as many entries as connections.
 *
 * Thread-safe: with a staff listener the public listener is served by a
 * context on a thread of its own, and both count in this one table (the
 * per-address limit spans them), so every call takes the table's lock.
 */
#include "aggregator/conn_limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shared/clock.h"
#include "shared/log.h"

#define BUCKETS 4096u

/* Refusals are logged at most this often (a flood would drown the log). */
#define REFUSAL_LOG_INTERVAL_MS 1000

struct addr_entry {
	struct addr_entry *next;
	uint8_t listener;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint32_t open;
};

struct hc_conn_limits {
	pthread_mutex_t lock; /* held by every call */
	struct addr_entry *buckets[BUCKETS];
	uint32_t per_address_max;
	uint32_t budget[HC_LISTENER_COUNT];
	uint32_t open[HC_LISTENER_COUNT];
	uint64_t refused_unlogged;
	int64_t refusal_logged_at_ms;
};

static const char *listener_name(enum hc_listener which)
{
	return which == HC_LISTENER_STAFF ? "staff" : "public";
}

/* The address part of a socket address: v4-mapped v6 counts as v4. */
static bool address_key(const struct sockaddr_storage *ss, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		*family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			*family = AF_INET;
			memcpy(addr, &in6->sin6_addr.s6_addr[12], 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, &in6->sin6_addr, 16);
		}
		return true;
	}
	return false;
}

static uint32_t bucket_of(uint8_t listener, uint8_t family, const uint8_t addr[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	h = (h ^ listener) * 16777619u;
	h = (h ^ family) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h % BUCKETS;
}

static struct addr_entry *find(struct hc_conn_limits *l, uint8_t listener, uint8_t family,
			       const uint8_t addr[16])
{
	for (struct addr_entry *e = l->buckets[bucket_of(listener, family, addr)]; e != NULL;
	     e = e->next)
		if (e->listener == listener && e->family == family &&
		    memcmp(e->addr, addr, 16) == 0)
			return e;
	return NULL;
}

struct hc_conn_limits *hc_conn_limits_new(uint32_t per_address_max,
					  const uint32_t budget[HC_LISTENER_COUNT])
{
	struct hc_conn_limits *l = calloc(1, sizeof *l);
	if (l == NULL)
		return NULL;
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		free(l);
		return NULL;
	}
	hc_conn_limits_set(l, per_address_max, budget);
	return l;
}

void hc_conn_limits_free(struct hc_conn_limits *l)
{
	if (l == NULL)
		return;
	for (uint32_t b = 0; b < BUCKETS; b++) {
		struct addr_entry *e = l->buckets[b];
		while (e != NULL) {
			struct addr_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void hc_conn_limits_set(struct hc_conn_limits *l, uint32_t per_address_max,
			const uint32_t budget[HC_LISTENER_COUNT])
{
	pthread_mutex_lock(&l->lock);
	l->per_address_max = per_address_max;
	for (int i = 0; i < HC_LISTENER_COUNT; i++)
		l->budget[i] = budget[i];
	pthread_mutex_unlock(&l->lock);
}

/* Logs the refusals since the last line, at most once a second. */
static void note_refusal(struct hc_conn_limits *l, enum hc_listener which,
			 const struct sockaddr_storage *ss, const char *why)
{
	l->refused_unlogged++;
	int64_t now_ms = hc_mono_ms();
	if (l->refusal_logged_at_ms != 0 &&
	    now_ms - l->refusal_logged_at_ms < REFUSAL_LOG_INTERVAL_MS)
		return;
	char text[INET6_ADDRSTRLEN] = "?";
	uint8_t family, addr[16];
	if (address_key(ss, &family, addr))
		inet_ntop(family, addr, text, sizeof text);
	hc_warn("%s listener: refused a connection from %s: %s (%llu refused since"
		" the last such line)",
		listener_name(which), text, why, (unsigned long long)l->refused_unlogged);
	l->refused_unlogged = 0;
	l->refusal_logged_at_ms = now_ms;
}

static bool admit_locked(struct hc_conn_limits *l, enum hc_listener which,
			 const struct lws_filter_network_conn_args *a)
{
	char why[120];
	if (l->open[which] >= l->budget[which]) {
		snprintf(why, sizeof why, "the listener holds its budget of %u connections",
			 l->budget[which]);
		note_refusal(l, which, &a->cli_addr, why);
		return false;
	}
	if (which != HC_LISTENER_PUBLIC)
		return true;
	uint8_t family, addr[16];
	if (!address_key(&a->cli_addr, &family, addr))
		return true; /* not IP (cannot happen on a TCP listener) */
	const struct addr_entry *e = find(l, (uint8_t)which, family, addr);
	if (e != NULL && e->open >= l->per_address_max) {
		snprintf(why, sizeof why,
			 "%u connections open from that address (connections_per_address)",
			 e->open);
		note_refusal(l, which, &a->cli_addr, why);
		return false;
	}
	return true;
}

static void opened_locked(struct hc_conn_limits *l, enum hc_listener which, struct lws *wsi)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	uint8_t family, addr[16];
	int fd = (int)lws_get_socket_fd(wsi);
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    !address_key(&ss, &family, addr)) {
		/* Not counted per address, but still against the budget. */
		memset(addr, 0, sizeof addr);
		family = 0;
	}
	struct addr_entry *e = find(l, (uint8_t)which, family, addr);
	if (e == NULL) {
		e = calloc(1, sizeof *e);
		if (e == NULL) {
			hc_error("connection limits: out of memory; connection not counted");
			return;
		}
		e->listener = (uint8_t)which;
		e->family = family;
		memcpy(e->addr, addr, 16);
		uint32_t b = bucket_of(e->listener, family, addr);
		e->next = l->buckets[b];
		l->buckets[b] = e;
	}
	e->open++;
	l->open[which]++;
	lws_set_opaque_user_data(wsi, e);
}

static void closed_locked(struct hc_conn_limits *l, struct lws *wsi)
{
	struct addr_entry *e = lws_get_opaque_user_data(wsi);
	if (e == NULL)
		return;
	lws_set_opaque_user_data(wsi, NULL);
	l->open[e->listener]--;
	if (--e->open > 0)
		return;
	uint32_t b = bucket_of(e->listener, e->family, e->addr);
	for (struct addr_entry **pp = &l->buckets[b]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	free(e);
}

bool hc_conn_limits_admit(struct hc_conn_limits *l, enum hc_listener which,
			  const struct lws_filter_network_conn_args *a)
{
	pthread_mutex_lock(&l->lock);
	bool ok = admit_locked(l, which, a);
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void hc_conn_limits_opened(struct hc_conn_limits *l, enum hc_listener which, struct lws *wsi)
{
	pthread_mutex_lock(&l->lock);
	opened_locked(l, which, wsi);
	pthread_mutex_unlock(&l->lock);
}

void hc_conn_limits_closed(struct hc_conn_limits *l, struct lws *wsi)
{
	pthread_mutex_lock(&l->lock);
	closed_locked(l, wsi);
	pthread_mutex_unlock(&l->lock);
}

uint32_t hc_conn_limits_open(struct hc_conn_limits *l, enum hc_listener which)
{
	pthread_mutex_lock(&l->lock);
	uint32_t n = l->open[which];
	pthread_mutex_unlock(&l->lock);
	return n;
}
