/*
 * enroll.h — `headcount-aggregator enroll | rotate | revoke TERMINAL`.
 */
#ifndef HC_ENROLL_H
#define HC_ENROLL_H

#include <stdbool.h>

/* True when argv[1] is one of the three subcommands. */
bool hc_enroll_is_command(int argc, char **argv);

/* Runs the subcommand argv[0] (argv[0] is "enroll", "rotate" or
 * "revoke"); returns the process exit status: 0 done, 1 the secrets
 * file could not be written, 2 a usage or config error or an unknown or
 * not-enrolled terminal (the file is then unchanged). */
int hc_enroll_main(int argc, char **argv);

#endif
