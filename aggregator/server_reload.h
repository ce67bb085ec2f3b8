/*
 * server_reload.h — the settings in force: the overrides and threshold
 * changes saved by earlier runs (read once at start-up), the config file
 * read again on SIGHUP, and the connection budgets the config sets.
 * Loop thread.
 */
#ifndef HC_SERVER_RELOAD_H
#define HC_SERVER_RELOAD_H

#include <stdbool.h>

struct hc_server;

/* Start-up: remembers the overrides and threshold changes the store
 * holds (the effective config is built from them later); false (logged)
 * when the store cannot be read. */
bool hc_server_load_saved_settings(struct hc_server *s);
/* Reloads the config file (SIGHUP): a broken file changes nothing. */
void hc_server_reload(struct hc_server *s);
/* Sets the connection budgets from the config in force. */
void hc_server_apply_limits(struct hc_server *s);

#endif
