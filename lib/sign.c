/*
 * sign.c - signed, expiring one-click fix links.
 *
 * A link is {base}/fix/{incident}?exp=EXP&sig=SIG.  EXP is the expiry in
 * whole seconds since the epoch; SIG is the lowercase hex HMAC-SHA256,
 * keyed with the shared secret (MEND_TRIGGER_SECRET), of
 *
 *	"mend-fix-v1\n" incident "\n" EXP
 *
 * The version prefix keeps these MACs from being mistaken for MACs of
 * anything else signed with the same secret someday.  Verification
 * decodes the hex and compares the raw MACs with CRYPTO_memcmp, so the
 * time taken does not say how many leading bytes were right.  A bad
 * signature is reported before expiry: a forger learns nothing about
 * whether the expiry he chose would have passed.
 *
 * Single use is not decided here: trigger records a used signature in
 * the spool.  The secret is only ever passed to HMAC(); nothing here
 * copies it into a message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "mend.h"

int
sign_secret_ok(const char *secret)
{
	if (!secret || !*secret)
		return mend_err("no secret: set MEND_TRIGGER_SECRET");
	if (strlen(secret) < SIGN_MIN_SECRET)
		return mend_err("MEND_TRIGGER_SECRET is too short: use at least %d characters",
		    SIGN_MIN_SECRET);
	return 0;
}

int
sign_incident_ok(const char *incident)
{
	size_t n = 0;
	const char *p;

	if (!incident)
		return 0;
	for (p = incident; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return n > 0 && n <= 64;
}

static int
mac(unsigned char out[32], const char *secret, const char *incident, long long exp)
{
	char msg[128];
	unsigned int len = 0;
	int n;

	n = snprintf(msg, sizeof msg, "mend-fix-v1\n%s\n%lld", incident, exp);
	if (n < 0 || (size_t)n >= sizeof msg)
		return mend_err("incident id too long");
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg,
	    (size_t)n, out, &len) || len != 32)
		return mend_err("HMAC-SHA256 failed");
	return 0;
}

int
sign_token(char out[SIGN_HEX_LEN + 1], const char *secret, const char *incident,
    long long exp)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char m[32];
	int i;

	if (sign_secret_ok(secret) < 0)
		return -1;
	if (!sign_incident_ok(incident))
		return mend_err("bad incident id '%s'", incident ? incident : "");
	if (mac(m, secret, incident, exp) < 0)
		return -1;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[m[i] >> 4];
		out[2 * i + 1] = hex[m[i] & 15];
	}
	out[SIGN_HEX_LEN] = '\0';
	OPENSSL_cleanse(m, sizeof m);
	return 0;
}

int
sign_link(char **out, const char *base, const char *secret, const char *incident,
    long long exp)
{
	char sig[SIGN_HEX_LEN + 1];
	size_t blen;

	if (!base || !*base)
		return mend_err("no trigger URL: set MEND_TRIGGER_URL");
	if (sign_token(sig, secret, incident, exp) < 0)
		return -1;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (asprintf(out, "%.*s/fix/%s?exp=%lld&sig=%s", (int)blen, base, incident, exp,
	    sig) < 0)
		return mend_err("out of memory");
	return 0;
}

static int
unhex(unsigned char *out, const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		int c = tolower((unsigned char)s[i]), v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

int
sign_verify(const char *secret, const char *incident, const char *exp, const char *sig,
    double now)
{
	unsigned char want[32], got[32];
	long long e;
	char *end;
	int same;

	if (sign_secret_ok(secret) < 0)
		return -1;
	if (!sign_incident_ok(incident) || !exp || !sig || !isdigit((unsigned char)*exp) ||
	    strlen(exp) > 15)
		return SIGN_BAD;
	errno = 0;
	e = strtoll(exp, &end, 10);
	if (*end || errno)
		return SIGN_BAD;
	if (unhex(got, sig, sizeof got) < 0)
		return SIGN_BAD;
	if (mac(want, secret, incident, e) < 0)
		return -1;
	same = CRYPTO_memcmp(want, got, sizeof want) == 0;
	OPENSSL_cleanse(want, sizeof want);
	if (!same)
		return SIGN_BAD;
	return (double)e <= now ? SIGN_EXPIRED : SIGN_OK;
}

int
sign_digest(char out[SIGN_HEX_LEN + 1], const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;
	int i;

	if (!EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) || len != 32)
		return mend_err("SHA-256 failed");
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SIGN_HEX_LEN] = '\0';
	return 0;
}

int
sign_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];
	size_t i;

	if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1)
		return mend_err("no random bytes");
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}
