/*
 * version.c — the build's version string (see version.h).
 */
#include "shared/version.h"

#include <string.h>

#ifndef HC_GIT_REV
#define HC_GIT_REV "unknown"
#endif

const char *hc_version(void)
{
	return HC_RELEASE " (git " HC_GIT_REV ")";
}

const char *hc_version_tag(void)
{
	/* A revision of 12 hex digits keeps the tag at 18 characters. */
	static const char rev[] = HC_GIT_REV;
	if (strcmp(rev, "unknown") == 0 ||
	    sizeof(HC_RELEASE "+" HC_GIT_REV) > HC_VERSION_LEN_MAX + 1)
		return HC_RELEASE;
	return HC_RELEASE "+" HC_GIT_REV;
}

void hc_version_print(FILE *out, const char *program)
{
	fprintf(out, "%s %s\n", program, hc_version());
}

bool hc_version_requested(int argc, char *const *argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--version") == 0)
			return true;
	}
	return false;
}
