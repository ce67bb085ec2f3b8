/*
 * file_replace.c — one way to replace a small file atomically and
 * durably: temporary file beside it (mkstemp, 0600), contents, fsync,
 * rename over the old name, fsync of the directory.
 *
 * Relies on: POSIX; the caller writes the contents.
 *
 * Promises: the file at path is the old one or the whole new one at
 * every moment, including after a power cut once this returned true;
 * the temporary file never outlives a failure; a file that holds
 * secrets is never readable by group or others, not even for a moment.
 */
#include "aggregator/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Syncs the directory that holds path, so the rename is durable. */
static bool sync_directory_of(const char *path, char *err, size_t err_len)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
		snprintf(err, err_len, "%s: path too long", path);
		return false;
	}
	const char *name = dirname(dir);
	int dfd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, err_len,
			 "%s was replaced, but its directory %s could not be synced (%s):"
			 " the change may not survive a power cut",
			 path, name, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	close(dfd);
	return true;
}

/* Gives the new file mode 0600 and, when asked, the old file's owner. */
static bool set_mode_and_owner(int fd, const char *tmp, const char *path, const struct stat *owner,
			       char *err, size_t err_len)
{
	if (fchmod(fd, 0600) != 0 ||
	    (owner != NULL && (owner->st_uid != geteuid() || owner->st_gid != getegid()) &&
	     fchown(fd, owner->st_uid, owner->st_gid) != 0)) {
		snprintf(err, err_len, "cannot give %s the mode 0600 and the owner of %s: %s", tmp,
			 path, strerror(errno));
		return false;
	}
	return true;
}

bool hc_file_replace(const char *path, const struct stat *owner, hc_file_write_fn write, void *arg,
		     char *err, size_t err_len)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		snprintf(err, err_len, "%s: path too long", path);
		return false;
	}
	int fd = mkstemp(tmp); /* created 0600 */
	if (fd < 0) {
		snprintf(err, err_len, "cannot create a file beside %s: %s", path, strerror(errno));
		return false;
	}
	if (!set_mode_and_owner(fd, tmp, path, owner, err, err_len))
		goto fail;
	f = fdopen(fd, "w");
	if (f == NULL) {
		snprintf(err, err_len, "fdopen %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1; /* f owns it */
	if (!write(f, arg, err, err_len))
		goto fail;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, err_len, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	int closed = fclose(f);
	f = NULL;
	if (closed != 0) {
		snprintf(err, err_len, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, err_len, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	return sync_directory_of(path, err, err_len);
fail:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}
