/*
 * redact.c - the one door out for text: everything mend sends to a model,
 * an agent, a webhook, a forge, the spool's timeline or a log passes
 * through here first, and secrets come out as "[REDACTED]".
 *
 * One pass over the text, which is a length and bytes: a NUL is a byte
 * like any other (a jv string may hold one), never the end, and nothing
 * here falls back to the original text; when memory runs out the caller
 * gets NULL and sends nothing.  At each position the matchers are tried;
 * the first that matches writes its replacement and skips what it
 * consumed, else the byte is copied.  What is caught:
 *  - PEM private key blocks (a block cut short is redacted to the end);
 *  - values of secret-looking keys in every common spelling: key=value,
 *    key: value, "key": "value", escaped JSON {\"key\": \"value\"},
 *    'key' => 'value', key%3Dvalue, --key=value and --key value.  A key
 *    is secret-looking when one of its words (split at _ - . and at
 *    camelCase: dbPass) is a secret word (password, pass, pwd, secret,
 *    token, credential, cookie, session, sig, api key, access key, ...).
 *    Unquoted values run to white space or a delimiter; a comma ends
 *    one only when another key or a space follows (password=a,b is one
 *    value).  Authorization, Cookie and Set-Cookie headers lose the
 *    whole rest of the line (or of the quoted string they sit in);
 *  - "Bearer xxx", and "Basic xxx" whose base64 decodes to user:password;
 *  - curl's -u/--user user:password;
 *  - the password in scheme://user:password@host (a password may hold
 *    / # @), and a bare token as the user (Sentry DSNs, https://TOKEN@);
 *  - provider keys by their prefix (OpenAI, Anthropic, GitHub, GitLab,
 *    Slack, AWS, Google, Stripe, PyPI, npm, Shopify, DigitalOcean and
 *    more: the table below), JSON Web Tokens and JWE, Slack/Discord
 *    webhook URLs, Telegram and Discord bot tokens, Azure AD client
 *    secrets, Mailchimp keys, and AWS secret access keys (40 base64
 *    characters of high entropy) on their own.
 * A prefixed key keeps its prefix ("ghp_[REDACTED]") so a reader knows
 * which kind of secret was there.
 *
 * This errs on the side of redacting: "tokens=5" loses its 5.  It does
 * not find secrets with no recognisable shape or key (a password in
 * free prose, a hex API key on its own, mysql -pSECRET).
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"

#define MARK "[REDACTED]"
#define MARKLEN (sizeof MARK - 1)

struct scan {
	const char *t;		/* the text */
	size_t n;		/* its length */
	struct strbuf *out;
	size_t lit, end;	/* text [lit, end) copied as is, not yet written */
};

/* The byte at i, or -1 past the end. */
static int
at(const struct scan *c, size_t i)
{
	return i < c->n ? (unsigned char)c->t[i] : -1;
}

static int
is(const struct scan *c, size_t i, const char *lit)
{
	size_t l = strlen(lit);

	return i <= c->n && c->n - i >= l && !memcmp(c->t + i, lit, l);
}

static int
is_ci(const struct scan *c, size_t i, const char *lit)
{
	size_t l = strlen(lit);

	return i <= c->n && c->n - i >= l && !strncasecmp(c->t + i, lit, l);
}

/* Write the text copied as is so far (matchers write only when they match). */
static void
flush(struct scan *c)
{
	if (c->end > c->lit)
		strbuf_addn(c->out, c->t + c->lit, c->end - c->lit);
	c->lit = c->end;
}

static void
copy(struct scan *c, size_t from, size_t to)
{
	flush(c);
	strbuf_addn(c->out, c->t + from, to - from);
}

static void
mark(struct scan *c)
{
	flush(c);
	strbuf_addn(c->out, MARK, MARKLEN);
}

/* Keep the text from i to keep as is, a mark for the rest up to end:
 * the matcher's return value, end - i. */
static size_t
mark_after(struct scan *c, size_t i, size_t keep, size_t end)
{
	copy(c, i, keep);
	mark(c);
	return end - i;
}

static int
keych(int c)
{
	return c >= 0 && (isalnum(c) || c == '_' || c == '-' || c == '.');
}

static int
tokch(int c)
{
	return c >= 0 && (isalnum(c) || c == '_' || c == '-');
}

static int
b64ch(int c)
{
	return c >= 0 && (isalnum(c) || c == '+' || c == '/');
}

/* Does a word start at i?  After a %XX escape it does (a%26password=). */
static int
boundary(const struct scan *c, size_t i)
{
	return i == 0 || !tokch(at(c, i - 1)) || (i >= 3 && at(c, i - 3) == '%' &&
	    isxdigit(at(c, i - 2)) && isxdigit(at(c, i - 1)));
}

static int
space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- secret-looking key names ---- */

/* Words that make a key secret wherever they appear in it. */
static const char *const strong[] = {
	"password", "passwd", "passphrase", "passcode", "secret", "token", "apikey",
	"api_key", "api-key", "accesskey", "access_key", "access-key", "privatekey",
	"private_key", "private-key", "credential", "authorization", "cookie", "session",
	"accountkey", "signature", "client_key", "clientkey", NULL,
};
/* Words that do when they are a whole word of the key. */
static const char *const whole[] = {
	"pwd", "pass", "pw", "auth", "sig", "jwt", "sid", "csrf", "xsrf", "creds", "cred",
	"bearer", "otp", NULL,
};
/* "key" is secret alone or after one of these words. */
static const char *const key_after[] = {
	"api", "access", "private", "secret", "master", "client", "account", "signing",
	"encryption", "shared", "app", "subscription", "auth", "service", "admin", "license",
	"sas", "storage", "x-api", "deploy", "write", NULL,
};
/* A last word that says the key names something about a secret, not it. */
static const char *const not_secret[] = {
	"file", "path", "dir", "url", "uri", "endpoint", "type", "length", "len", "count",
	"size", "ttl", "expiry", "expires", "expiration", "policy", "name", "hint", "prompt",
	"required", "enabled", "format", "header", "field", "param", "env", "left", "limit",
	"used", "usage", "tokens", NULL,
};

/* MAILCHIMP_KEY: an environment variable's name (upper case and _). */
static int
upper_env(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)k[i]) && !isdigit((unsigned char)k[i]) && k[i] != '_')
			return 0;
	return 1;
}

static int
in_list(const char *const *list, const char *w, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], w, n))
			return 1;
	return 0;
}

int
redact_is_secret_key(const char *k, size_t n)
{
	char low[128];
	size_t i, ws[32], we[32], nw = 0;

	if (n == 0 || n >= sizeof low)
		return 0;
	/* Words: split at _ - . and before an upper-case letter after a lower. */
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)k[i];
		int cut = ch == '_' || ch == '-' || ch == '.' || ch == ' ';
		if (i > 0 && isupper(ch) && islower((unsigned char)k[i - 1]) && nw > 0 &&
		    we[nw - 1] == (size_t)-1)
			we[nw - 1] = i;
		if (!cut && (nw == 0 || we[nw - 1] != (size_t)-1)) {
			if (nw == 32)
				return 0;
			ws[nw] = i;
			we[nw++] = (size_t)-1;
		} else if (cut && nw > 0 && we[nw - 1] == (size_t)-1)
			we[nw - 1] = i;
		low[i] = (char)tolower(ch);
	}
	low[n] = '\0';
	if (nw == 0)
		return 0;
	if (we[nw - 1] == (size_t)-1)
		we[nw - 1] = n;
	if (nw > 1 && in_list(not_secret, low + ws[nw - 1], we[nw - 1] - ws[nw - 1]))
		return 0;
	for (i = 0; strong[i]; i++) {
		const char *hit = strstr(low, strong[i]);
		/* "tokenizer", "tokenize": not a token */
		if (hit && !(!strcmp(strong[i], "token") && !strncmp(hit + 5, "iz", 2)))
			return 1;
	}
	for (i = 0; i < nw; i++) {
		const char *w = low + ws[i];
		size_t wl = we[i] - ws[i];
		if (in_list(whole, w, wl))
			return 1;
		if (wl == 3 && !memcmp(w, "key", 3) && i == nw - 1 && (nw == 1 ||
		    in_list(key_after, low + ws[i - 1], we[i - 1] - ws[i - 1]) || upper_env(k, n)))
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

/* ---- matchers: bytes consumed from i (0: no match) ---- */

static size_t
m_pem(struct scan *c, size_t i)
{
	const char *s = c->t + i, *hdr_end, *end;
	size_t left = c->n - i;

	if (!is(c, i, "-----BEGIN "))
		return 0;
	if (!(hdr_end = memmem(s + 11, left - 11, "-----", 5)) || hdr_end - s > 80 ||
	    !memmem(s, (size_t)(hdr_end - s), "PRIVATE KEY", 11))
		return 0;
	flush(c);
	strbuf_add(c->out, "-----BEGIN PRIVATE KEY-----" MARK);
	hdr_end += 5;
	if ((end = memmem(hdr_end, (size_t)(s + left - hdr_end), "-----END ", 9)) &&
	    (end = memmem(end + 9, (size_t)(s + left - end - 9), "-----", 5))) {
		strbuf_add(c->out, "-----END PRIVATE KEY-----");
		return (size_t)(end + 5 - s);
	}
	return left;
}

/* Index of the closing quote q (or the line's end) of a string opened at i. */
static size_t
quoted_end(const struct scan *c, size_t i, int q)
{
	size_t j = i + 1;

	while (j < c->n && at(c, j) != q && at(c, j) != '\n') {
		if (at(c, j) == '\\' && j + 1 < c->n)
			j++;
		j++;
	}
	return j;
}

/*
 * "token = get_token()", "password = None", "key = d['k']": source code
 * assigning to a secret-named variable, not a secret.  Only with spaces
 * around '=' (code style); a config line "password=abc(1" still goes.
 */
static int
code_value(const struct scan *c, size_t sep, size_t v, size_t vn)
{
	static const char *const words[] = { "None", "True", "False", "null", "nil",
		"undefined", "true", "false", NULL };
	size_t i;

	if (sep < 1 || at(c, sep - 1) != ' ' || at(c, sep) != '=' || at(c, sep + 1) != ' ')
		return 0;
	for (i = 0; words[i]; i++)
		if (vn == strlen(words[i]) && !memcmp(c->t + v, words[i], vn))
			return 1;
	if (!isalpha(at(c, v)) && at(c, v) != '_')
		return 0;
	for (i = v; i < c->n && (isalnum(at(c, i)) || at(c, i) == '_' || at(c, i) == '.'); i++)
		;
	if (at(c, i) == '(' || at(c, i) == '[')
		return 1;
	/* settings.SECRET_KEY, config.db.password: an attribute, read. */
	return i == v + vn && memchr(c->t + v, '.', vn) && at(c, i - 1) != '.' &&
	    !memmem(c->t + v, vn, "..", 2);
}

/* Does a key (key=, key:, "key":) start at i?  For "a=1,b=2". */
static int
key_follows(const struct scan *c, size_t i)
{
	size_t j = i;

	if (at(c, j) == '"' || at(c, j) == '\'')
		j++;
	if (!isalpha(at(c, j)) && at(c, j) != '_')
		return 0;
	while (keych(at(c, j)))
		j++;
	if (at(c, j) == '"' || at(c, j) == '\'')
		j++;
	while (at(c, j) == ' ')
		j++;
	return at(c, j) == '=' || at(c, j) == ':';
}

/* End of an unquoted value starting at v. */
static size_t
value_end(const struct scan *c, size_t v, int header, int quote)
{
	size_t j = v;

	for (;; j++) {
		int ch = at(c, j);
		if (ch <= 0 || ch == '\n' || ch == '\r')
			return j;
		if (ch == '\\' && strchr("nrt\"'\\u", at(c, j + 1) > 0 ? at(c, j + 1) : 'x'))
			return j;
		if (header) {
			/* A header in a quoted string ends with the string. */
			if (quote > 0 && ch == quote)
				return j;
			continue;
		}
		if (space(ch) || strchr("&;\"'<>)}]`|", ch))
			return j;
		if (ch == '%' && (is_ci(c, j, "%26") || is_ci(c, j, "%22") || is_ci(c, j, "%20")))
			return j;
		if (ch == ',' && (at(c, j + 1) < 0 || space(at(c, j + 1)) || key_follows(c, j + 1)))
			return j;
	}
}

/*
 * key SEP value at i.  The key may be quoted ("key", 'key', \"key\"), or
 * an option (--key=value, --key value).
 */
static size_t
m_keyvalue(struct scan *c, size_t i)
{
	size_t k = i, ks, ke, p, v, ve, sep;
	int q = 0, dashes = 0, vq, header;

	if (at(c, k) == '\\' && at(c, k + 1) == '"')
		q = 'E', k += 2;
	else if (at(c, k) == '"' || at(c, k) == '\'')
		q = at(c, k), k++;
	else if (!boundary(c, i) || (i > 0 && (at(c, i - 1) == '.' || at(c, i - 1) == '/')))
		return 0;		/* inside a word or a path */
	while (!q && at(c, k) == '-' && dashes < 2)
		k++, dashes++;
	ks = k;
	while (keych(at(c, k)))
		k++;
	ke = k;
	/* A key ends in a letter or digit: "token." ends a sentence. */
	while (ke > ks && (at(c, ke - 1) == '.' || at(c, ke - 1) == '-'))
		ke--;
	if (ke != k && !q) {
		k = ke;
	}
	if (ke - ks < 2 || ke - ks > 64 || !isalpha(at(c, ks)))
		return 0;
	if (q == 'E') {
		if (!is(c, k, "\\\""))
			return 0;
		k += 2;
	} else if (q) {
		if (at(c, k) != q)
			return 0;
		k++;
	}
	p = k;
	while (at(c, p) == ' ' || at(c, p) == '\t')
		p++;
	sep = p;
	if (at(c, p) == '=') {
		if (at(c, p + 1) == '=' || at(c, p + 1) == '~')
			return 0;		/* "==" "=~": comparisons */
		p += at(c, p + 1) == '>' ? 2 : 1;
	} else if (at(c, p) == ':') {
		if (dashes)
			return 0;		/* "--key: message": an option named in prose */
		if (at(c, p + 1) == '/' && at(c, p + 2) == '/')
			return 0;		/* a URL scheme */
		if (at(c, p + 1) == ':')
			return 0;		/* C++/Rust paths */
		p += at(c, p + 1) == '=' ? 2 : 1;
	} else if (is_ci(c, p, "%3D") || is_ci(c, p, "%3A")) {
		p += 3;
	} else if (dashes == 2 && p > k && at(c, p) != '-' && at(c, p) > ' ' &&
	    at(c, p) != '|' && at(c, p) != '\\') {
		;			/* --password VALUE */
	} else
		return 0;
	if (!redact_is_secret_key(c->t + ks, ke - ks))
		return 0;
	header = whole_line_key(c->t + ks, ke - ks) && at(c, sep) == ':';
	/* auth.py:12 in a stack trace: a file and a line. */
	if (at(c, sep) == ':' && memchr(c->t + ks, '.', ke - ks) && isdigit(at(c, sep + 1)))
		return 0;
	while (at(c, p) == ' ' || at(c, p) == '\t')
		p++;
	v = p;
	vq = at(c, v);
	if (vq == '"' || vq == '\'') {
		ve = quoted_end(c, v, vq);
		if (ve <= v + 1)
			return 0;
		if (is(c, v + 1, MARK) && ve == v + 1 + MARKLEN)
			return 0;
		copy(c, i, v + 1);
		mark(c);
		if (at(c, ve) == vq) {
			copy(c, ve, ve + 1);
			ve++;
		}
		return ve - i;
	}
	if (is(c, v, "\\\"")) {
		/* Escaped JSON: the value runs to the next \". */
		const char *e = memmem(c->t + v + 2, c->n - v - 2, "\\\"", 2);
		ve = e ? (size_t)(e - c->t) : c->n;
		if (ve == v + 2 || (is(c, v + 2, MARK) && ve == v + 2 + MARKLEN))
			return 0;
		return mark_after(c, i, v + 2, ve);
	}
	if (is_ci(c, v, "%22")) {
		const char *e = memmem(c->t + v + 3, c->n - v - 3, "%22", 3);
		ve = e ? (size_t)(e - c->t) : value_end(c, v + 3, 0, 0);
		if (ve == v + 3)
			return 0;
		return mark_after(c, i, v + 3, ve);
	}
	/* The quote the key sits in, for a header inside a quoted string. */
	ve = value_end(c, v, header, q == '"' || q == '\'' ? q : i > 0 && (at(c, i - 1) == '"' ||
	    at(c, i - 1) == '\'') ? at(c, i - 1) : 0);
	if (header && q == 'E') {
		const char *e = memmem(c->t + v, ve - v, "\\\"", 2);
		if (e)
			ve = (size_t)(e - c->t);
	}
	if (ve == v || is(c, v, MARK) || at(c, v) == '{' || at(c, v) == '[' ||
	    is(c, v, "-----BEGIN "))
		return 0;
	/* Already masked by someone else: "REDACTED", "****". */
	for (k = v; k < ve && at(c, k) == '*'; k++)
		;
	if (k == ve || (ve - v == 8 && !strncasecmp(c->t + v, "REDACTED", 8)))
		return 0;
	/* $DB_PASSWORD, ${SECRET}: a reference to a secret, not one. */
	if (at(c, v) == '$' && (at(c, v + 1) == '{' || isupper(at(c, v + 1)) || at(c, v + 1) == '_'))
		return 0;
	if (code_value(c, sep, v, ve - v))
		return 0;
	return mark_after(c, i, v, ve);
}

/* "Bearer xxx"; "Basic xxx" when xxx decodes to user:password. */
static size_t
m_scheme(struct scan *c, size_t i)
{
	size_t j, n;

	if (i > 0 && isalnum(at(c, i - 1)))
		return 0;
	if (is_ci(c, i, "bearer ")) {
		for (j = i + 7; at(c, j) == ' '; j++)
			;
		for (n = 0; at(c, j + n) > 0 && (isalnum(at(c, j + n)) ||
		    strchr("._~+/=-", at(c, j + n))); n++)
			;
		if (n < 8 || is(c, j, MARK))
			return 0;
		return mark_after(c, i, j, j + n);
	}
	if (is_ci(c, i, "basic ")) {
		static const char b64[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		unsigned bits = 0;
		int nb = 0, colon = 0;
		j = i + 6;
		for (n = 0; b64ch(at(c, j + n)) || at(c, j + n) == '='; n++) {
			const char *d = strchr(b64, at(c, j + n));
			if (!d || at(c, j + n) == '=')
				continue;
			bits = (bits << 6) | (unsigned)(d - b64);
			nb += 6;
			if (nb >= 8) {
				nb -= 8;
				colon |= ((bits >> nb) & 0xff) == ':';
			}
		}
		if (n < 4 || !colon)
			return 0;
		return mark_after(c, i, j, j + n);
	}
	return 0;
}

/* curl -u user:password, --user user:password, --proxy-user, -uuser:pw. */
static size_t
m_user_opt(struct scan *c, size_t i)
{
	size_t j, v, colon = 0;
	int q = 0;

	if (i > 0 && !space(at(c, i - 1)) && at(c, i - 1) != '"' && at(c, i - 1) != '\'')
		return 0;
	if (is(c, i, "--user") && (at(c, i + 6) == ' ' || at(c, i + 6) == '='))
		j = i + 7;
	else if (is(c, i, "--proxy-user") && (at(c, i + 12) == ' ' || at(c, i + 12) == '='))
		j = i + 13;
	else if (is(c, i, "-u"))
		j = at(c, i + 2) == ' ' ? i + 3 : i + 2;
	else
		return 0;
	while (at(c, j) == ' ')
		j++;
	if (at(c, j) == '"' || at(c, j) == '\'')
		q = at(c, j++);
	for (v = j; at(c, v) > ' ' && at(c, v) != q && at(c, v) != '"' && at(c, v) != '\''; v++)
		if (at(c, v) == ':' && !colon)
			colon = v;
	if (!colon || colon == j || colon + 1 == v || is(c, colon + 1, MARK))
		return 0;
	return mark_after(c, i, colon + 1, v);
}

static size_t
m_userinfo(struct scan *c, size_t i)
{
	size_t u = i + 3, e, a, j, colon = 0;

	if (!is(c, i, "://") || i == 0 || !isalnum(at(c, i - 1)))
		return 0;
	/* A userinfo and host fit in 2 KiB; the cap keeps "a://a://..." linear. */
	for (e = u; e < u + 2048 && at(c, e) > ' ' && !strchr("\"'<>`\\", at(c, e)) &&
	    !is(c, e, "://"); e++)
		;
	/* The userinfo ends at the last '@' of the URL... */
	for (a = e; a > u && at(c, a - 1) != '@'; a--)
		;
	if (a == u)
		return 0;
	a--;
	/* ...unless the user part says that '@' is in the path or query. */
	for (j = u; j < a && at(c, j) != ':'; j++)
		if (strchr("/?#", at(c, j)))
			return 0;
	if (j < a)
		colon = j;
	if (colon) {
		size_t d = colon + 1;
		if (d == a || is(c, d, MARK))
			return 0;
		/* host:8080/path@x: a port, then a path. */
		while (d < a && isdigit(at(c, d)))
			d++;
		if (d > colon + 1 && d - colon - 1 <= 5 && strchr("/?#", at(c, d)))
			return 0;
		copy(c, i, colon + 1);
		mark(c);
		strbuf_addn(c->out, "@", 1);
		return a + 1 - i;
	}
	/* No password: a long token as the user (Sentry DSN, https://TOKEN@host). */
	if (a - u < 16 || is(c, u, MARK))
		return 0;
	for (j = u; j < a; j++)
		if (!tokch(at(c, j)) && at(c, j) != '.')
			return 0;
	copy(c, i, u);
	mark(c);
	strbuf_addn(c->out, "@", 1);
	return a + 1 - i;
}

#define HEXONLY NULL
static const struct prefix {
	const char *prefix;
	size_t min;		/* characters after the prefix */
	const char *extra;	/* allowed besides alnum; HEXONLY: hex digits only */
} prefixes[] = {
	/* AI providers */
	{ "sk-ant-", 20, "_-" }, { "sk-proj-", 20, "_-" }, { "sk-", 20, "_-" },
	{ "xai-", 30, "" }, { "pplx-", 30, "" }, { "gsk_", 30, "" }, { "hf_", 30, "" },
	{ "r8_", 30, "" }, { "pcsk_", 30, "_-" },
	/* forges and registries */
	{ "ghp_", 30, "" }, { "gho_", 30, "" }, { "ghu_", 30, "" }, { "ghs_", 30, "" },
	{ "ghr_", 30, "" }, { "github_pat_", 30, "_" },
	{ "glpat-", 20, "_-" }, { "gldt-", 20, "_-" }, { "glrt-", 20, "_-" },
	{ "glptt-", 20, "_-" }, { "glcbt-", 20, "_-" }, { "glimt-", 20, "_-" },
	{ "GR1348941", 20, "_-" },
	{ "npm_", 30, "" }, { "pypi-", 50, "_-" }, { "rubygems_", 40, "" },
	{ "dckr_pat_", 20, "_-" }, { "ATBB", 28, "" }, { "ATATT", 50, "_-=" },
	/* chat */
	{ "xoxb-", 10, "-" }, { "xoxp-", 10, "-" }, { "xoxa-", 10, "-" }, { "xoxr-", 10, "-" },
	{ "xoxs-", 10, "-" }, { "xoxo-", 10, "-" }, { "xoxe.", 10, "-" }, { "xoxe-", 10, "-" },
	{ "xapp-", 10, "-" },
	/* clouds */
	{ "AKIA", 16, "" }, { "ASIA", 16, "" }, { "IQoJb3JpZ2lu", 100, "+/=" },
	{ "FwoGZXIvYXdz", 100, "+/=" },
	{ "AIza", 30, "_-" }, { "ya29.", 20, "_-." }, { "GOCSPX-", 20, "_-" },
	{ "1//0", 30, "_-" },
	{ "dop_v1_", 40, HEXONLY }, { "doo_v1_", 40, HEXONLY }, { "dor_v1_", 40, HEXONLY },
	{ "hvs.", 24, "_-" }, { "hvb.", 24, "_-" },
	{ "dp.pt.", 30, "" }, { "dp.st.", 30, "" }, { "dp.ct.", 30, "" }, { "dp.sa.", 30, "" },
	{ "dapi", 32, HEXONLY }, { "HRKU-", 30, "_-" }, { "tskey-", 20, "-" },
	{ "sbp_", 40, "" }, { "nfp_", 30, "" }, { "fo1_", 30, "_-" },
	{ "pscale_tkn_", 30, "_-" }, { "pscale_pw_", 30, "_-" }, { "pnu_", 30, "" },
	{ "NRAK-", 27, "" }, { "glsa_", 30, "_" }, { "glc_", 30, "_-+/=" },
	{ "sntrys_", 50, "_-+/=" }, { "sntryu_", 40, "" },
	/* payments, commerce, mail */
	{ "sk_live_", 16, "" }, { "sk_test_", 16, "" }, { "rk_live_", 16, "" },
	{ "rk_test_", 16, "" }, { "whsec_", 16, "" },
	{ "sq0atp-", 20, "_-" }, { "sq0csp-", 20, "_-" }, { "EAAA", 60, "_-" },
	{ "shpat_", 32, HEXONLY }, { "shpss_", 32, HEXONLY }, { "shpca_", 32, HEXONLY },
	{ "shppa_", 32, HEXONLY }, { "SG.", 30, "_-." }, { "xkeysib-", 60, "-" },
	{ "key-", 32, HEXONLY }, { "SK", 32, HEXONLY }, { "FLWSECK-", 30, "-" },
	{ "duffel_live_", 30, "_-" }, { "shippo_live_", 40, "" }, { "EZAK", 50, "" },
	/* tools */
	{ "PMAK-", 20, "-" }, { "lin_api_", 30, "" }, { "ntn_", 30, "" }, { "figd_", 30, "_-" },
	{ "CFPAT-", 40, "_-" }, { "bkua_", 30, "" }, { "CCIPAT_", 30, "_" },
	{ "rdme_", 40, "" }, { "tfp_", 40, "_-" }, { "aio_", 28, "" }, { "ops_eyJ", 50, "_-=." },
	{ "sk.eyJ", 30, "_-." }, { "AGE-SECRET-KEY-1", 50, "" }, { "secret_", 40, "" },
	{ NULL, 0, NULL },
};

/* The prefixes by their first byte, in table order (built once). */
#define PREFIX_PER_BYTE 24
static unsigned char prefix_by[256][PREFIX_PER_BYTE], prefix_nby[256];
static pthread_once_t prefix_once = PTHREAD_ONCE_INIT;

static void
prefix_init(void)
{
	size_t k;

	for (k = 0; prefixes[k].prefix; k++) {
		unsigned char b = (unsigned char)prefixes[k].prefix[0];
		if (prefix_nby[b] < PREFIX_PER_BYTE)
			prefix_by[b][prefix_nby[b]++] = (unsigned char)k;
	}
}

static size_t
m_prefix(struct scan *c, size_t i)
{
	unsigned char b = (unsigned char)c->t[i];
	size_t k;

	pthread_once(&prefix_once, prefix_init);
	if (!prefix_nby[b] || !boundary(c, i) || (i > 0 && at(c, i - 1) == '.'))
		return 0;
	for (k = 0; k < prefix_nby[b]; k++) {
		const struct prefix *x = &prefixes[prefix_by[b][k]];
		size_t pl, n = 0;
		int hex = !x->extra;
		if (!is(c, i, x->prefix))
			continue;
		pl = strlen(x->prefix);
		for (;; n++) {
			int ch = at(c, i + pl + n);
			if (ch <= 0)
				break;
			if (hex ? !isxdigit(ch) : !(isalnum(ch) || (*x->extra &&
			    strchr(x->extra, ch))))
				break;
		}
		/* Hex keys have a fixed length: "key-" + hex in a longer word is not one. */
		if (n < x->min || (hex && tokch(at(c, i + pl + n))))
			continue;
		return is(c, i + pl, MARK) ? 0 : mark_after(c, i, i + pl, i + pl + n);
	}
	return 0;
}

/* JWT (header.payload.signature) and JWE (five parts, the second may be empty). */
static size_t
m_jwt(struct scan *c, size_t i)
{
	size_t n = 0, dots = 0, second = 0;

	if (!boundary(c, i) || (i > 0 && at(c, i - 1) == '.') || !is(c, i, "eyJ"))
		return 0;
	while (tokch(at(c, i + n)) || at(c, i + n) == '.') {
		if (at(c, i + n) == '.' && dots++ == 0)
			second = i + n + 1;
		n++;
	}
	/* A sentence's full stop after the token. */
	if (n > 0 && at(c, i + n - 1) == '.' && (dots == 3 || dots == 5))
		n--, dots--;
	if (n < 30 || !((dots == 2 && is(c, second, "eyJ")) || dots == 4))
		return 0;
	mark(c);
	return n;
}

static size_t
m_webhook(struct scan *c, size_t i)
{
	static const char *const hooks[] = {
		"hooks.slack.com/services/", "hooks.slack.com/workflows/",
		"discord.com/api/webhooks/", "discordapp.com/api/webhooks/", NULL,
	};
	size_t k, n;

	for (k = 0; hooks[k]; k++) {
		size_t hl = strlen(hooks[k]);
		if (!is(c, i, hooks[k]))
			continue;
		for (n = 0; at(c, i + hl + n) > ' ' && !strchr("\"'<>?#`", at(c, i + hl + n)); n++)
			;
		if (n == 0 || is(c, i + hl, MARK))
			return 0;
		return mark_after(c, i, i + hl, i + hl + n);
	}
	return 0;
}

/* Bits of entropy per character of n bytes at s. */
static double
entropy(const char *s, size_t n)
{
	int count[256] = { 0 };
	double h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++)
		if (count[i]) {
			double p = (double)count[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

/*
 * Shapes without a prefix, at a word start: an AWS secret access key (40
 * base64 characters, mixed case and digits, high entropy, not hex), a
 * Telegram bot token (id:35 characters), a Discord bot token
 * (id.time.hmac), an Azure AD client secret (xxx8Q~...), a Mailchimp key
 * (32 hex + "-us" + data centre).
 */
static size_t
m_shape(struct scan *c, size_t i)
{
	size_t n, j;
	int up = 0, lo = 0, dg = 0, nonhex = 0;

	if (!boundary(c, i) || (i > 0 && (at(c, i - 1) == '+' || at(c, i - 1) == '/' ||
	    at(c, i - 1) == '.')))
		return 0;
	/* Most words are short: every shape here has a run of 8 or more. */
	for (n = 0; n < 8; n++)
		if (!tokch(at(c, i + n)) && !(at(c, i + n) > 0 && strchr("+/~", at(c, i + n))))
			break;
	if (n < 8)
		return 0;
	/* Telegram: 8-10 digits, ':', 35 of [A-Za-z0-9_-]. */
	for (n = 0; isdigit(at(c, i + n)); n++)
		;
	if (n >= 8 && n <= 10 && at(c, i + n) == ':') {
		for (j = 0; tokch(at(c, i + n + 1 + j)); j++)
			;
		if (j == 35 && !is(c, i + n + 1, MARK)) {
			return mark_after(c, i, i + n + 1, i + n + 1 + j);
		}
	}
	/* Mailchimp: 32 hex, "-us", 1-2 digits. */
	for (n = 0; isxdigit(at(c, i + n)); n++)
		;
	if (n == 32 && is(c, i + n, "-us") && isdigit(at(c, i + n + 3))) {
		j = i + n + 4 + (isdigit(at(c, i + n + 4)) ? 1 : 0);
		if (!tokch(at(c, j))) {
			mark(c);
			copy(c, i + n, j);
			return j - i;
		}
	}
	/* Azure AD client secret: 3 chars, a digit, "Q~", 31-34 more. */
	if (tokch(at(c, i)) && tokch(at(c, i + 1)) && tokch(at(c, i + 2)) && isdigit(at(c, i + 3)) &&
	    at(c, i + 4) == 'Q' && at(c, i + 5) == '~') {
		for (j = i + 6; tokch(at(c, j)) || at(c, j) == '~' || at(c, j) == '.'; j++)
			;
		if (j - i - 6 >= 31 && j - i - 6 <= 34) {
			mark(c);
			return j - i;
		}
	}
	/* Discord bot token: [MNO] + 23-27, '.', 6, '.', 27-40. */
	if (at(c, i) == 'M' || at(c, i) == 'N' || at(c, i) == 'O') {
		size_t a, b, d;
		for (a = 0; tokch(at(c, i + a)); a++)
			;
		if (a >= 24 && a <= 28 && at(c, i + a) == '.') {
			for (b = 0; tokch(at(c, i + a + 1 + b)); b++)
				;
			if (b == 6 && at(c, i + a + 1 + b) == '.') {
				for (d = 0; tokch(at(c, i + a + 2 + b + d)); d++)
					;
				if (d >= 27 && d <= 40) {
					mark(c);
					return a + b + d + 2;
				}
			}
		}
	}
	/* AWS secret access key. */
	for (n = 0; n <= 40 && b64ch(at(c, i + n)); n++) {
		int ch = at(c, i + n);
		up |= isupper(ch) != 0;
		lo |= islower(ch) != 0;
		dg |= isdigit(ch) != 0;
		nonhex |= !isxdigit(ch);
	}
	if (n != 40 || at(c, i + n) == '=' || tokch(at(c, i + n)) || !up || !lo || !dg || !nonhex ||
	    entropy(c->t + i, 40) < 4.3)
		return 0;
	mark(c);
	return 40;
}

static void
scan_text(struct scan *c, int *count)
{
	size_t i = 0;
	int n = 0;

	while (i < c->n) {
		size_t used = 0;
		int ch = at(c, i);

		/* A cheap first-byte filter before the matchers. */
		if (ch == '-') {
			used = m_pem(c, i);
			if (!used)
				used = m_user_opt(c, i);
			if (!used && at(c, i + 1) == '-')
				used = m_keyvalue(c, i);
		} else if (ch == ':') {
			used = m_userinfo(c, i);
		} else if (ch == '"' || ch == '\'' || ch == '\\') {
			used = m_keyvalue(c, i);
		} else if (isalnum(ch) || ch == '_') {
			if (ch == 'b' || ch == 'B')
				used = m_scheme(c, i);
			if (!used && ch == 'e')
				used = m_jwt(c, i);
			if (!used && (ch == 'h' || ch == 'd'))
				used = m_webhook(c, i);
			if (!used)
				used = m_prefix(c, i);
			if (!used && isalnum(ch))
				used = m_shape(c, i);
			if (!used)
				used = m_keyvalue(c, i);
		}
		if (used) {
			n++;
			i += used;
			c->lit = c->end = i;
			continue;
		}
		/* Copy a run of bytes that cannot start a match. */
		{
			size_t e = i + 1;
			if (ch == '%' && isxdigit(at(c, i + 1)) && isxdigit(at(c, i + 2)))
				e = i + 3;
			else if (isalnum(ch) || ch == '_')
				while (isalnum(at(c, e)) || at(c, e) == '_')
					e++;
			c->end = e;
			i = e;
		}
	}
	flush(c);
	if (count)
		*count = n;
}

char *
redact_mem(const char *text, size_t len, size_t *outlen, int *count)
{
	struct strbuf b = { 0 };
	struct scan c = { text, len, &b, 0, 0 };
	int n = 0;
	char *s;

	if (count)
		*count = 0;
	if (!text)
		return NULL;
	scan_text(&c, &n);
	if (outlen)
		*outlen = b.len;
	if (!(s = strbuf_take(&b))) {
		mend_err("out of memory");
		return NULL;
	}
	if (count)
		*count = n;
	return s;
}

char *
redact(const char *text, int *count)
{
	if (!text) {
		if (count)
			*count = 0;
		return NULL;
	}
	return redact_mem(text, strlen(text), NULL, count);
}

char *
redact_take(char *text)
{
	char *r = text ? redact(text, NULL) : NULL;

	free(text);
	return r;
}

/*
 * A log line: redacted, then every control byte and every byte that is
 * not part of valid printable UTF-8 written as \n, \r, \t, \\ or \xHH,
 * so a message cannot forge a second line or move the terminal's cursor.
 */
char *
redact_log(const char *text, size_t len)
{
	struct strbuf b = { 0 };
	size_t rl, i;
	char *r = redact_mem(text ? text : "", text ? len : 0, &rl, NULL);

	if (!r)
		return NULL;
	for (i = 0; i < rl; i++) {
		unsigned char ch = (unsigned char)r[i];
		size_t k, need = ch >= 0xf0 && ch <= 0xf4 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc2 ? 1 : 0;
		unsigned cp;
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			strbuf_addn(&b, r + i, 1);
			continue;
		}
		if (ch >= 0x80 && need && i + need < rl) {
			cp = ch & (need == 1 ? 0x1f : need == 2 ? 0x0f : 0x07);
			for (k = 1; k <= need && ((unsigned char)r[i + k] & 0xc0) == 0x80; k++)
				cp = (cp << 6) | ((unsigned char)r[i + k] & 0x3f);
			/* Valid, shortest form, and not a C1 control, a line or
			 * paragraph separator or a bidi override. */
			if (k > need && !(need == 2 && cp < 0x800) && !(need == 3 && (cp < 0x10000 ||
			    cp > 0x10ffff)) && !(cp >= 0xd800 && cp <= 0xdfff) && cp >= 0xa0 &&
			    cp != 0x2028 && cp != 0x2029 && !(cp >= 0x202a && cp <= 0x202e) &&
			    !(cp >= 0x2066 && cp <= 0x2069) && cp != 0x200e && cp != 0x200f &&
			    cp != 0x061c) {
				strbuf_addn(&b, r + i, need + 1);
				i += need;
				continue;
			}
		}
		switch (ch) {
		case '\n': strbuf_add(&b, "\\n"); break;
		case '\r': strbuf_add(&b, "\\r"); break;
		case '\t': strbuf_add(&b, "\\t"); break;
		case '\\': strbuf_add(&b, "\\\\"); break;
		default: strbuf_addf(&b, "\\x%02x", ch);
		}
	}
	free(r);
	return strbuf_take(&b);
}

jv
redact_jv(jv v, int *count)
{
	int n = 0, k;

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: {
		size_t rl;
		char *r = redact_mem(jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)),
		    &rl, &k);
		jv_free(v);
		/* Out of memory: the text does not go out at all. */
		v = r ? jv_string_sized(r, (int)rl) : jv_string(MARK);
		n += r ? k : 1;
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
			if (redact_is_secret_key(ks, (size_t)jv_string_length_bytes(jv_copy(key))) &&
			    (ek == JV_KIND_STRING || ek == JV_KIND_NUMBER) &&
			    !(ek == JV_KIND_STRING && !strcmp(jv_string_value(e), MARK))) {
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

jv
redact_record(jv rec, int *count)
{
	jv diff = record_get(rec, "analysis.diff"), edits = record_get(rec, "analysis.edits");
	int had_diff = record_has(rec, "analysis.diff"), had_edits = record_has(rec, "analysis.edits");

	rec = redact_jv(record_del(record_del(rec, "analysis.diff"), "analysis.edits"), count);
	if (had_diff)
		rec = record_set(rec, "analysis.diff", diff);
	else
		jv_free(diff);
	if (had_edits)
		rec = record_set(rec, "analysis.edits", edits);
	else
		jv_free(edits);
	return rec;
}
