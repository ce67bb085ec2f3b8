/*
 * fuzz_check.h — CHECK(cond) for the libFuzzer targets: a property that
 * does not hold prints where and what, then aborts, which libFuzzer
 * reports as a crash with the input that caused it.
 */
#ifndef HC_FUZZ_CHECK_H
#define HC_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
