/*
 * file_replace.h — replacing a small secret file so that it is never
 * half written: the aggregator's terminal secrets and supervisor
 * passwords (aggregator/file_replace.c).
 */
#ifndef HC_FILE_REPLACE_H
#define HC_FILE_REPLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/* Writes the new contents to f; false when it could not (the reason is
 * then written into err). */
typedef bool (*hc_file_write_fn)(FILE *f, void *arg, char *err, size_t err_len);

/* Writes a temporary file beside path with mode 0600 (and, when
 * owner is not NULL, the owner and group it names), fills it with
 * write, syncs it, renames it over path and syncs the directory. On
 * false, err says which step failed and path is either as before or
 * (only when the directory sync failed) already replaced, which err
 * then says. */
bool hc_file_replace(const char *path, const struct stat *owner, hc_file_write_fn write, void *arg,
		     char *err, size_t err_len);

#endif
