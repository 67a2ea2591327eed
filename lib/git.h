/*
 * git.h - what the git*.c files share and nothing else sees: the
 * repository handle and the helpers git.c lends to git_remote.c and
 * git_apply.c.  With them, the only files that include git2.h.
 */
#ifndef GIT_H
#define GIT_H

#include <git2.h>

/* libgit2's *_INIT macros leave trailing fields to the compiler. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "mend.h"

struct repo {
	git_repository *git;
	char *workdir;		/* without trailing slash */
	char *token;
	char *remote;		/* the configured URL; NULL: no network */
	int allow_http;
	int cred_tries;
	char *push_error;
};

/* git.c */
/* -1 with "what: libgit2's last message". */
int gerr(const char *what);
void lib_init(void);
/* A handle for workdir, not opened yet. */
int repo_new(struct repo **out, const char *workdir);
int open_checkout(struct repo *r);
/* Local paths become absolute; *out malloc'd. */
int normalize_url(char **out, const char *url);
int lookup_commit(struct repo *r, git_commit **c, const char *hex);

#endif
