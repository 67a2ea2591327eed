/*
 * test_notify.c - notify's messages: targets, clipping on UTF-16 and code
 * point boundaries, durations, and Slack and Discord payloads that stay
 * under the services' limits whatever the record holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static const struct notify_opts opts = {
	.trigger_url = "https://fix.example.com",
	.secret = "0123456789abcdef-test-secret",
	.min_confidence = 0.4,
	.link_ttl = 3600,
	.agent = "my-agent",
	.now = 1800000000.0,
};

static void
targets(void **state)
{
	struct notify_target t;

	assert_int_equal(notify_target_parse(&t,
	    "https://hooks.slack.com/services/T0/B0/sekrit"), 0);
	assert_int_equal(t.kind, NOTIFY_SLACK);
	assert_string_equal(t.label, "slack:https://hooks.slack.com/…");
	assert_null(strstr(t.label, "sekrit"));
	notify_target_release(&t);
	assert_int_equal(notify_target_parse(&t,
	    "https://discord.com/api/webhooks/1/tok"), 0);
	assert_int_equal(t.kind, NOTIFY_DISCORD);
	notify_target_release(&t);
	assert_int_equal(notify_target_parse(&t,
	    "https://canary.discord.com/api/webhooks/1/tok"), 0);
	assert_int_equal(t.kind, NOTIFY_DISCORD);
	notify_target_release(&t);
	/* A look-alike host is not Slack. */
	assert_int_equal(notify_target_parse(&t,
	    "https://hooks.slack.com.evil.example/services/x"), 0);
	assert_int_equal(t.kind, NOTIFY_JSON);
	notify_target_release(&t);
	assert_int_equal(notify_target_parse(&t, "https://user:pw@example.com/hook?k=v"), 0);
	assert_int_equal(t.kind, NOTIFY_JSON);
	assert_string_equal(t.label, "json:https://example.com/…");
	notify_target_release(&t);
	assert_int_equal(notify_target_parse(&t, "discord:http://127.0.0.1:9/x"), 0);
	assert_int_equal(t.kind, NOTIFY_DISCORD);
	assert_string_equal(t.url, "http://127.0.0.1:9/x");
	notify_target_release(&t);
	assert_int_equal(notify_target_parse(&t, "slack:ftp://x/y"), -1);
	assert_int_equal(notify_target_parse(&t, "hooks.slack.com/services/x"), -1);
}

static void
clip(void **state)
{
	char *s;

	assert_int_equal(notify_u16len("abc"), 3);
	assert_int_equal(notify_u16len("é"), 1);
	assert_int_equal(notify_u16len("🔴"), 2);	/* outside the BMP: a surrogate pair */
	s = notify_clip("hello", 5);
	assert_string_equal(s, "hello");
	free(s);
	s = notify_clip("🔴🔴🔴", 4);	/* 6 units into 4: one emoji and the ellipsis */
	assert_string_equal(s, "🔴…");
	assert_true(notify_u16len(s) <= 4);
	free(s);
	s = notify_clip("ééééé", 3);
	assert_string_equal(s, "éé…");
	free(s);
}

static void
durations(void **state)
{
	char b[32];

	notify_duration(b, sizeof b, 45);
	assert_string_equal(b, "45 s");
	notify_duration(b, sizeof b, 14 * 60 + 10);
	assert_string_equal(b, "14 min");
	notify_duration(b, sizeof b, 2 * 3600 + 5 * 60);
	assert_string_equal(b, "2 h 5 min");
	notify_duration(b, sizeof b, 3 * 86400 + 4 * 3600);
	assert_string_equal(b, "3 d 4 h");
}

static jv
parse(const char *s)
{
	jv v;

	assert_int_equal(record_parse(&v, s, strlen(s)), 0);
	return v;
}

static void
resolve_reads_well(void **state)
{
	jv rec = parse("{\"type\":\"incident\",\"incident\":{\"id\":\"inc_3f2a9c1e5b7d8a04\","
	    "\"event\":\"resolve\",\"monitor\":\"shop\",\"first_seen\":\"2026-11-22T03:00:00.000Z\","
	    "\"last_seen\":\"2026-11-22T03:14:00.000Z\"}}");
	struct notify_msg m;

	assert_int_equal(notify_msg_build(&m, rec, &opts), 0);
	assert_string_equal(m.title, "✅ shop recovered after 14 min");
	assert_null(m.fix_url);
	notify_msg_release(&m);
	jv_free(rec);
}

/* A record built to break every limit at once. */
static jv
huge_analysis(const char *category, double confidence)
{
	jv rec = jv_object(), steps = jv_array();
	static const char pat[] = "ab <&>*_ é🔴 [x](https://evil) @everyone\n";
	char *big = malloc(30000 + sizeof pat);
	size_t len = 0;
	int i;

	/* Multi-byte characters, markup and mentions, 30000 bytes of them. */
	while (len < 30000) {
		memcpy(big + len, pat, sizeof pat);
		len += sizeof pat - 1;
	}
	for (i = 0; i < 40; i++)
		steps = jv_array_append(steps, jv_string(big + i * 100));
	rec = record_set_str(rec, "type", "analysis");
	rec = record_set_str(rec, "incident.id", "inc_3f2a9c1e5b7d8a04");
	rec = record_set_str(rec, "incident.monitor", big + 29000);
	rec = record_set_str(rec, "analysis.root_cause", big);
	rec = record_set_str(rec, "analysis.category", category);
	rec = record_set_num(rec, "analysis.confidence", confidence);
	rec = record_set(rec, "analysis.remediation", steps);
	free(big);
	return rec;
}

static size_t
len_at(jv v, const char *path)
{
	const char *s = record_str(v, path);

	return s ? notify_u16len(s) : 0;
}

static void
slack_limits(void **state)
{
	jv rec = huge_analysis("code", 0.9), payloads;
	struct notify_msg m;
	int np, i, nb, k, saw_button = 0;

	assert_int_equal(notify_msg_build(&m, rec, &opts), 0);
	assert_non_null(m.fix_url);
	payloads = notify_slack(&m);
	np = jv_array_length(jv_copy(payloads));
	assert_true(np >= 1);
	for (i = 0; i < np; i++) {
		jv p = jv_array_get(jv_copy(payloads), i), blocks = record_get(p, "blocks");
		assert_true(len_at(p, "text") <= 4000);
		nb = jv_array_length(jv_copy(blocks));
		assert_true(nb <= 50);
		for (k = 0; k < nb; k++) {
			jv b = jv_array_get(jv_copy(blocks), k);
			const char *type = record_type(b);
			if (!strcmp(type, "header"))
				assert_true(len_at(b, "text.text") <= 150);
			if (!strcmp(type, "section"))
				assert_true(len_at(b, "text.text") <= 3000);
			if (!strcmp(type, "actions")) {
				char *d = record_dump(b);
				assert_non_null(strstr(d, m.fix_url));
				free(d);
				saw_button = 1;
			}
			jv_free(b);
		}
		if (i == 0) {
			/* the fallback keeps the link whole (with & escaped) */
			assert_non_null(strstr(record_str(p, "text"), "&amp;sig="));
			assert_null(strstr(record_str(p, "text"), "<&>"));
		}
		jv_free(blocks);
		jv_free(p);
	}
	assert_true(saw_button);
	jv_free(payloads);
	notify_msg_release(&m);
	jv_free(rec);
}

static void
discord_limits(void **state)
{
	jv rec = huge_analysis("code", 0.9), payloads, p, e;
	struct notify_msg m;
	size_t total;
	int nf, i;

	assert_int_equal(notify_msg_build(&m, rec, &opts), 0);
	payloads = notify_discord(&m);
	assert_int_equal(jv_array_length(jv_copy(payloads)), 1);
	p = jv_array_get(jv_copy(payloads), 0);
	e = jv_array_get(record_get(p, "embeds"), 0);
	assert_true(len_at(p, "content") <= 2000);
	assert_true(len_at(e, "title") <= 256);
	assert_true(len_at(e, "description") <= 4096);
	total = len_at(e, "title") + len_at(e, "description") + len_at(e, "footer.text");
	nf = jv_array_length(record_get(e, "fields"));
	assert_true(nf <= 25);
	for (i = 0; i < nf; i++) {
		jv f = jv_array_get(record_get(e, "fields"), i);
		assert_true(len_at(f, "name") <= 256);
		assert_true(len_at(f, "value") <= 1024);
		total += len_at(f, "name") + len_at(f, "value");
		jv_free(f);
	}
	assert_true(total <= 6000);
	assert_non_null(strstr(record_str(e, "description"), m.fix_url));
	assert_int_equal(jv_array_length(record_get(p, "allowed_mentions.parse")), 0);
	jv_free(e);
	jv_free(p);
	jv_free(payloads);
	notify_msg_release(&m);
	jv_free(rec);
}

static void
no_fix_reasons(void **state)
{
	struct notify_opts o = opts;
	struct notify_msg m;
	jv rec;

	rec = huge_analysis("upstream", 0.95);
	assert_int_equal(notify_msg_build(&m, rec, &o), 0);
	assert_null(m.fix_url);
	assert_non_null(strstr(m.no_fix, "upstream"));
	notify_msg_release(&m);
	jv_free(rec);

	rec = huge_analysis("code", 0.3);
	assert_int_equal(notify_msg_build(&m, rec, &o), 0);
	assert_null(m.fix_url);
	assert_non_null(strstr(m.no_fix, "30%"));
	notify_msg_release(&m);
	jv_free(rec);

	o.secret = NULL;
	rec = huge_analysis("code", 0.9);
	assert_int_equal(notify_msg_build(&m, rec, &o), 0);
	assert_null(m.fix_url);
	assert_non_null(strstr(m.no_fix, "MEND_TRIGGER_SECRET"));
	notify_msg_release(&m);

	o.secret = "short";
	assert_int_equal(notify_msg_build(&m, rec, &o), 0);
	assert_null(m.fix_url);
	assert_non_null(strstr(m.no_fix, "too short"));
	assert_null(strstr(m.no_fix, "short."));	/* the reason, not the secret */
	notify_msg_release(&m);
	jv_free(rec);
}

/* Escaping "&" to "&amp;" and then cutting must not leave half an entity. */
static void
slack_entities_whole(void **state)
{
	struct notify_msg m = { 0 };
	char *title = malloc(6001);
	const char *t, *p;
	jv payloads, pl;

	memset(title, '&', 6000);
	title[6000] = '\0';
	m.title = title;
	m.footer = "mend";
	payloads = notify_slack(&m);
	pl = jv_array_get(payloads, 0);
	t = record_str(pl, "text");
	assert_true(notify_u16len(t) <= 4000);
	for (p = t; (p = strchr(p, '&')); p++)
		assert_memory_equal(p, "&amp;", 5);
	jv_free(pl);
	free(title);
}

/* More blocks than one message may hold: the rest go to further messages. */
static void
slack_split_messages(void **state)
{
	struct notify_msg m = { 0 };
	char *big = malloc(30001);
	jv payloads;
	int i, np, total = 0;

	memset(big, 'x', 30000);
	big[30000] = '\0';
	m.title = "title";
	m.footer = "mend";
	m.nsections = NOTIFY_SECTIONS;
	for (i = 0; i < NOTIFY_SECTIONS; i++) {
		m.sections[i].heading = "Part";
		m.sections[i].text = big;	/* 10 blocks each */
	}
	payloads = notify_slack(&m);
	np = jv_array_length(jv_copy(payloads));
	assert_int_equal(np, 2);
	for (i = 0; i < np; i++) {
		jv p = jv_array_get(jv_copy(payloads), i);
		int nb = jv_array_length(record_get(p, "blocks"));
		assert_true(nb <= 50);
		total += nb;
		if (i == 1)
			assert_string_equal(record_str(p, "text"), "title (part 2 of 2)");
		jv_free(p);
	}
	/* header + 6 x 11 sections (3000 each, less the heading) + footer */
	assert_int_equal(total, 1 + 6 * 11 + 1);
	jv_free(payloads);
	free(big);
}

/* "Where" names the innermost application frame, by its repo path. */
static void
where_is_in_app(void **state)
{
	jv rec = jv_parse("{\"type\":\"analysis\",\"incident\":{\"id\":\"inc_1\","
	    "\"monitor\":\"api\"},\"analysis\":{\"engine\":\"rules\",\"category\":\"code\","
	    "\"confidence\":0.8,\"root_cause\":\"panic\",\"frames\":["
	    "{\"path\":\"/usr/lib/go/src/runtime/panic.go\",\"line\":261,\"function\":\"panic\","
	    "\"in_app\":false},{\"path\":\"/srv/app/handlers/stats.go\",\"file\":"
	    "\"handlers/stats.go\",\"line\":42,\"function\":\"average\",\"in_app\":true}]}}");
	struct notify_msg m;
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(notify_msg_build(&m, rec, &opts), 0);
	for (i = 0; i < m.nfields; i++)
		if (!strcmp(m.fields[i].name, "Where")) {
			assert_string_equal(m.fields[i].value, "handlers/stats.go:42 in average()");
			seen = 1;
		}
	assert_true(seen);
	notify_msg_release(&m);
	jv_free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(targets),
		cmocka_unit_test(clip),
		cmocka_unit_test(durations),
		cmocka_unit_test(resolve_reads_well),
		cmocka_unit_test(slack_limits),
		cmocka_unit_test(discord_limits),
		cmocka_unit_test(no_fix_reasons),
		cmocka_unit_test(slack_entities_whole),
		cmocka_unit_test(slack_split_messages),
		cmocka_unit_test(where_is_in_app),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
