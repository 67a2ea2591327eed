/* Unit tests for lib/forge.c: telling the forge, the slug and the API from a remote URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static void
slug_is(const char *url, const char *want)
{
	char *s = NULL;

	if (!want) {
		assert_int_equal(forge_slug(&s, url), -1);
		return;
	}
	if (forge_slug(&s, url) < 0)
		fail_msg("'%s': %s", url, mend_errmsg());
	assert_string_equal(s, want);
	free(s);
}

static void
api_is(const char *kind, const char *url, const char *want)
{
	char *s = NULL;

	assert_int_equal(forge_api_url(&s, kind, url), 0);
	assert_string_equal(s, want);
	free(s);
}

static void
test_detect(void **state)
{
	(void)state;
	assert_string_equal(forge_detect("https://github.com/acme/shop.git"), "github");
	assert_string_equal(forge_detect("git@github.com:acme/shop.git"), "github");
	assert_string_equal(forge_detect("ssh://git@GitHub.example.com:2222/acme/shop"), "github");
	assert_string_equal(forge_detect("https://gitlab.com/group/sub/proj.git"), "gitlab");
	assert_string_equal(forge_detect("https://codeberg.org/me/x"), "gitea");
	assert_string_equal(forge_detect("https://git.forgejo.example/me/x"), "gitea");
	assert_string_equal(forge_detect("/srv/git/shop.git"), "none");
	assert_string_equal(forge_detect("file:///srv/git/shop.git"), "none");
	assert_null(forge_detect("https://git.example.org/me/x.git"));
	/* The user name is not the host. */
	assert_null(forge_detect("https://github:tok@git.example.org/me/x.git"));
}

static void
test_slug(void **state)
{
	(void)state;
	slug_is("https://github.com/acme/shop.git", "acme/shop");
	slug_is("https://github.com/acme/shop/", "acme/shop");
	slug_is("https://x-access-token:t@github.com/acme/shop", "acme/shop");
	slug_is("git@github.com:acme/shop.git", "acme/shop");
	slug_is("ssh://git@host:2222/acme/shop.git", "acme/shop");
	slug_is("https://gitlab.com/group/sub/proj.git", "group/sub/proj");
	slug_is("/srv/git/acme/shop.git", "acme/shop");
	slug_is("file:///srv/git/acme/shop.git", "acme/shop");
	slug_is("https://github.com/shop", NULL);
	slug_is("https://github.com", NULL);
}

static void
test_api(void **state)
{
	(void)state;
	api_is("github", "git@github.com:acme/shop.git", "https://api.github.com");
	api_is("github", "https://ghe.corp.example/acme/shop", "https://ghe.corp.example/api/v3");
	api_is("gitlab", "https://gitlab.example.org/g/p.git", "https://gitlab.example.org/api/v4");
	api_is("gitea", "ssh://git@codeberg.org:22/me/x", "https://codeberg.org/api/v1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_api),
	};

	mend_setprog("test_forge");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
