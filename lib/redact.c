/*
 * redact.c - take secrets out of text before it leaves the process: to a
 * model, a webhook, a log or the spool.
 *
 * One pass over the text.  At each position the matchers are tried in
 * turn; the first that matches writes its replacement and skips what it
 * consumed, else the byte is copied.  What is caught:
 *  - PEM private key blocks (a block cut short is redacted to the end);
 *  - values of secret-looking keys in every common spelling: key=value,
 *    key: value, "key": "value", 'key': 'value' (password, passwd, pwd,
 *    secret, token, api_key, access_key, private_key, credential,
 *    session, cookie, authorization, sig, ...).  For Authorization and
 *    Cookie headers the whole rest of the line goes;
 *  - "Bearer xxx" anywhere;
 *  - the password in scheme://user:password@host;
 *  - provider keys by their prefix (OpenAI, Anthropic, GitHub, GitLab,
 *    Slack, AWS access key ids, Google, Stripe, SendGrid, Hugging Face,
 *    npm, Groq), JSON Web Tokens, and Slack/Discord webhook URLs.
 * A prefixed key keeps its prefix ("ghp_[REDACTED]") so a reader knows
 * which kind of secret was there.
 *
 * This errs on the side of redacting: "tokens=5" loses its 5.  It does
 * not find secrets with no recognisable shape (an AWS secret access key
 * on its own, a password in free prose).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"

#define MARK "[REDACTED]"

struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;
		while (b->n + n + 1 > cap)
			cap *= 2;
		if (!(np = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static int
keych(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static int
tokch(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* ---- secret-looking key names ---- */

int
redact_is_secret_key(const char *k, size_t n)
{
	static const char *const words[] = {
		"password", "passwd", "passphrase", "secret", "token", "apikey", "api_key",
		"api-key", "access_key", "accesskey", "access-key", "private_key",
		"privatekey", "private-key", "credential", "authorization", "cookie",
		"session", "accountkey", "signature", "x-api-key", "client_key",
		NULL,
	};
	static const char *const exact[] = {
		"pwd", "pass", "auth", "sig", "key", "jwt", "sid", "csrf", "xsrf", NULL,
	};
	char low[128];
	size_t i;

	if (n == 0 || n >= sizeof low)
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)k[i]);
	low[n] = '\0';
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	for (i = 0; exact[i]; i++) {
		size_t wl = strlen(exact[i]);
		/* "pwd", "db_pass", "x-auth" */
		if (n >= wl && !strcmp(low + n - wl, exact[i]) &&
		    (n == wl || strchr("_-.", low[n - wl - 1])))
			return 1;
	}
	return 0;
}

static int
whole_line_key(const char *k, size_t n)
{
	return (n == 13 && !strncasecmp(k, "authorization", 13)) ||
	    (n == 19 && !strncasecmp(k, "proxy-authorization", 19)) ||
	    (n == 6 && !strncasecmp(k, "cookie", 6)) ||
	    (n == 10 && !strncasecmp(k, "set-cookie", 10));
}

/* ---- matchers: return bytes consumed (0: no match) ---- */

static size_t
m_pem(const char *s, struct buf *b)
{
	const char *hdr_end, *end;

	if (strncmp(s, "-----BEGIN ", 11) != 0)
		return 0;
	if (!(hdr_end = strstr(s + 11, "-----")) || hdr_end - s > 80 ||
	    !memmem(s, (size_t)(hdr_end - s), "PRIVATE KEY", 11))
		return 0;
	puts_(b, "-----BEGIN PRIVATE KEY-----" MARK);
	if ((end = strstr(hdr_end + 5, "-----END ")) && (end = strstr(end + 9, "-----"))) {
		puts_(b, "-----END PRIVATE KEY-----");
		return (size_t)(end + 5 - s);
	}
	return strlen(s);
}

/* Length of a quoted string starting at s (the quote), with escapes. */
static size_t
quoted_len(const char *s)
{
	char q = s[0];
	size_t i = 1;

	while (s[i] && s[i] != q && s[i] != '\n') {
		if (s[i] == '\\' && s[i + 1])
			i++;
		i++;
	}
	return s[i] == q ? i + 1 : i;
}

/*
 * "token = get_token()", "password = None", "key = d['k']": source code
 * assigning to a secret-named variable, not a secret.  Only with spaces
 * around '=' (code style); a config line "password=abc(1" still goes.
 */
static int
code_value(const char *v, size_t vn, char after)
{
	static const char *const words[] = { "None", "True", "False", "null", "nil",
		"undefined", "true", "false", NULL };
	size_t i = 0;

	if (v[-1] != ' ' || v[-2] != '=' || v[-3] != ' ')
		return 0;
	for (i = 0; words[i]; i++)
		if (vn == strlen(words[i]) && !strncmp(v, words[i], vn))
			return 1;
	if (!isalpha((unsigned char)v[0]) && v[0] != '_')
		return 0;
	for (i = 0; i < vn && (isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.'); i++)
		;
	return (i < vn && (v[i] == '(' || v[i] == '[')) || (i == vn && (after == '(' ||
	    after == '['));
}

/*
 * key SEP value at s, where s starts a key (the previous byte is not a
 * key byte).  The key may be quoted.
 */
static size_t
m_keyvalue(const char *start, const char *s, struct buf *b)
{
	const char *k = s, *p, *v;
	size_t kn, vn;
	char kq = 0, sep;
	int wl;

	if (*k == '"' || *k == '\'')
		kq = *k++;
	if (k > start && !kq && keych((unsigned char)k[-1]))
		return 0;
	for (p = k; keych((unsigned char)*p); p++)
		;
	kn = (size_t)(p - k);
	if (kn < 3 || kn > 64)
		return 0;
	if (kq) {
		if (*p != kq)
			return 0;
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=' && *p != ':')
		return 0;
	if (*p == ':' && p[1] == '/' && p[2] == '/')	/* a URL scheme */
		return 0;
	sep = *p;
	if (!redact_is_secret_key(k, kn))
		return 0;
	p++;
	if (*p == '=')			/* "==" comparisons */
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	v = p;
	wl = whole_line_key(k, kn);
	if (*v == '"' || *v == '\'') {
		vn = quoted_len(v);
		if (vn <= 2)
			return 0;
		put(b, s, (size_t)(v - s) + 1);
		puts_(b, MARK);
		if (v[vn - 1] == *v)
			put(b, v, 1);
		return (size_t)(v - s) + vn;
	}
	if (wl && sep == ':')
		vn = strcspn(v, "\r\n");
	else
		vn = strcspn(v, " \t\r\n&;,\"'<>)}]");
	if (vn == 0 || !strncmp(v, MARK, strlen(MARK)) || *v == '{' || *v == '[' ||
	    !strncmp(v, "-----BEGIN ", 11))
		return 0;
	if (sep == '=' && p > k && code_value(v, vn, v[vn]))
		return 0;
	put(b, s, (size_t)(v - s));
	puts_(b, MARK);
	return (size_t)(v - s) + vn;
}

static size_t
m_bearer(const char *start, const char *s, struct buf *b)
{
	size_t n;

	if ((s > start && isalnum((unsigned char)s[-1])) || strncasecmp(s, "bearer ", 7) != 0)
		return 0;
	n = strspn(s + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-");
	if (n < 8)
		return 0;
	put(b, s, 7);
	puts_(b, MARK);
	return 7 + n;
}

static size_t
m_userinfo(const char *s, struct buf *b)
{
	const char *u, *colon = NULL, *at = NULL, *p;

	if (strncmp(s, "://", 3) != 0)
		return 0;
	u = s + 3;
	for (p = u; *p && !strchr("/?# \t\r\n\"'<>", *p); p++) {
		if (*p == ':' && !colon)
			colon = p;
		if (*p == '@')
			at = p;		/* the last '@' before the path */
	}
	if (!colon || !at || colon > at || at == colon + 1)
		return 0;
	if (!strncmp(colon + 1, MARK, strlen(MARK)))
		return 0;
	put(b, s, (size_t)(colon + 1 - s));
	puts_(b, MARK);
	put(b, "@", 1);
	return (size_t)(at + 1 - s);
}

static const struct prefix {
	const char *prefix;
	size_t min;		/* characters after the prefix */
	const char *extra;	/* allowed besides alnum */
} prefixes[] = {
	{ "sk-ant-", 20, "_-" },
	{ "sk-", 20, "_-" },		/* OpenAI sk-..., sk-proj-..., OpenRouter sk-or-... */
	{ "ghp_", 30, "" }, { "gho_", 30, "" }, { "ghu_", 30, "" }, { "ghs_", 30, "" },
	{ "ghr_", 30, "" }, { "github_pat_", 30, "_" },
	{ "glpat-", 20, "_-" },
	{ "xoxb-", 10, "-" }, { "xoxp-", 10, "-" }, { "xoxa-", 10, "-" },
	{ "xoxr-", 10, "-" }, { "xoxs-", 10, "-" }, { "xapp-", 10, "-" },
	{ "AKIA", 16, "" }, { "ASIA", 16, "" },
	{ "AIza", 30, "_-" },
	{ "sk_live_", 16, "" }, { "sk_test_", 16, "" }, { "rk_live_", 16, "" },
	{ "rk_test_", 16, "" }, { "whsec_", 16, "" },
	{ "SG.", 30, "_-." },
	{ "hf_", 30, "" },
	{ "npm_", 30, "" },
	{ "gsk_", 30, "" },
	{ "glsa_", 30, "_" },
	{ NULL, 0, NULL },
};

static size_t
m_prefix(const char *start, const char *s, struct buf *b)
{
	const struct prefix *x;

	if (s > start && tokch((unsigned char)s[-1]))
		return 0;
	for (x = prefixes; x->prefix; x++) {
		size_t pl = strlen(x->prefix), n = 0;
		if (strncmp(s, x->prefix, pl) != 0)
			continue;
		while (s[pl + n] && (isalnum((unsigned char)s[pl + n]) ||
		    (*x->extra && strchr(x->extra, s[pl + n]))))
			n++;
		if (n < x->min)
			continue;
		put(b, s, pl);
		puts_(b, MARK);
		return pl + n;
	}
	return 0;
}

static size_t
m_jwt(const char *start, const char *s, struct buf *b)
{
	size_t n = 0;
	int dots = 0;

	if ((s > start && tokch((unsigned char)s[-1])) || strncmp(s, "eyJ", 3) != 0)
		return 0;
	while (tokch((unsigned char)s[n]) || s[n] == '.') {
		dots += s[n] == '.';
		n++;
	}
	if (dots != 2 || n < 30 || strncmp(strchr(s, '.') + 1, "eyJ", 3) != 0)
		return 0;
	puts_(b, MARK);
	return n;
}

static size_t
m_webhook(const char *s, struct buf *b)
{
	static const char *const hooks[] = {
		"hooks.slack.com/services/", "discord.com/api/webhooks/",
		"discordapp.com/api/webhooks/", NULL,
	};
	size_t i, n;

	for (i = 0; hooks[i]; i++) {
		size_t hl = strlen(hooks[i]);
		if (strncmp(s, hooks[i], hl) != 0)
			continue;
		n = strcspn(s + hl, " \t\r\n\"'<>?#");
		if (n == 0)
			return 0;
		put(b, s, hl);
		puts_(b, MARK);
		return hl + n;
	}
	return 0;
}

char *
redact(const char *text, int *count)
{
	struct buf b = { 0 };
	const char *s = text;
	int n = 0;

	if (count)
		*count = 0;
	if (!text)
		return NULL;
	put(&b, "", 0);
	while (*s) {
		size_t used = 0;
		unsigned char c = (unsigned char)*s;

		/* Cheap first-byte filter before the matchers. */
		if (c == '-')
			used = m_pem(s, &b);
		if (!used && (c == ':'))
			used = m_userinfo(s, &b);
		if (!used && (c == 'b' || c == 'B'))
			used = m_bearer(text, s, &b);
		if (!used && c == 'e')
			used = m_jwt(text, s, &b);
		if (!used && (c == 'h' || c == 'd'))
			used = m_webhook(s, &b);
		if (!used && isalpha(c))
			used = m_prefix(text, s, &b);
		if (!used && (isalpha(c) || c == '"' || c == '\'' || c == '_'))
			used = m_keyvalue(text, s, &b);
		if (used) {
			n++;
			s += used;
			continue;
		}
		/* Copy a run of bytes that cannot start a match. */
		{
			const char *e = s + 1;
			if (isalnum(c) || c == '_')
				while (isalnum((unsigned char)*e) || *e == '_')
					e++;
			put(&b, s, (size_t)(e - s));
			s = e;
		}
	}
	if (b.oom) {
		free(b.p);
		mend_err("out of memory");
		return NULL;
	}
	if (count)
		*count = n;
	return b.p;
}

jv
redact_jv(jv v, int *count)
{
	int n = 0, k;

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: {
		char *r = redact(jv_string_value(v), &k);
		if (r && k > 0) {
			jv_free(v);
			v = jv_string(r);
			n += k;
		}
		free(r);
		break;
	}
	case JV_KIND_ARRAY: {
		int i, len = jv_array_length(jv_copy(v));
		for (i = 0; i < len; i++) {
			jv e = redact_jv(jv_array_get(jv_copy(v), i), &k);
			n += k;
			v = jv_array_set(v, i, e);
		}
		break;
	}
	case JV_KIND_OBJECT: {
		jv keys = jv_keys(jv_copy(v));
		int i, len = jv_array_length(jv_copy(keys));
		for (i = 0; i < len; i++) {
			jv key = jv_array_get(jv_copy(keys), i);
			const char *ks = jv_string_value(key);
			jv e = jv_object_get(jv_copy(v), jv_copy(key));
			jv_kind ek = jv_get_kind(e);
			if (redact_is_secret_key(ks, strlen(ks)) && (ek == JV_KIND_STRING ||
			    ek == JV_KIND_NUMBER) && !(ek == JV_KIND_STRING &&
			    !strcmp(jv_string_value(e), MARK))) {
				jv_free(e);
				e = jv_string(MARK);
				n++;
			} else {
				e = redact_jv(e, &k);
				n += k;
			}
			v = jv_object_set(v, key, e);
		}
		jv_free(keys);
		break;
	}
	default:
		break;
	}
	if (count)
		*count = n;
	return v;
}
