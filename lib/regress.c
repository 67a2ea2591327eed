/*
 * regress.c - a regression test for a fix, in the project's own test
 * framework: it starts the service the way testloop's --serve does (a
 * shell command, the port in $PORT, from the repository's top), sends
 * the request that failed in production, and checks the answer the way
 * shape.c judged it: a 4xx for a malformed request, else a 2xx or 3xx
 * whose members did not lose data (per path, the loss tokens the
 * known-good answers never had, and the members they always had).
 *
 * One writer per language, picked from the files at the top of the
 * checkout: package.json (node:test, or jest or mocha when the test
 * script names them) and Python (unittest style, which pytest runs too).
 * A writer is a function that prints a file from the spec; adding a
 * language is adding one and a line in regress_write.  The spec is
 * embedded as JSON: a JSON string literal is a Python and a JavaScript
 * string literal too.
 *
 * For an incident with no request (a stack trace only), the test calls
 * the failing function instead, as regress_call.c planned it (q->call):
 * it imports the module, makes the call, and checks that it returns, or
 * raises the error the fix introduced.
 *
 * This does not handle projects whose tests live outside the usual
 * directories, ES module packages under jest or mocha, or services that
 * need more than the --serve command (files it names must exist where
 * the test runs).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

static int
is_dir(const char *wd, const char *name)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", wd, name);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char py_body[] =
"import json\n"
"import os\n"
"import re\n"
"import signal\n"
"import socket\n"
"import subprocess\n"
"import time\n"
"import unittest\n"
"import urllib.error\n"
"import urllib.request\n"
"\n"
"SPEC = json.loads(%s)\n"
"ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), SPEC[\"root\"]))\n"
"BAD = re.compile(r\"(?<![A-Za-z0-9_])(undefined|NaN|None|null)(?![A-Za-z0-9_])\")\n"
"\n"
"\n"
"def token(v):\n"
"    if v is None:\n"
"        return \"null\"\n"
"    if isinstance(v, bool):\n"
"        return \"bool\"\n"
"    if isinstance(v, (int, float)):\n"
"        return \"zero\" if v == 0 else \"num\"\n"
"    if isinstance(v, str):\n"
"        if not v:\n"
"            return \"empty\"\n"
"        return \"bad\" if BAD.search(v) or \"[object Object]\" in v else \"str\"\n"
"    if isinstance(v, list):\n"
"        return \"arr\" if v else \"arr0\"\n"
"    return \"obj\" if v else \"obj0\"\n"
"\n"
"\n"
"def values(doc, path):\n"
"    vals = [doc]\n"
"    for part in re.findall(r\"\\.[^.\\[]+|\\[\\]\", path[1:]):\n"
"        nxt = []\n"
"        for v in vals:\n"
"            if part == \"[]\":\n"
"                if isinstance(v, list):\n"
"                    nxt.extend(v[:20])\n"
"            elif isinstance(v, dict) and part[1:] in v:\n"
"                nxt.append(v[part[1:]])\n"
"        vals = nxt\n"
"    return vals\n"
"\n"
"\n"
"class MendRegression(unittest.TestCase):\n"
"    def test_failing_request(self):\n"
"        s = socket.socket()\n"
"        s.bind((\"127.0.0.1\", 0))\n"
"        port = s.getsockname()[1]\n"
"        s.close()\n"
"        env = dict(os.environ, PORT=str(port))\n"
"        p = subprocess.Popen([\"sh\", \"-c\", SPEC[\"serve\"]], cwd=ROOT, env=env,\n"
"                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,\n"
"                             stderr=subprocess.DEVNULL, start_new_session=True)\n"
"        try:\n"
"            deadline = time.time() + 15\n"
"            while True:\n"
"                try:\n"
"                    socket.create_connection((\"127.0.0.1\", port), 0.5).close()\n"
"                    break\n"
"                except OSError:\n"
"                    if p.poll() is not None or time.time() > deadline:\n"
"                        self.fail(\"the service did not start: \" + SPEC[\"serve\"])\n"
"                    time.sleep(0.05)\n"
"            body = SPEC[\"body\"]\n"
"            req = urllib.request.Request(\"http://127.0.0.1:%%d%%s\" %% (port, SPEC[\"path\"]),\n"
"                                         data=None if body is None else body.encode(),\n"
"                                         method=SPEC[\"method\"])\n"
"            try:\n"
"                with urllib.request.urlopen(req, timeout=10) as r:\n"
"                    status, text = r.status, r.read()\n"
"            except urllib.error.HTTPError as e:\n"
"                status, text = e.code, e.read()\n"
"        finally:\n"
"            try:\n"
"                os.killpg(p.pid, signal.SIGKILL)\n"
"            except OSError:\n"
"                pass\n"
"            p.wait()\n"
"        what = \"%%s %%s answered %%d\" %% (SPEC[\"method\"], SPEC[\"path\"], status)\n"
"        if SPEC[\"want\"] == \"4xx\":\n"
"            self.assertTrue(400 <= status < 500, what + \"; want 4xx: \" + SPEC[\"why\"])\n"
"            return\n"
"        self.assertTrue(200 <= status < 400, what + \"; want 2xx\")\n"
"        if not SPEC[\"checks\"]:\n"
"            return\n"
"        doc = json.loads(text)\n"
"        for c in SPEC[\"checks\"]:\n"
"            got = values(doc, c[\"path\"])\n"
"            if c.get(\"required\"):\n"
"                self.assertTrue(got, \"%%s is missing\" %% c[\"path\"])\n"
"            for v in got:\n"
"                self.assertNotIn(token(v), c[\"forbid\"], \"%%s: %%r\" %% (c[\"path\"], v))\n"
"\n"
"\n"
"if __name__ == \"__main__\":\n"
"    unittest.main()\n";

static const char js_body[] =
"'use strict';\n"
"%s"
"const assert = require('node:assert');\n"
"const http = require('node:http');\n"
"const net = require('node:net');\n"
"const path = require('node:path');\n"
"const { spawn } = require('node:child_process');\n"
"\n"
"const SPEC = %s;\n"
"const ROOT = path.resolve(__dirname, SPEC.root);\n"
"const BAD = /(^|[^A-Za-z0-9_])(undefined|NaN|None|null)(?![A-Za-z0-9_])/;\n"
"\n"
"function token(v) {\n"
"  if (v === null || v === undefined) return 'null';\n"
"  if (typeof v === 'boolean') return 'bool';\n"
"  if (typeof v === 'number') return v === 0 ? 'zero' : 'num';\n"
"  if (typeof v === 'string') {\n"
"    if (v === '') return 'empty';\n"
"    return BAD.test(v) || v.includes('[object Object]') ? 'bad' : 'str';\n"
"  }\n"
"  if (Array.isArray(v)) return v.length ? 'arr' : 'arr0';\n"
"  return Object.keys(v).length ? 'obj' : 'obj0';\n"
"}\n"
"\n"
"function values(doc, p) {\n"
"  let vals = [doc];\n"
"  for (const part of p.slice(1).match(/\\.[^.[]+|\\[\\]/g) || []) {\n"
"    const next = [];\n"
"    for (const v of vals) {\n"
"      if (part === '[]') { if (Array.isArray(v)) next.push(...v.slice(0, 20)); }\n"
"      else if (v && typeof v === 'object' && !Array.isArray(v) &&\n"
"        Object.prototype.hasOwnProperty.call(v, part.slice(1))) next.push(v[part.slice(1)]);\n"
"    }\n"
"    vals = next;\n"
"  }\n"
"  return vals;\n"
"}\n"
"\n"
"function freePort() {\n"
"  return new Promise((resolve, reject) => {\n"
"    const s = net.createServer();\n"
"    s.on('error', reject);\n"
"    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });\n"
"  });\n"
"}\n"
"\n"
"function connects(port) {\n"
"  return new Promise((resolve) => {\n"
"    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });\n"
"    c.on('error', () => resolve(false));\n"
"  });\n"
"}\n"
"\n"
"function request(port) {\n"
"  return new Promise((resolve, reject) => {\n"
"    const req = http.request({ host: '127.0.0.1', port, path: SPEC.path, method: SPEC.method,\n"
"      timeout: 10000 }, (res) => {\n"
"      const chunks = [];\n"
"      res.on('data', (c) => chunks.push(c));\n"
"      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));\n"
"    });\n"
"    req.on('error', reject);\n"
"    req.on('timeout', () => req.destroy(new Error('timed out')));\n"
"    if (SPEC.body !== null) req.end(SPEC.body); else req.end();\n"
"  });\n"
"}\n"
"\n"
"%s('mend regression: ' + SPEC.method + ' ' + SPEC.path, async () => {\n"
"  const port = await freePort();\n"
"  const child = spawn('sh', ['-c', SPEC.serve], { cwd: ROOT, env: { ...process.env, PORT: String(port) },\n"
"    stdio: 'ignore', detached: true });\n"
"  let exited = false;\n"
"  child.on('exit', () => { exited = true; });\n"
"  let res;\n"
"  try {\n"
"    const deadline = Date.now() + 15000;\n"
"    while (!(await connects(port))) {\n"
"      if (exited || Date.now() > deadline) assert.fail('the service did not start: ' + SPEC.serve);\n"
"      await new Promise((r) => setTimeout(r, 50));\n"
"    }\n"
"    res = await request(port);\n"
"  } finally {\n"
"    try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { /* gone */ }\n"
"  }\n"
"  const what = SPEC.method + ' ' + SPEC.path + ' answered ' + res.status;\n"
"  if (SPEC.want === '4xx') {\n"
"    assert.ok(res.status >= 400 && res.status < 500, what + '; want 4xx: ' + SPEC.why);\n"
"    return;\n"
"  }\n"
"  assert.ok(res.status >= 200 && res.status < 400, what + '; want 2xx');\n"
"  if (!SPEC.checks.length) return;\n"
"  const doc = JSON.parse(res.text);\n"
"  for (const c of SPEC.checks) {\n"
"    const got = values(doc, c.path);\n"
"    if (c.required) assert.ok(got.length > 0, c.path + ' is missing');\n"
"    for (const v of got)\n"
"      assert.ok(!c.forbid.includes(token(v)), c.path + ': ' + JSON.stringify(v));\n"
"  }\n"
"});\n";

static const char py_call_body[] =
"import importlib\n"
"import os\n"
"import sys\n"
"import unittest\n"
"\n"
"ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), %s))\n"
"sys.path.insert(0, ROOT)\n"
"CALL = %s\n"
"FAILED = %s\n"
"RAISES = %s\n"
"\n"
"\n"
"def named(err, name):\n"
"    return any(k.__name__ == name for k in type(err).__mro__)\n"
"\n"
"\n"
"class MendRegression(unittest.TestCase):\n"
"    def test_failing_call(self):\n"
"        target = importlib.import_module(%s)\n"
"        err = None\n"
"        try:\n"
"            target.%s(%s)\n"
"        except Exception as e:\n"
"            err = e\n"
"        what = \"%%s raised %%s: %%s (in production: %%s)\" %% (\n"
"            CALL, type(err).__name__, err, FAILED)\n"
"        if RAISES is None:\n"
"            self.assertIsNone(err, what)\n"
"            return\n"
"        self.assertIsNotNone(err, CALL + \" returned; the fix makes it raise \" + RAISES)\n"
"        self.assertTrue(named(err, RAISES), what + \"; want \" + RAISES)\n"
"\n"
"\n"
"if __name__ == \"__main__\":\n"
"    unittest.main()\n";

static const char js_call_body[] =
"'use strict';\n"
"%s"
"const assert = require('node:assert');\n"
"const path = require('node:path');\n"
"\n"
"const CALL = %s;\n"
"const FAILED = %s;\n"
"const RAISES = %s;\n"
"\n"
"function named(e, name) {\n"
"  for (let p = e; p; p = Object.getPrototypeOf(p))\n"
"    if (p.constructor && p.constructor.name === name) return true;\n"
"  return !!e && e.name === name;\n"
"}\n"
"\n"
"%s('mend regression: ' + CALL, async () => {\n"
"  const target = require(path.resolve(__dirname, %s));\n"
"  let err = null;\n"
"  try {\n"
"    await target%s(%s);\n"
"  } catch (e) {\n"
"    err = e || new Error(String(e));\n"
"  }\n"
"  const what = CALL + ' threw ' + (err && err.name) + ': ' + (err && err.message) +\n"
"    ' (in production: ' + FAILED + ')';\n"
"  if (RAISES === null) {\n"
"    assert.ok(err === null, what);\n"
"    return;\n"
"  }\n"
"  assert.ok(err !== null, CALL + ' returned; the fix makes it throw ' + RAISES);\n"
"  assert.ok(named(err, RAISES), what + '; want ' + RAISES);\n"
"});\n";

/* A JSON string literal of s (a Python and JavaScript literal too), malloc'd. */
static char *
literal(const char *s)
{
	jv d = jv_dump_string(jv_string(s), 0);
	char *out = strdup(jv_string_value(d));

	jv_free(d);
	return out;
}

static int
write_file(const char *wd, const char *rel, const char *text)
{
	char p[4200], tmp[4300];
	size_t n = strlen(text);
	int fd;

	snprintf(p, sizeof p, "%s/%s", wd, rel);
	snprintf(tmp, sizeof tmp, "%s.tmp", p);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return mend_errno("cannot create '%s'", rel);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(tmp);
		return mend_errno("cannot write '%s'", rel);
	}
	close(fd);
	if (rename(tmp, p) < 0) {
		unlink(tmp);
		return mend_errno("cannot rename '%s'", rel);
	}
	return 0;
}

static const char *
safe_id(const char *id)
{
	const char *p;

	for (p = id; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return "incident";
	return id && *id ? id : "incident";
}

/* The literal of a string or null: "x" or the language's null. */
static char *
literal_or(const char *s, const char *null)
{
	return s ? literal(s) : strdup(null);
}

/* The text of a test calling q->call; root: the checkout's top from the test. */
static char *
call_text(const struct regress_req *q, const char *root, const char *fw)
{
	const struct regress_call *c = q->call;
	char *call = NULL, *failed = NULL, *l_call, *l_failed, *l_raises, *l_root, *l_mod;
	char *body = NULL, *text = NULL, *acc = NULL;
	int py = !strcmp(c->lang, "python"), rc;

	if (asprintf(&call, "%s%s%s", py ? c->module : "", py ? "." : "", c->shown) < 0)
		call = NULL;
	if (asprintf(&failed, "%s: %s", c->exception, c->message) < 0)
		failed = NULL;
	if (!py && *c->target) {
		char *k = literal(c->target);
		if (asprintf(&acc, "[%s]", k) < 0)
			acc = NULL;
		free(k);
	}
	l_call = literal_or(call, "");
	l_failed = literal_or(failed, "");
	l_raises = literal_or(c->raises, py ? "None" : "null");
	if (py) {
		l_root = literal(root);
		l_mod = literal(c->module);
		rc = asprintf(&body, py_call_body, l_root, l_call, l_failed, l_raises, l_mod,
		    c->target, c->args);
	} else {
		char *rel = NULL;
		if (asprintf(&rel, "%s/%s", root, c->file) < 0)
			rel = NULL;
		l_root = NULL;
		l_mod = literal_or(rel, "");
		free(rel);
		rc = asprintf(&body, js_call_body, !strcmp(fw, "node:test") ?
		    "const { test } = require('node:test');\n" : "", l_call, l_failed, l_raises,
		    !strcmp(fw, "node:test") ? "test" : "it", l_mod, acc ? acc : "", c->args);
	}
	if (rc < 0)
		body = NULL;
	if (body && asprintf(&text, "%s A regression test mend wrote for incident %s: in production\n"
	    "%s %s (%s:%ld) raised %s: %s when %s was %s.\n"
	    "%s It calls the function that way; see the pull request that added it.\n%s",
	    py ? "#" : "//", safe_id(q->id), py ? "#" : "//", c->function, c->file, c->line,
	    c->exception, c->message, c->param, c->bad, py ? "#" : "//", body) < 0)
		text = NULL;
	free(call);
	free(failed);
	free(acc);
	free(l_call);
	free(l_failed);
	free(l_raises);
	free(l_root);
	free(l_mod);
	free(body);
	return text;
}

/* The spec as JSON text (malloc'd); root: the repository top from the test's directory. */
static char *
spec_json(const struct regress_req *q, const char *root)
{
	jv s = JV_OBJECT(jv_string("incident"), jv_string(q->id ? q->id : ""),
	    jv_string("method"), jv_string(q->method ? q->method : "GET"),
	    jv_string("path"), jv_string(q->path ? q->path : "/"),
	    jv_string("body"), record_strornull(q->body),
	    jv_string("serve"), jv_string(q->serve),
	    jv_string("root"), jv_string(root),
	    jv_string("want"), jv_string(q->want_4xx ? "4xx" : "2xx"),
	    jv_string("why"), jv_string(q->why ? q->why : ""),
	    jv_string("checks"), jv_get_kind(q->checks) == JV_KIND_ARRAY ? jv_copy(q->checks)
	    : jv_array());
	char *out = record_dump(s);

	jv_free(s);
	return out;
}

/* A request test's text: a header in comments (cmt), then body; NULL when
 * body is NULL or memory runs out. */
static char *
headed(const char *cmt, const struct regress_req *q, const char *body)
{
	char *text;

	if (!body || asprintf(&text, "%s A regression test mend wrote for incident %s: %s %s\n"
	    "%s failed in production; see the pull request that added it.\n%s", cmt,
	    safe_id(q->id), q->method, q->path, cmt, body) < 0)
		return NULL;
	return text;
}

static int
write_python(struct regress_test *t, const char *wd, const struct regress_req *q)
{
	const char *dir = is_dir(wd, "tests") ? "tests" : is_dir(wd, "test") ? "test" : NULL;
	char *spec = NULL, *lit = NULL, *text = NULL, *name = NULL;
	int rc = -1;

	if (asprintf(&name, "test_mend_%s.py", safe_id(q->id)) < 0 ||
	    asprintf(&t->path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name) < 0) {
		name = t->path = NULL;
		goto out;
	}
	if (q->call)
		text = call_text(q, dir ? ".." : ".", "unittest");
	else if ((spec = spec_json(q, dir ? ".." : ".")) && (lit = literal(spec))) {
		char *body = NULL;
		if (asprintf(&body, py_body, lit) < 0)
			body = NULL;
		text = headed("#", q, body);
		free(body);
	}
	if (!text) {
		mend_err("out of memory");
		goto out;
	}
	if (write_file(wd, t->path, text) < 0)
		goto out;
	if (strstr(testrun_detect(wd) ? testrun_detect(wd) : "", "pytest"))
		rc = asprintf(&t->command, "python3 -m pytest -q %s", t->path);
	else
		rc = asprintf(&t->command, "python3 -m unittest discover -s %s -p %s",
		    dir ? dir : ".", name);
	rc = rc < 0 ? mend_err("out of memory") : 0;
	t->framework = strstr(t->command, "pytest") ? "pytest" : "unittest";
out:
	free(spec);
	free(lit);
	free(text);
	free(name);
	return rc;
}

static int
write_node(struct regress_test *t, const char *wd, const struct regress_req *q)
{
	char pj[4200], *pkg, *spec = NULL, *text = NULL;
	const char *dir = is_dir(wd, "test") ? "test" : is_dir(wd, "__tests__") ? "__tests__"
	    : is_dir(wd, "tests") ? "tests" : NULL;
	const char *fw = "node:test", *ext = "js";
	jv p = jv_null();
	int rc = -1;

	snprintf(pj, sizeof pj, "%s/package.json", wd);
	if ((pkg = file_read(pj, 1 << 20, NULL)) && record_parse(&p, pkg, strlen(pkg)) == 0) {
		const char *script = record_str(p, "scripts.test"), *type = record_str(p, "type");
		if (script && strstr(script, "jest"))
			fw = "jest";
		else if (script && strstr(script, "mocha"))
			fw = "mocha";
		if (type && !strcmp(type, "module"))
			ext = "cjs";	/* require() in an ES module package */
	}
	jv_free(p);
	free(pkg);
	if (asprintf(&t->path, "%s%smend-%s.test.%s", dir ? dir : "", dir ? "/" : "",
	    safe_id(q->id), ext) < 0) {
		t->path = NULL;
		goto out;
	}
	if (q->call)
		text = call_text(q, dir ? ".." : ".", fw);
	else if ((spec = spec_json(q, dir ? ".." : "."))) {
		char *body = NULL;
		if (asprintf(&body, js_body, !strcmp(fw, "node:test") ?
		    "const { test } = require('node:test');\n" : "", spec,
		    !strcmp(fw, "node:test") ? "test" : "it") < 0)
			body = NULL;
		text = headed("//", q, body);
		free(body);
	}
	if (!text) {
		mend_err("out of memory");
		goto out;
	}
	if (write_file(wd, t->path, text) < 0)
		goto out;
	if (!strcmp(fw, "jest"))
		rc = asprintf(&t->command, "npx --no-install jest %s", t->path);
	else if (!strcmp(fw, "mocha"))
		rc = asprintf(&t->command, "npx --no-install mocha %s", t->path);
	else
		rc = asprintf(&t->command, "node --test %s", t->path);
	rc = rc < 0 ? mend_err("out of memory") : 0;
	t->framework = fw;
out:
	free(spec);
	free(text);
	return rc;
}

int
regress_write(struct regress_test *t, const char *wd, const struct regress_req *q)
{
	char pat[4200];
	const char *detected = testrun_detect(wd);

	memset(t, 0, sizeof *t);
	if (q->call) {
		if (!strcmp(q->call->lang, "node"))
			return write_node(t, wd, q);
		return write_python(t, wd, q);
	}
	if (!q->serve || !*q->serve)
		return mend_err("no service command to start the service with");
	snprintf(pat, sizeof pat, "%s/package.json", wd);
	if (access(pat, F_OK) == 0)
		return write_node(t, wd, q);
	if (detected && strstr(detected, "python"))
		return write_python(t, wd, q);
	if (detected && testrun_has_glob(wd, "*.py"))
		return write_python(t, wd, q);	/* make test in a Python project */
	return mend_err("no test framework this can write for (Python and Node.js only)");
}

void
regress_test_release(struct regress_test *t)
{
	free(t->path);
	free(t->command);
	t->path = t->command = NULL;
}
