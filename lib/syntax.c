/*
 * syntax.c - does a patched source file still parse?  Asked of the
 * language's own parser, never of a guess: python3 (compile()), node
 * --check, ruby -c, gofmt -e, php -l, and javac's parser (through the
 * JDK's compiler API, parse only: a file that imports what is not on
 * this machine still parses).
 *
 * The original file is checked first with the same parser: when the
 * parser rejects the original too (a dialect it does not take, a Node ES
 * module read as CommonJS) it proves nothing about the patch, and the
 * answer is "cannot tell".  A missing parser is "cannot tell" too; the
 * caller refuses the patch and says why.  Every parser runs with a
 * timeout, in its own process group, with a scrubbed environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

#define PARSE_TIMEOUT	30	/* seconds; java's launcher compiles the checker first */

/* The JDK's parser, run as a single-file program by the java launcher. */
static const char java_parser[] =
	"import javax.tools.*;\n"
	"import com.sun.source.util.JavacTask;\n"
	"public class MendParse {\n"
	"  public static void main(String[] a) throws Exception {\n"
	"    JavaCompiler c = ToolProvider.getSystemJavaCompiler();\n"
	"    DiagnosticCollector<JavaFileObject> d = new DiagnosticCollector<>();\n"
	"    StandardJavaFileManager fm = c.getStandardFileManager(d, null, null);\n"
	"    JavacTask t = (JavacTask) c.getTask(null, fm, d, java.util.List.of(\"-proc:none\"),\n"
	"        null, fm.getJavaFileObjects(a[0]));\n"
	"    t.parse();\n"
	"    int n = 0;\n"
	"    for (Diagnostic<?> x : d.getDiagnostics())\n"
	"      if (x.getKind() == Diagnostic.Kind.ERROR) { System.out.println(x); n++; }\n"
	"    System.exit(n == 0 ? 0 : 1);\n"
	"  }\n"
	"}\n";

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strlen(text), off = 0;

	if (fd < 0)
		return -1;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

/* Run argv with input on stdin: 0 parsed, 1 rejected, -1 no parser, -2
 * too slow. */
static int
run_parser(char *const argv[], const char *input)
{
	struct proc_opts po = { 0 };
	struct proc_result res = { 0 };
	char **env = proc_env_scrubbed(NULL);
	int code;

	po.env = env;
	po.new_pgrp = 1;
	po.merge_stderr = 1;
	po.stdin_null = input == NULL;
	if (proc_run(&res, argv, &po, input, input ? strlen(input) : 0, PARSE_TIMEOUT,
	    64 * 1024) < 0) {
		proc_env_free(env);
		return -1;
	}
	code = proc_exitcode(res.status);
	if (res.timed_out)
		code = -2;
	proc_result_release(&res);
	proc_env_free(env);
	if (code == -2)
		return -2;
	if (code == 127 || code == 126 || code < 0)
		return -1;
	return code == 0 ? 0 : 1;
}

/* One parse of text by lang's parser; name is the file's base name. */
static int
parse_once(const char *lang, const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], prog[PATH_MAX];

	if (!strcmp(lang, "python")) {
		char *argv[] = { "python3", "-I", "-S", "-c",
			"import sys; compile(sys.stdin.read(), 'patched', 'exec')", NULL };
		return run_parser(argv, text);
	}
	if (!strcmp(lang, "ruby")) {
		char *argv[] = { "ruby", "-c", NULL };
		return run_parser(argv, text);
	}
	if (!strcmp(lang, "go")) {
		char *argv[] = { "gofmt", "-e", NULL };
		return run_parser(argv, text);
	}
	if (!strcmp(lang, "php")) {
		char *argv[] = { "php", "-n", "-l", NULL };
		return run_parser(argv, text);
	}
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
	    write_file(path, text) < 0)
		return -1;
	if (!strcmp(lang, "node")) {
		char *argv[] = { "node", "--check", path, NULL };
		return run_parser(argv, NULL);
	}
	if (!strcmp(lang, "java")) {
		char *argv[] = { "java", prog, path, NULL };
		if (snprintf(prog, sizeof prog, "%s/MendParse.java", dir) >= (int)sizeof prog ||
		    write_file(prog, java_parser) < 0)
			return -1;
		return run_parser(argv, NULL);
	}
	return -1;
}

static const char *
parser_name(const char *lang)
{
	static const char *const names[][2] = { { "python", "python3" }, { "node", "node --check" },
		{ "ruby", "ruby -c" }, { "go", "gofmt -e" }, { "php", "php -l" },
		{ "java", "java (javac's parser)" } };
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(lang, names[i][0]))
			return names[i][1];
	return NULL;
}

int
syntax_check(const char *lang, const char *file, const char *orig, const char *patched,
    char **why)
{
	char dir[] = "/tmp/mend-parse-XXXXXX", name[NAME_MAX + 1], path[PATH_MAX];
	const char *base = file ? strrchr(file, '/') : NULL, *pn = lang ? parser_name(lang) : NULL;
	int o, p = -1;

	*why = NULL;
	if (!pn) {
		if (asprintf(why, "no parser is known for %s code", lang ? lang : "this") < 0)
			*why = NULL;
		return -1;
	}
	base = base ? base + 1 : file ? file : "patched";
	if (strlen(base) >= sizeof name || !*base)
		base = "patched";
	snprintf(name, sizeof name, "%s", base);
	/* javac takes only .java files; node wants to know .mjs from .js */
	if (!strcmp(lang, "java") && (strlen(name) < 5 || strcmp(name + strlen(name) - 5, ".java")))
		snprintf(name, sizeof name, "Patched.java");
	if (!mkdtemp(dir)) {
		if (asprintf(why, "cannot make a directory to parse in: %s", strerror(errno)) < 0)
			*why = NULL;
		return -1;
	}
	o = parse_once(lang, dir, name, orig);
	/* A Node ES module written as .js (package.json says "type": "module"). */
	if (o == 1 && !strcmp(lang, "node")) {
		char *dot = strrchr(name, '.');
		if (dot && !strcmp(dot, ".js") && (size_t)(dot - name) + 5 <= sizeof name - 1) {
			snprintf(path, sizeof path, "%s/%s", dir, name);
			unlink(path);
			strcpy(dot, ".mjs");
			o = parse_once(lang, dir, name, orig);
		}
	}
	if (o == 0)
		p = parse_once(lang, dir, name, patched);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	snprintf(path, sizeof path, "%s/MendParse.java", dir);
	unlink(path);
	rmdir(dir);
	if (o == -2 || p == -2) {
		if (asprintf(why, "%s took longer than %d s, so the patched file cannot be shown to "
		    "parse", pn, PARSE_TIMEOUT) < 0)
			*why = NULL;
		return -1;
	}
	if (o < 0 || (o == 0 && p < 0)) {
		if (asprintf(why, "%s is not installed here, so the patched file cannot be shown to "
		    "parse", pn) < 0)
			*why = NULL;
		return -1;
	}
	if (o == 1) {
		if (asprintf(why, "%s rejects the original file too, so it proves nothing about the "
		    "patch", pn) < 0)
			*why = NULL;
		return -1;
	}
	if (p == 1) {
		if (asprintf(why, "the patched file does not parse (%s)", pn) < 0)
			*why = NULL;
		return 0;
	}
	return 1;
}
