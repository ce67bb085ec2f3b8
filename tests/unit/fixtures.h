/*
 * fixtures.h — cmocka fixtures shared by several unit test files.
 *
 * Header-only (static functions) so each test file stays one program:
 *   - an outbox at a fixed start time with the default intervals;
 *   - a temporary directory holding one venue.ini, removed afterwards
 *     together with the config loaded from it.
 */
#ifndef HC_TEST_FIXTURES_H
#define HC_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shared/config.h"
#include "terminal/outbox.h"

#define T0_MS 1000000
#define INTERVAL_MS 2000
#define RESEND_MS 5000

/* state: a struct hc_outbox initialised at T0_MS. */
static inline int outbox_setup(void **state)
{
	struct hc_outbox *o = malloc(sizeof *o);
	if (o == NULL)
		return -1;
	hc_outbox_init(o, INTERVAL_MS, RESEND_MS, T0_MS);
	*state = o;
	return 0;
}

static inline int outbox_teardown(void **state)
{
	free(*state);
	return 0;
}

struct venue_dir {
	char path[64];		  /* the mkdtemp() directory */
	char file[128];		  /* path/venue.ini */
	struct hc_venue_cfg *cfg; /* loaded by the test, freed here */
};

/* state: a struct venue_dir with a fresh empty directory. */
static inline int venue_dir_setup(void **state)
{
	struct venue_dir *d = calloc(1, sizeof *d);
	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof d->path, "/tmp/hc-venue-XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	snprintf(d->file, sizeof d->file, "%s/venue.ini", d->path);
	*state = d;
	return 0;
}

static inline int venue_dir_teardown(void **state)
{
	struct venue_dir *d = *state;
	if (d->cfg != NULL)
		hc_venue_free(d->cfg);
	unlink(d->file);
	int rc = rmdir(d->path);
	free(d);
	return rc;
}

#endif
