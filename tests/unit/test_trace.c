/*
 * test_trace.c - the stack-trace parsers against the corpus in
 * tests/fixtures/traces/: each NAME.txt is a real trace (or one written
 * in its exact format), NAME.expect says what must come out:
 *   count N / lang / exception / message / frame I PATH LINE FUNC app|lib /
 *   root EXC / rootframe I PATH LINE FUNC app|lib
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&b, &n, 0, f) < 0) {
		free(b);
		b = strdup("");
	}
	fclose(f);
	return b;
}

static const char *
fixdir(void)
{
	static char d[2048];
	const char *top = getenv("TOP");

	snprintf(d, sizeof d, "%s/tests/fixtures/traces", top ? top : ".");
	return d;
}

static void
check_frame(jv t, const char *line, const char *name)
{
	int i;
	long ln;
	char path[1024], fn[1024], app[8];
	jv f;

	assert_int_equal(sscanf(line, "%d %1023s %ld %1023s %7s", &i, path, &ln, fn, app), 5);
	f = jv_array_get(jv_object_get(jv_copy(t), jv_string("frames")), i);
	if (!jv_is_valid(f))
		fail_msg("%s: no frame %d", name, i);
	{
		const char *p = record_str(f, "path");
		const char *func = record_str(f, "function");
		char fnbuf[1024];
		size_t k;
		if (strcmp(path, "-") != 0 && (!p || strcmp(p, path) != 0))
			fail_msg("%s: frame %d path '%s', want '%s'", name, i, p ? p : "(null)", path);
		if ((long)record_num(f, "line", 0) != ln)
			fail_msg("%s: frame %d line %ld, want %ld", name, i,
			    (long)record_num(f, "line", 0), ln);
		snprintf(fnbuf, sizeof fnbuf, "%s", func ? func : "-");
		for (k = 0; fnbuf[k]; k++)
			if (fnbuf[k] == ' ')
				fnbuf[k] = '_';
		if (strcmp(fnbuf, fn) != 0)
			fail_msg("%s: frame %d function '%s', want '%s'", name, i, fnbuf, fn);
		if (record_bool(f, "in_app", 0) != !strcmp(app, "app"))
			fail_msg("%s: frame %d in_app wrong, want %s", name, i, app);
	}
	jv_free(f);
}

static void
test_corpus(void **state)
{
	DIR *d = opendir(fixdir());
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char p[8192], *txt, *exp, *line, *save = NULL;
		size_t len = strlen(e->d_name);
		jv all, t = jv_null(), root = jv_null();

		if (len < 8 || strcmp(e->d_name + len - 7, ".expect"))
			continue;
		if (snprintf(p, sizeof p, "%s/%s", fixdir(), e->d_name) >= (int)sizeof p) continue;
		exp = slurp(p);
		if (snprintf(p, sizeof p, "%s/%.*s.txt", fixdir(), (int)((len - 7) & 255), e->d_name) >= (int)sizeof p) continue;
		txt = slurp(p);
		assert_non_null(exp);
		assert_non_null(txt);
		assert_int_equal(trace_parse(&all, txt), 0);
		if (jv_array_length(jv_copy(all)) > 0) {
			t = jv_array_get(jv_copy(all), 0);
			root = trace_root(jv_copy(t));
		}
		for (line = strtok_r(exp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');
			const char *v = sp ? sp + 1 : "";
			if (sp)
				*sp = '\0';
			if (!strcmp(line, "count")) {
				if (jv_array_length(jv_copy(all)) != atoi(v))
					fail_msg("%s: %d traces, want %s", e->d_name,
					    jv_array_length(jv_copy(all)), v);
			} else if (!strcmp(line, "lang") || !strcmp(line, "exception") ||
			    !strcmp(line, "message")) {
				const char *got = record_str(t, line);
				if (strcmp(got ? got : "", v))
					fail_msg("%s: %s '%s', want '%s'", e->d_name, line,
					    got ? got : "", v);
			} else if (!strcmp(line, "frame"))
				check_frame(t, v, e->d_name);
			else if (!strcmp(line, "root")) {
				const char *got = record_str(root, "exception");
				if (strcmp(got ? got : "", v))
					fail_msg("%s: root '%s', want '%s'", e->d_name, got, v);
			} else if (!strcmp(line, "rootframe"))
				check_frame(root, v, e->d_name);
			else
				fail_msg("%s: bad expect line '%s'", e->d_name, line);
		}
		jv_free(all);
		jv_free(t);
		jv_free(root);
		free(exp);
		free(txt);
		n++;
	}
	closedir(d);
	assert_true(n >= 20);
}

static void
test_python_carets(void **state)
{
	const char *txt =
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/calc.py\", line 3, in ratio\n"
	    "    return a / b\n"
	    "           ~~^~~\n"
	    "ZeroDivisionError: division by zero\n";
	jv all, f;

	(void)state;
	assert_int_equal(trace_parse(&all, txt), 0);
	f = trace_app_frame(jv_array_get(all, 0));
	assert_string_equal(record_str(f, "code"), "return a / b");
	assert_int_equal((int)record_num(f, "col", -1), 7);
	assert_int_equal((int)record_num(f, "end_col", -1), 12);
	assert_int_equal((int)record_num(f, "op_col", -1), 9);
	jv_free(f);
}

/* A panic a middleware recovered and logged with debug.Stack(): the
 * first app frame is the one that panicked, not the deferred recover. */
static void
test_go_recovered(void **state)
{
	const char *txt =
	    "2026/12/03 19:08:24 panic: assignment to entry in nil map\n"
	    "goroutine 7 [running]:\n"
	    "runtime/debug.Stack()\n"
	    "\t/usr/lib/go-1.19/src/runtime/debug/stack.go:24 +0x65\n"
	    "main.withRecover.func1.1()\n"
	    "\t/srv/hits/mw.go:12 +0x4c\n"
	    "panic({0x66d5a0, 0xc0000ca078})\n"
	    "\t/usr/lib/go-1.19/src/runtime/panic.go:884 +0x212\n"
	    "main.(*Counter).Add(...)\n"
	    "\t/srv/hits/counter.go:9\n"
	    "main.hit({0x6f8888, 0xc00011a0e0}, 0xc00004bb68?)\n"
	    "\t/srv/hits/main.go:21 +0x389\n"
	    "main.withRecover.func1({0x6f8888?, 0xc00011a0e0?}, 0x7f5503652fc8?)\n"
	    "\t/srv/hits/mw.go:16 +0x82\n";
	const char *plain =
	    "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/srv/x/main.go:5 +0x25\n";
	jv all, f, t;

	(void)state;
	assert_int_equal(trace_parse(&all, txt), 0);
	t = jv_array_get(all, 0);
	f = trace_app_frame(jv_copy(t));
	assert_string_equal(record_str(f, "path"), "/srv/hits/counter.go");
	assert_int_equal((int)record_num(f, "line", 0), 9);
	jv_free(f);
	f = record_get(t, "top_frame");
	assert_int_equal((int)record_num(f, "line", 0), 9);
	jv_free(f);
	jv_free(t);
	/* no panic() frame: nothing is taken away */
	assert_int_equal(trace_parse(&all, plain), 0);
	f = trace_app_frame(jv_array_get(all, 0));
	assert_string_equal(record_str(f, "path"), "/srv/x/main.go");
	jv_free(f);
}

static void
test_empty_and_null(void **state)
{
	jv all;

	(void)state;
	assert_int_equal(trace_parse(&all, ""), 0);
	assert_int_equal(jv_array_length(all), 0);
	assert_int_equal(trace_parse(&all, NULL), 0);
	assert_int_equal(jv_array_length(all), 0);
	/* A truncated trace: header and frames but no exception line. */
	assert_int_equal(trace_parse(&all, "Traceback (most recent call last):\n"
	    "  File \"x.py\", line 1, in <module>\n"), 0);
	assert_int_equal(jv_array_length(all), 0);
}

static void
test_two_traces(void **state)
{
	const char *txt =
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/a.py\", line 1, in f\n"
	    "KeyError: 'a'\n"
	    "some log line\n"
	    "TypeError: Cannot read properties of undefined (reading 'x')\n"
	    "    at g (/srv/b.js:2:3)\n";
	jv all;

	(void)state;
	assert_int_equal(trace_parse(&all, txt), 0);
	assert_int_equal(jv_array_length(jv_copy(all)), 2);
	{
		jv b = jv_array_get(jv_copy(all), 1);
		assert_string_equal(record_str(b, "lang"), "node");
		jv_free(b);
	}
	jv_free(all);
}

static void
test_in_app(void **state)
{
	(void)state;
	assert_true(trace_in_app("python", "/srv/app/views.py", "index"));
	assert_false(trace_in_app("python", "/usr/lib/python3/dist-packages/flask/app.py", "x"));
	assert_false(trace_in_app("node", "node:internal/modules/cjs/loader", "Module._load"));
	assert_false(trace_in_app("node", "/app/node_modules/express/lib/router.js", "next"));
	assert_false(trace_in_app("java", "java/lang/Integer.java", "java.lang.Integer.parseInt"));
	assert_true(trace_in_app("java", "com/acme/App.java", "com.acme.App.main"));
	assert_false(trace_in_app("go", "/usr/local/go/src/runtime/panic.go", "panic"));
	assert_true(trace_in_app("go", "/home/u/svc/internal/db/db.go", "svc/internal/db.Open"));
	assert_false(trace_in_app("ruby", "/usr/local/bundle/gems/rack-3.0/lib/rack.rb", "call"));
	assert_false(trace_in_app("php", "/var/www/vendor/slim/App.php", "run"));
	assert_false(trace_in_app("dotnet", NULL, "System.Linq.Enumerable.First"));
	assert_false(trace_in_app("c", "../sysdeps/nptl/libc_start_call_main.h", "__libc_start_call_main"));
}

/* Fuchsia's symbolizer markup after a Rust panic: the bt elements are the
 * frames (addresses only), the module and mmap lines are skipped, and the
 * klog prefix "[00012.345] 01234:01250> " is a log prefix. */
static void
test_fuchsia_markup(void **state)
{
	const char *txt =
	    "[00012.345] 01234:01250> thread 'main' panicked at src/main.rs:12:5:\n"
	    "[00012.345] 01234:01250> index out of bounds: the len is 3 but the index is 7\n"
	    "[00012.346] 01234:01250> stack backtrace:\n"
	    "[00012.346] 01234:01250> {{{reset:begin}}}\n"
	    "[00012.346] 01234:01250> {{{module:0:app:elf:9a57d7fb15a3640c}}}\n"
	    "[00012.346] 01234:01250> {{{mmap:0x1e874b65000:0x6f000:load:0:r:0x0}}}\n"
	    "[00012.346] 01234:01250> {{{bt:0:0x1e874bd4a21:pc}}}\n"
	    "[00012.346] 01234:01250> {{{bt:1:0x1e874bd4b30:ra}}}\n"
	    "[00012.346] 01234:01250> {{{reset:end}}}\n"
	    "[00012.347] 01234:01250> next\n";
	jv all, t, fr, f;

	(void)state;
	assert_int_equal(trace_parse(&all, txt), 0);
	assert_int_equal(jv_array_length(jv_copy(all)), 1);
	t = jv_array_get(all, 0);
	assert_string_equal(record_str(t, "lang"), "rust");
	assert_string_equal(record_str(t, "message"),
	    "index out of bounds: the len is 3 but the index is 7");
	f = jv_object_get(jv_copy(t), jv_string("top_frame"));
	assert_string_equal(record_str(f, "path"), "src/main.rs");
	assert_int_equal((int)record_num(f, "line", 0), 12);
	jv_free(f);
	fr = jv_object_get(t, jv_string("frames"));
	assert_int_equal(jv_array_length(jv_copy(fr)), 2);
	f = jv_array_get(fr, 1);
	assert_string_equal(record_str(f, "address"), "0x1e874bd4b30");
	jv_free(f);
}

/* Error trackers' issue texts: Bugsnag's and App Center's. */
static void
test_reports(void **state)
{
	const char *bugsnag =
	    "## Error in shop\n\n"
	    "**ArgumentError** in **bin/rails:4**\n"
	    "wrong number of arguments (given 1, expected 2..3)\n\n"
	    "[View on Bugsnag](https://app.bugsnag.com/x)\n\n"
	    "## Stacktrace\n\n"
	    "    app/models/order.rb:12 - total\n"
	    "    bin/rails:4 - <main>\n";
	const char *appcenter =
	    "### Stacktrace ###\n\n"
	    "Shop.Cart.Total(Int32 n) in C:\\src\\Shop\\Cart.cs:line 79;Shop\n\n"
	    "Shop.App.Main();Shop\n\n"
	    "### Reason ###\n\n"
	    "System.ArgumentNullException: Value cannot be null.\n"
	    "Parameter name: source\n";
	jv all, t, f;

	(void)state;
	assert_int_equal(trace_parse(&all, bugsnag), 0);
	t = jv_array_get(all, 0);
	assert_string_equal(record_str(t, "lang"), "ruby");
	assert_string_equal(record_str(t, "exception"), "ArgumentError");
	f = jv_object_get(t, jv_string("top_frame"));
	assert_string_equal(record_str(f, "path"), "app/models/order.rb");
	assert_string_equal(record_str(f, "function"), "total");
	jv_free(f);
	assert_int_equal(trace_parse(&all, appcenter), 0);
	t = jv_array_get(all, 0);
	assert_string_equal(record_str(t, "lang"), "dotnet");
	assert_string_equal(record_str(t, "message"), "Value cannot be null.\nParameter name: source");
	f = jv_object_get(t, jv_string("top_frame"));
	assert_string_equal(record_str(f, "function"), "Shop.Cart.Total");
	assert_int_equal((int)record_num(f, "line", 0), 79);
	jv_free(f);
	/* An error record's exception and message above its traceback's
	 * first frame are not Django's summary table. */
	assert_int_equal(trace_parse(&all, "ZeroDivisionError\ndivision by zero\n"
	    "  File \"/srv/app/shop.py\", line 9, in average\n"
	    "ZeroDivisionError: division by zero\n"), 0);
	t = jv_array_get(all, 0);
	f = jv_object_get(t, jv_string("top_frame"));
	assert_string_equal(record_str(f, "path"), "/srv/app/shop.py");
	jv_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_python_carets),
		cmocka_unit_test(test_go_recovered),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_two_traces),
		cmocka_unit_test(test_in_app),
		cmocka_unit_test(test_fuchsia_markup),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
