/*
 * bench_proc.c — looking at other processes: RSS and CPU from /proc,
 * starting and stopping the programs under test.
 *
 * Relies on: Linux /proc/PID/status (VmRSS, VmHWM in kB) and
 * /proc/PID/stat (utime, stime in clock ticks, fields 14 and 15).
 *
 * Promises: a figure that cannot be read is reported as not ok, never as
 * zero; CPU has the resolution of one clock tick (10 ms at 100 Hz), so
 * callers measure over seconds, not milliseconds.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/clock.h"
#include "shared/log.h"
#include "tests/bench/bench.h"

extern char **environ;

/* Reads "Key:   123 kB" from /proc/PID/status, in bytes; -1 when absent. */
static int64_t status_kib_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	if (p == NULL)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	char *end = NULL;
	long long kib = strtoll(p, &end, 10);
	if (end == p)
		return -1;
	return (int64_t)kib * 1024;
}

/* Reads a small /proc file into buf (NUL-terminated). */
static bool read_small_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

struct bench_usage bench_proc_usage(pid_t pid)
{
	struct bench_usage u;
	memset(&u, 0, sizeof u);
	char path[64], text[4096];

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!read_small_file(path, text, sizeof text))
		return u;
	u.rss_bytes = status_kib_field(text, "\nVmRSS");
	u.rss_peak_bytes = status_kib_field(text, "\nVmHWM");

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!read_small_file(path, text, sizeof text))
		return u;
	/* The command name (field 2) may hold spaces: fields restart after
	 * its closing parenthesis, at field 3. */
	const char *p = strrchr(text, ')');
	if (p == NULL)
		return u;
	p++;
	unsigned long long utime = 0, stime = 0;
	int field = 2;
	char *save = NULL;
	char *copy = strdup(p);
	if (copy == NULL)
		return u;
	for (char *tok = strtok_r(copy, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 14)
			utime = strtoull(tok, NULL, 10);
		else if (field == 15) {
			stime = strtoull(tok, NULL, 10);
			break;
		}
	}
	free(copy);
	long ticks = sysconf(_SC_CLK_TCK);
	if (field != 15 || ticks <= 0 || u.rss_bytes < 0)
		return u;
	u.cpu_us = (int64_t)((utime + stime) * 1000000ULL / (unsigned long long)ticks);
	u.ok = true;
	return u;
}

int64_t bench_self_cpu_us(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

unsigned int bench_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		hc_warn("bench: getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return 1024;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			hc_warn("bench: setrlimit(RLIMIT_NOFILE, %llu): %s",
				(unsigned long long)rl.rlim_max, strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t limit = rl.rlim_cur;
	if (limit == RLIM_INFINITY || limit > 1048576)
		limit = 1048576;
	return (unsigned int)limit;
}

pid_t bench_spawn(char *const argv[], int *stdin_fd, const char *log_path)
{
	posix_spawn_file_actions_t fa;
	int pipe_fds[2] = { -1, -1 };
	pid_t pid = -1;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		hc_error("bench: posix_spawn_file_actions_init failed");
		return -1;
	}
	if (stdin_fd != NULL) {
		if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
			hc_error("bench: pipe: %s", strerror(errno));
			goto fail;
		}
		posix_spawn_file_actions_adddup2(&fa, pipe_fds[0], 0);
	} else {
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	}
	posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	if (rc != 0) {
		hc_error("bench: cannot start %s: %s", argv[0], strerror(rc));
		pid = -1;
		goto fail;
	}
	if (stdin_fd != NULL) {
		close(pipe_fds[0]);
		*stdin_fd = pipe_fds[1];
	}
	posix_spawn_file_actions_destroy(&fa);
	return pid;
fail:
	if (pipe_fds[0] >= 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
	}
	posix_spawn_file_actions_destroy(&fa);
	return -1;
}

void bench_stop_child(pid_t pid, int64_t wait_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	int64_t end_ms = hc_mono_ms() + wait_ms;
	while (hc_mono_ms() < end_ms) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		usleep(5000);
	}
	hc_warn("bench: pid %d did not stop within %lld ms; killing it", (int)pid,
		(long long)wait_ms);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void bench_exe_dir(char *out, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0) {
		snprintf(out, cap, ".");
		return;
	}
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(out, cap, "%s", path);
}
