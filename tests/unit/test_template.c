/*
 * test_template.c - the fix templates: a whole service file in, the
 * patched file out (and that it still parses), or a refusal that says why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

#define FLASK "from flask import Flask, jsonify, request\n\napp = Flask(__name__)\n\n"
#define EXPRESS "const express = require('express');\nconst app = express();\n\n"

static const struct tcase {
	const char *lang, *exc, *msg, *src;
	long line;
	int col, end_col, op_col;
	const char *tpl;	/* the template considered last (applied or not) */
	int applied;
	const char *has;	/* applied: in the patched file; else: in the reason */
} cases[] = {
	/* Python: a parameter that is missing or not a number -> 400 */
	{ "python", "ValueError", "invalid literal for int() with base 10: ''",
	  FLASK "@app.get('/products')\ndef products():\n"
	  "    size = int(request.args.get('size', ''))\n    return jsonify(size=size)\n",
	  7, -1, -1, -1, "py-param-400", 1,
	  "    try:\n        size = int(request.args.get('size', ''))\n"
	  "    except (TypeError, ValueError):\n"
	  "        abort(400, description=\"parameter 'size' is missing or not an integer\")\n" },
	{ "python", "ValueError", "invalid literal for int() with base 10: ''",
	  FLASK "@app.get('/products')\ndef products():\n"
	  "    size = int(request.args.get('size', ''))\n",
	  7, -1, -1, -1, "py-param-400", 1, "from flask import Flask, jsonify, request, abort\n" },
	{ "python", "TypeError", "unsupported operand type(s) for +: 'NoneType' and 'int'",
	  FLASK "@app.get('/next')\ndef nxt():\n    page = request.args.get('page', type=int)\n"
	  "    return jsonify(page=page + 1)\n",
	  8, -1, -1, -1, "py-param-400", 1, "except (TypeError, ValueError):" },
	{ "python", "TypeError", "unsupported operand type(s) for +: 'NoneType' and 'int'",
	  "PRICES = {}\n\ndef total(sku, qty):\n    return PRICES.get(sku) + qty\n",
	  4, -1, -1, -1, "py-param-400", 0, "does not come from the request" },
	{ "python", "ValueError", "invalid literal for int() with base 10: 'x'",
	  FLASK "@app.get('/n')\ndef n():\n    return jsonify(n=int(request.args['n']) + compute())\n",
	  7, -1, -1, -1, "py-param-400", 0, "also calls compute()" },
	/* JSON of the request body -> 400; of a file -> refused */
	{ "python", "json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)",
	  "import json\nfrom http.server import BaseHTTPRequestHandler\n\n"
	  "class H(BaseHTTPRequestHandler):\n    def do_POST(self):\n"
	  "        n = int(self.headers.get('Content-Length', 0))\n"
	  "        order = json.loads(self.rfile.read(n))\n        self.send_response(201)\n",
	  7, -1, -1, -1, "py-json-400", 1,
	  "        except ValueError:\n"
	  "            self.send_error(400, \"the request body is not valid JSON\")\n"
	  "            return\n" },
	{ "python", "json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)",
	  "import json\n\ndef load():\n    return json.loads(open('catalog.json').read())\n",
	  4, -1, -1, -1, "py-json-400", 0, "read from a file" },
	/* KeyError: a body field -> 400, an unknown id -> 404, else refused */
	{ "python", "KeyError", "'qty'",
	  FLASK "@app.post('/orders')\ndef order():\n    data = request.get_json()\n"
	  "    qty = int(data['qty'])\n    return jsonify(qty=qty)\n",
	  8, -1, -1, -1, "py-field-400", 1, "except KeyError:\n        abort(400, description=\"field 'qty' is missing\")" },
	{ "python", "KeyError", "'XL-9'",
	  FLASK "PRICES = {'tea': 3}\n\n@app.get('/price/<sku>')\ndef price(sku):\n"
	  "    return jsonify(price=PRICES[sku])\n",
	  9, -1, -1, -1, "py-lookup-404", 1, "    if sku not in PRICES:\n        abort(404, description=\"not found\")\n    return jsonify(price=PRICES[sku])\n" },
	{ "python", "KeyError", "'coffee'",
	  "PRICES = {'tea': 3}\n\ndef price(sku):\n    return {'sku': sku, 'price': PRICES[sku]}\n",
	  4, -1, -1, -1, "py-key-get", 0, "invented default" },
	{ "python", "KeyError", "'XL-9'",
	  "PRICES = {}\n\ndef total(sku, qty):\n    return PRICES[sku] * qty\n",
	  4, -1, -1, -1, "py-key-get", 0, "used in arithmetic" },
	/* None from a lookup keyed by the URL -> 404 */
	{ "python", "AttributeError", "'NoneType' object has no attribute 'name'",
	  FLASK "USERS = {}\n\n@app.get('/users/<int:uid>')\ndef user(uid):\n"
	  "    u = USERS.get(uid)\n    return jsonify(name=u.name)\n",
	  10, -1, -1, -1, "py-lookup-404", 1, "    if u is None:\n        abort(404" },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'display_name'",
	  "def user_name(uid):\n    return find_user(uid).display_name\n",
	  2, -1, -1, -1, "py-lookup-404", 0, "invented default" },
	/* ZeroDivision: an average of nothing is 0; a divisor from the request -> 400 */
	{ "python", "ZeroDivisionError", "division by zero",
	  "def average(values):\n    total = sum(values)\n    count = len(values)\n"
	  "    return total / count\n",
	  4, -1, -1, -1, "py-average-empty", 1, "    return total / count if count else None\n" },
	{ "python", "ZeroDivisionError", "division by zero",
	  FLASK "@app.get('/catalog')\ndef catalog():\n"
	  "    size = int(request.args.get('size', 0))\n    pages = TOTAL // size\n",
	  8, -1, -1, -1, "py-param-400", 1, "except ZeroDivisionError:" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "def pages(total, size):\n    return total / size\n",
	  2, -1, -1, -1, "py-ratio-none", 0, "would be invented" },
	/* a ratio to a configured 0 answered as it is: None; assigned: refused */
	{ "python", "ZeroDivisionError", "division by zero",
	  "def usage(used, limit):\n    return {\"used\": used, \"percent\": round(used / limit * 100, 1)}\n",
	  2, -1, -1, -1, "py-ratio-none", 1,
	  "{\"used\": used, \"percent\": (round(used / limit * 100, 1) if limit else None)}" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "import math\n\ndef page(items, size):\n    pages = math.ceil(len(items) / size)\n"
	  "    return {\"pages\": pages, \"items\": items[:size]}\n",
	  4, -1, -1, -1, "py-ratio-none", 0, "what a zero size means is the author's call" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "def usage(used, limit):\n    return {\"label\": \"%d%%\" % (used / limit * 100)}\n",
	  2, -1, -1, 36, "py-ratio-none", 0, "not answered as it is" },
	/* a null field of the data: read on from it -> None where answered as is */
	{ "python", "TypeError", "'NoneType' object is not subscriptable",
	  "def card(user):\n    return {\"name\": user[\"name\"], \"city\": user[\"address\"][\"city\"]}\n",
	  2, -1, 65, -1, "py-null-field", 1,
	  "\"city\": (user[\"address\"][\"city\"] if user[\"address\"] is not None else None)}" },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'city'",
	  "def card(user):\n    return {'name': user.name, 'city': user.address.city}\n",
	  2, -1, -1, -1, "py-null-field", 1, "(user.address.city if user.address is not None else None)" },
	{ "python", "TypeError", "'NoneType' object is not subscriptable",
	  "def label(store):\n    return {\"label\": \"%s (%s)\" % (store[\"name\"], store[\"region\"][\"name\"])}\n",
	  2, -1, 72, -1, "py-null-field", 0, "used in an expression" },
	{ "python", "TypeError", "'NoneType' object is not subscriptable",
	  "def card(user):\n    city = user[\"address\"][\"city\"]\n    return {\"city\": city.title()}\n",
	  2, -1, 34, -1, "py-null-field", 0, "author's call" },
	/* iterating a null list of the data: no items, assumed */
	{ "python", "TypeError", "'NoneType' object is not iterable",
	  "def tags(post):\n    out = []\n    for t in post[\"tags\"]:\n        out.append(t.lower())\n"
	  "    return {\"tags\": out}\n",
	  3, -1, -1, -1, "py-none-iterate", 1,
	  "    for t in (post[\"tags\"] if post[\"tags\"] is not None else []):\n" },
	{ "python", "TypeError", "'NoneType' object is not iterable",
	  "def total(order):\n    n = 0\n    for line in order[\"lines\"]:\n        n += line[\"qty\"]\n"
	  "    return n\n",
	  3, -1, -1, -1, "py-none-iterate", 0, "does more than collect" },
	{ "python", "TypeError", "'NoneType' object is not iterable",
	  "def names(rows):\n    out = []\n    for r in rows:\n        out.append(r)\n    return out\n",
	  3, -1, -1, -1, "py-none-iterate", 0, "not a field of the data" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "def summary(orders):\n    amounts = [o['amount'] for o in orders]\n"
	  "    return {'average': round(sum(amounts) / len(amounts), 2)}\n",
	  3, -1, -1, -1, "py-average-empty", 1,
	  "{'average': (round(sum(amounts) / len(amounts), 2) if len(amounts) else None)}" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "def pct(xs):\n    return sum(xs) / len(xs) * 100\n",
	  2, -1, -1, -1, "py-average-empty", 0, "used in arithmetic" },
	{ "python", "statistics.StatisticsError", "mean requires at least one data point",
	  "import statistics\n\ndef avg(orders):\n    amounts = [o['amount'] for o in orders]\n"
	  "    return statistics.mean(amounts)\n",
	  5, -1, -1, -1, "py-average-empty", 1, "statistics.mean(amounts) if amounts else None" },
	{ "python", "UnboundLocalError", "cannot access local variable 'rate' where it is not associated with a value",
	  "def price(kind, base):\n    if kind == 'member':\n        rate = 0.9\n    return base * rate\n",
	  4, -1, -1, -1, "py-unbound-local", 0, "rate is assigned only on some paths (line 3)" },
	/* Node */
	{ "node", "SyntaxError", "Unexpected end of JSON input",
	  EXPRESS "app.post('/orders', (req, res) => {\n  const order = JSON.parse(req.query.data);\n"
	  "  res.json(order);\n});\n",
	  5, -1, -1, -1, "node-json-400", 1,
	  "  let order;\n  try {\n    order = JSON.parse(req.query.data);\n  } catch (err) {\n"
	  "    return res.status(400).json({ error: \"the request body is not valid JSON\" });\n  }\n" },
	{ "node", "SyntaxError", "Unexpected end of JSON input",
	  "const fs = require('fs');\nfunction load() {\n  const c = JSON.parse(fs.readFileSync('c.json', 'utf8'));\n  return c;\n}\n",
	  3, -1, -1, -1, "node-json-400", 0, "read from a file" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'city')",
	  EXPRESS "app.post('/ship', (req, res) => {\n  const city = req.body.address.city;\n  res.json({ city });\n});\n",
	  5, -1, -1, -1, "node-field-400", 1,
	  "  if (req.body.address === undefined || req.body.address === null) {\n"
	  "    return res.status(400).json({ error: \"field 'address' is missing\" });\n  }\n" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'name')",
	  EXPRESS "const USERS = {};\napp.get('/users/:id', (req, res) => {\n  const user = USERS[req.params.id];\n"
	  "  res.json({ name: user.name });\n});\n",
	  7, -1, -1, -1, "node-lookup-404", 1, "return res.status(404).json({ error: \"not found\" });" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'lat')",
	  EXPRESS "app.get('/weather', async (req, res) => {\n  const loc = await geocode(req.query.city);\n"
	  "  const q = loc.geo.lat + ',' + loc.geo.lon;\n  res.json({ q });\n});\n",
	  6, -1, -1, -1, "node-lookup-404", 0, "optional chaining would answer an invented undefined" },
	/* a null field of the data, answered as it is: null; a null list: [] (assumed) */
	{ "node", "TypeError", "Cannot read properties of null (reading 'city')",
	  "function card(user) {\n  return { name: user.name, city: user.address.city };\n}\n",
	  2, -1, -1, -1, "node-null-field", 1,
	  "  return { name: user.name, city: (user.address === null ? null : user.address.city) };\n" },
	{ "node", "TypeError", "Cannot read properties of null (reading 'map')",
	  "function tags(post) {\n  return { title: post.title, tags: post.tags.map((t) => t.toLowerCase()) };\n}\n",
	  2, -1, -1, -1, "node-null-map", 1,
	  "tags: (post.tags === null ? [] : post.tags.map((t) => t.toLowerCase())) };\n" },
	{ "node", "TypeError", "Cannot read properties of null (reading 'lat')",
	  "function link(place) {\n  return { q: place.geo.lat + ',' + place.geo.lon };\n}\n",
	  2, -1, -1, -1, "node-null-field", 0, "used in an expression" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'size')",
	  "function plan(items, cfg) {\n  const size = cfg.batch.size;\n  return split(items, size);\n}\n",
	  2, -1, -1, -1, "node-null-field", 0, "a missing setting or key" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'toUpperCase')",
	  "function label(amount, cfg) {\n  return { label: `${amount} ${cfg.currency.toUpperCase()}` };\n}\n",
	  2, -1, -1, -1, "node-null-field", 0, "cfg.currency is undefined" },
	{ "node", "TypeError", "Cannot destructure property 'lat' of 'place.geo' as it is null.",
	  "function mapLink(place) {\n  const { lat, lon } = place.geo;\n  return { q: `${lat},${lon}` };\n}\n",
	  2, -1, -1, -1, "node-null-field", 0, "place.geo is null in the data" },
	{ "node", "RangeError", "Invalid array length",
	  "function pages(total, per) {\n  return Array.from(new Array(Math.ceil(total / per)), (_, i) => i + 1);\n}\n",
	  2, -1, -1, -1, "node-param-400", 0, "is computed, not a value the request sent" },
	{ "node", "TypeError", "Cannot destructure property 'id' of 'req.body' as it is undefined.",
	  EXPRESS "app.post('/x', (req, res) => {\n  const { id } = req.body;\n  res.json({ id });\n});\n",
	  5, -1, -1, -1, "node-field-400", 1, "the request has no JSON body" },
	{ "node", "TypeError", "req.query.tags.map is not a function",
	  EXPRESS "app.get('/t', (req, res) => {\n  const tags = req.query.tags.map((t) => t.trim());\n  res.json(tags);\n});\n",
	  5, -1, -1, -1, "node-array-400", 1, "if (!Array.isArray(req.query.tags)) {" },
	{ "node", "TypeError", "items.map is not a function",
	  "function names(items) {\n  return items.map((i) => i.name);\n}\n",
	  2, -1, -1, -1, "node-array-400", 0, "not in an HTTP handler" },
	{ "node", "RangeError", "Invalid array length",
	  EXPRESS "app.get('/grid', (req, res) => {\n  const n = Number(req.query.n);\n"
	  "  const cells = new Array(n).fill(0);\n  res.json(cells);\n});\n",
	  6, -1, -1, -1, "node-param-400", 1, "if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {" },
	/* Ruby, Go, Java, PHP */
	{ "ruby", "NoMethodError", "undefined method `name' for nil:NilClass",
	  "require 'sinatra'\n\nUSERS = {}\n\nget '/users/:id' do\n  user = USERS[params[:id]]\n"
	  "  user.name\nend\n",
	  7, -1, -1, -1, "ruby-lookup-404", 1, "  halt 404, \"not found\" if user.nil?\n  user.name\n" },
	{ "ruby", "NoMethodError", "undefined method `price' for nil:NilClass",
	  "class Order\n  def total(items)\n    items.first.price\n  end\nend\n",
	  3, -1, -1, -1, "ruby-lookup-404", 0, "not a variable" },
	{ "go", "assignment to entry in nil map", "",
	  "package main\n\ntype Store struct {\n\tcounts map[string]int\n}\n\n"
	  "func (s *Store) Hit(k string) {\n\ts.counts[k]++\n}\n",
	  8, -1, -1, -1, "go-nil-map", 1, "\tif s.counts == nil {\n\t\ts.counts = make(map[string]int)\n\t}\n\ts.counts[k]++\n" },
	{ "go", "assignment to entry in nil map", "",
	  "package main\n\nfunc add(m map[string]int, k string) {\n\tm[k] = 1\n}\n",
	  4, -1, -1, -1, "go-nil-map", 0, "the caller's map" },
	{ "go", "runtime error", "index out of range [2] with length 2",
	  "package main\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n\n"
	  "func item(w http.ResponseWriter, r *http.Request) {\n\tparts := strings.Split(r.URL.Path, \"/\")\n"
	  "\tw.Write([]byte(parts[2]))\n}\n",
	  10, -1, -1, -1, "go-index-400", 1, "\tif len(parts) <= 2 {\n\t\thttp.Error(w, \"bad request: a part is missing\", http.StatusBadRequest)\n\t\treturn\n\t}\n" },
	{ "java", "java.lang.NullPointerException",
	  "Cannot invoke \"String.toUpperCase()\" because \"name\" is null",
	  "import com.sun.net.httpserver.HttpExchange;\nimport java.util.Map;\n\nclass Users {\n"
	  "    static Map<String, String> NAMES = Map.of();\n\n"
	  "    static void handle(HttpExchange ex) throws java.io.IOException {\n"
	  "        String id = ex.getRequestURI().getPath().substring(7);\n"
	  "        String name = NAMES.get(id);\n"
	  "        byte[] b = name.toUpperCase().getBytes();\n"
	  "        ex.sendResponseHeaders(200, b.length);\n    }\n}\n",
	  10, -1, -1, -1, "java-lookup-404", 1, "        if (name == null) {\n            ex.sendResponseHeaders(404, -1);\n" },
	{ "java", "java.lang.NullPointerException",
	  "Cannot invoke \"String.length()\" because \"<parameter1>\" is null",
	  "class A {\n    static int len(String s) {\n        return s.length();\n    }\n}\n",
	  3, -1, -1, -1, "java-lookup-404", 0, "not in a void HttpExchange" },
	{ "php", "Warning", "Undefined array key \"q\"",
	  "<?php\nheader('Content-Type: application/json');\n$q = trim($_GET['q']);\necho json_encode(['q' => $q]);\n",
	  3, -1, -1, -1, "php-param-400", 1, "if (!isset($_GET['q'])) {\n    http_response_code(400);\n" },
	{ "php", "Warning", "Undefined array key \"email\"",
	  "<?php\nfunction email($user) {\n    return $user['email'];\n}\n",
	  3, -1, -1, -1, "php-param-400", 0, "is not read from $_GET" },
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct tcase *c = &cases[i];
		struct template_result r;
		int got = template_apply(&r, c->lang, c->exc, c->msg, c->src, c->line, c->col,
		    c->end_col, c->op_col);
		int n = jv_array_length(jv_copy(r.considered));
		jv last = n > 0 ? jv_array_get(jv_copy(r.considered), n - 1) : jv_null();
		const char *name = record_str(last, "template"), *why = record_str(last, "reason");

		if (got != c->applied)
			fail_msg("case %zu (%s): applied %d, want %d; last considered %s: %s", i, c->tpl,
			    got, c->applied, name ? name : "-", why ? why : "-");
		if (!name || strcmp(name, c->tpl))
			fail_msg("case %zu: template '%s', want '%s' (%s)", i, name ? name : "-", c->tpl,
			    why ? why : "-");
		if (got) {
			char *pwhy = NULL;
			int ok;
			if (!strstr(r.text, c->has))
				fail_msg("case %zu (%s): patched file lacks\n%s\n--- got:\n%s", i, c->tpl,
				    c->has, r.text);
			assert_string_equal(r.name, c->tpl);
			assert_non_null(r.what);
			assert_true(r.nchanges > 0);
			/* The patched file parses with the language's own parser. */
			ok = syntax_check(c->lang, c->lang[0] == 'n' ? "app.js" : "f", c->src, r.text,
			    &pwhy);
			if (ok == 0)
				fail_msg("case %zu (%s): %s:\n%s", i, c->tpl, pwhy, r.text);
			if (ok < 0)
				print_message("# case %zu: not parsed: %s\n", i, pwhy);
			free(pwhy);
		} else if (!why || !strstr(why, c->has))
			fail_msg("case %zu (%s): reason '%s' lacks '%s'", i, c->tpl, why ? why : "-",
			    c->has);
		jv_free(last);
		template_result_release(&r);
	}
}

/* Every applied case changes nothing but what its changes say. */
static void
test_unknown(void **state)
{
	struct template_result r;

	(void)state;
	assert_int_equal(template_apply(&r, "cobol", "X", "y", "a\n", 1, -1, -1, -1), 0);
	assert_int_equal(jv_array_length(jv_copy(r.considered)), 0);
	template_result_release(&r);
	assert_int_equal(template_apply(&r, "python", "KeyError", "'k'", "s = \"\"\"d['k']\"\"\"\n",
	    1, -1, -1, -1), 0);
	template_result_release(&r);
	assert_int_equal(template_apply(&r, "python", "KeyError", "'k'", "x = d['k']\r\n", 1, -1,
	    -1, -1), 0);
	assert_int_equal(jv_array_length(jv_copy(r.considered)), 1);
	template_result_release(&r);
	/* a line past the end of the file */
	assert_int_equal(template_apply(&r, "python", "KeyError", "'k'", "x = 1\n", 9, -1, -1, -1), 0);
	template_result_release(&r);
}

/* A patched file that does not parse is caught; a missing parser is
 * "cannot tell", never "fine". */
static void
test_syntax(void **state)
{
	char *why = NULL;

	(void)state;
	assert_int_equal(syntax_check("python", "a.py", "x = 1\n", "x = (1\n", &why), 0);
	assert_non_null(why);
	free(why);
	assert_int_equal(syntax_check("python", "a.py", "x = 1\n", "x = 2\n", &why), 1);
	free(why);
	assert_int_equal(syntax_check("cobol", "a.cob", "x", "y", &why), -1);
	assert_non_null(strstr(why, "no parser"));
	free(why);
	/* the parser rejects the original too: proves nothing */
	assert_int_equal(syntax_check("python", "a.py", "x = (\n", "x = (\n", &why), -1);
	assert_non_null(strstr(why, "original"));
	free(why);
}

/* ---- the call chain ---- */

#define ROUTER_PY "import json\n\nimport search\n\n\ndef route(method, path, query, raw):\n" \
	"    if method == \"GET\" and path == \"/search\":\n" \
	"        return 200, search.run(load(), query)\n" \
	"    return 404, {\"error\": \"not found\"}\n\n\n" \
	"class H(BaseHTTPRequestHandler):\n    def serve(self, method):\n" \
	"        url = urlparse(self.path)\n" \
	"        query = {k: v[0] for k, v in parse_qs(url.query).items()}\n" \
	"        status, obj = route(method, url.path, query, \"\")\n"

static void
chain_result(const char *lang, const char *exc, const char *msg, const struct template_frame *fr,
    int n, int applied, int frame, const char *has)
{
	struct template_result r;
	int got = template_apply_chain(&r, lang, exc, msg, fr, n);
	if (got != applied) {
		jv d = jv_dump_string(jv_copy(r.considered), 0);
		print_error("%s: applied %d, want %d: %s\n", msg, got, applied, jv_string_value(d));
		jv_free(d);
	}
	assert_int_equal(got, applied);
	if (applied) {
		assert_int_equal(r.frame, frame);
		if (!strstr(r.text, has))
			print_error("patched:\n%s\n", r.text);
		assert_non_null(strstr(r.text, has));
	} else {
		jv d = jv_dump_string(jv_copy(r.considered), 0);
		if (!strstr(jv_string_value(d), has))
			print_error("considered: %s\n", jv_string_value(d));
		assert_non_null(strstr(jv_string_value(d), has));
		jv_free(d);
	}
	template_result_release(&r);
}

static void
test_chain(void **state)
{
	const char *helper = "def run(products, query):\n    term = query[\"q\"].strip()\n"
	    "    return {\"q\": term}\n";
	struct template_frame py[3] = {
		{ "search.py", helper, 2, "run" },
		{ "app.py", ROUTER_PY, 8, "route" },
		{ "app.py", ROUTER_PY, 16, "serve" },
	};
	const char *js_helper = "'use strict';\nfunction run(products, params) {\n"
	    "  const term = params.get('q').trim();\n  return { term };\n}\n";
	const char *js_app = "async function route(method, url, headers, raw) {\n"
	    "  if (method === 'GET' && url.pathname === '/search') return [200, lib.run([], "
	    "url.searchParams)];\n  return [404, { error: 'not found' }];\n}\n\n"
	    "http.createServer((req, res) => {\n  const url = new URL(req.url, 'http://x');\n"
	    "  route(req.method, url, req.headers, '').then(([s, o]) => res.end(''));\n});\n";
	struct template_frame js[3] = {
		{ "search.js", js_helper, 3, "Object.run" },
		{ "app.js", js_app, 2, "route" },
		{ "app.js", js_app, 8, "Server.<anonymous>" },
	};
	const char *data_helper = "def total(items):\n    return sum(PRICES[i[\"sku\"]] for i in items)\n";
	struct template_frame notreq[2] = {
		{ "pricing.py", "def run(products, query):\n    term = query[\"q\"]\n", 2, "run" },
		{ "app.py", "def route(path):\n    return 200, run([], load_defaults())\n", 2, "route" },
	};
	const char *quote_helper = "PRICES = {\"tea\": 4.5}\n\n\ndef total(items):\n    sum_ = 0\n"
	    "    for item in items:\n        sum_ += PRICES[item[\"sku\"]] * item[\"qty\"]\n"
	    "    return sum_\n";
	const char *quote_app = "import json\nfrom http.server import BaseHTTPRequestHandler\n"
	    "import pricing\n\n\nclass Q(BaseHTTPRequestHandler):\n    def do_POST(self):\n"
	    "        raw = self.rfile.read(int(self.headers.get(\"Content-Length\") or 0))\n"
	    "        try:\n            order = json.loads(raw or b\"{}\")\n"
	    "            self.answer(200, {\"total\": pricing.total(order.get(\"items\", []))})\n"
	    "        except Exception:\n            self.answer(500, {})\n";
	struct template_frame quote[2] = {
		{ "pricing.py", quote_helper, 7, "total" },
		{ "server.py", quote_app, 11, "do_POST" },
	};
	struct template_frame dyn[2] = {
		{ "pricing.py", data_helper, 2, "total" },
		{ "app.py", ROUTER_PY, 8, "route" },
	};

	const char *tags_helper = "function normalize(tags) {\n  return tags.map((t) => t.trim());\n}\n";
	const char *tags_app = "const server = http.createServer((req, res) => {\n"
	    "  let body = '';\n  req.on('data', (c) => { body += c; });\n"
	    "  req.on('end', () => {\n    const send = (status, obj) => res.end(JSON.stringify(obj));\n"
	    "    if (req.url !== '/tag') return send(404, { error: 'not found' });\n"
	    "    const input = JSON.parse(body || '{}');\n"
	    "    send(200, { tags: normalize(input.tags) });\n  });\n});\n";
	struct template_frame arr[2] = {
		{ "tags.js", tags_helper, 2, "normalize" },
		{ "app.js", tags_app, 8, "IncomingMessage.<anonymous>" },
	};
	struct template_frame qarr[2] = {
		{ "tags.js", "function normalize(tags) {\n  return tags.map((t) => t.trim());\n}\n", 2,
		  "normalize" },
		{ "app.js", "const server = http.createServer((req, res) => {\n"
		  "  req.on('end', () => {\n    const send = (status, obj) => res.end(JSON.stringify(obj));\n"
		  "    if (req.url !== '/tag') return send(404, { error: 'not found' });\n"
		  "    const q = new URL(req.url, 'http://x').searchParams.get('t');\n"
		  "    send(200, { tags: normalize(q) });\n  });\n});\n", 6, "IncomingMessage.<anonymous>" },
	};

	(void)state;
	/* Node: a body field that is not an array, answered by the handler's own send() */
	chain_result("node", "TypeError", "tags.map is not a function", arr, 2, 1, 1,
	    "    if (!Array.isArray(input.tags)) {\n"
	    "      return send(400, { error: \"'tags' must be an array\" });\n    }\n"
	    "    send(200, { tags: normalize(input.tags) });\n");
	/* a query parameter: one value is a string, maybe meant */
	chain_result("node", "TypeError", "tags.map is not a function", qarr, 2, 0, 0,
	    "query parameter");
	/* Two calls up to the request; the guard goes in the router, in its way. */
	chain_result("python", "KeyError", "'q'", py, 3, 1, 1,
	    "    if method == \"GET\" and path == \"/search\":\n        if \"q\" not in query:\n"
	    "            return 400, {\"error\": \"'q' is missing from the request\"}\n"
	    "        return 200, search.run(load(), query)\n");
	/* Node: a one-line "if (COND) return" keeps COND on the guard. */
	chain_result("node", "TypeError", "Cannot read properties of null (reading 'trim')", js, 3,
	    1, 1, "  if ((method === 'GET' && url.pathname === '/search') && "
	    "url.searchParams.get('q') == null) {\n    return [400, { error: \"parameter 'q' is "
	    "missing\" }];\n  }\n");
	/* Not what the request sent: refused, with why. */
	chain_result("python", "KeyError", "'q'", notreq, 2, 0, 0, "neither what the request sent");
	/* A key that is not a literal: no guard can restate it. */
	chain_result("python", "KeyError", "'coffee'", dyn, 2, 0, 0, "a value used as a key");
	/* A table of the helper's module, keyed per item of the request's list: 404 */
	chain_result("python", "KeyError", "'coffee'", quote, 2, 1, 1,
	    "            if any(item[\"sku\"] not in pricing.PRICES for item in "
	    "order.get(\"items\", [])):\n"
	    "                self.send_error(404, \"not found: the request asks for something unknown\")\n"
	    "                return\n");
}

/* A body that may have been empty: the 400 assumes an empty body is the
 * client's error (some services take it as {}); a body broken further in
 * assumes nothing. */
static void
test_empty_body(void **state)
{
	static const struct {
		const char *lang, *exc, *msg, *src;
		long line;
		int assumes;
	} c[] = {
		{ "python", "json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)",
		  "import json\nfrom http.server import BaseHTTPRequestHandler\n\n"
		  "class H(BaseHTTPRequestHandler):\n    def do_POST(self):\n"
		  "        n = int(self.headers.get('Content-Length', 0))\n"
		  "        order = json.loads(self.rfile.read(n))\n        self.send_response(201)\n",
		  7, 1 },
		{ "python", "json.decoder.JSONDecodeError",
		  "Expecting ',' delimiter: line 1 column 9 (char 8)",
		  "import json\nfrom http.server import BaseHTTPRequestHandler\n\n"
		  "class H(BaseHTTPRequestHandler):\n    def do_POST(self):\n"
		  "        n = int(self.headers.get('Content-Length', 0))\n"
		  "        order = json.loads(self.rfile.read(n))\n        self.send_response(201)\n",
		  7, 0 },
		{ "node", "SyntaxError", "Unexpected end of JSON input",
		  EXPRESS "app.post('/orders', (req, res) => {\n  const order = JSON.parse(req.body);\n"
		  "  res.json(order);\n});\n", 5, 1 },
		{ "node", "SyntaxError", "Unexpected token } in JSON at position 12",
		  EXPRESS "app.post('/orders', (req, res) => {\n  const order = JSON.parse(req.body);\n"
		  "  res.json(order);\n});\n", 5, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof *c; i++) {
		struct template_result r;
		assert_int_equal(template_apply(&r, c[i].lang, c[i].exc, c[i].msg, c[i].src, c[i].line,
		    -1, -1, -1), 1);
		if (c[i].assumes) {
			assert_non_null(r.assumes);
			assert_non_null(strstr(r.assumes, "empty request body"));
		} else
			assert_null(r.assumes);
		template_result_release(&r);
	}
}

/* Ruby, Go, Java and PHP: the same walk (template_caller.c). */
static void
test_chain_more(void **state)
{
	const char *posts = "module Posts\n  ALL = { 'a' => { title: 'A' } }.freeze\n\n"
	    "  def self.card(slug)\n    post = ALL[slug]\n    { title: post[:title] }\n  end\nend\n";
	const char *blog = "require 'webrick'\nclass S < WEBrick::HTTPServlet::AbstractServlet\n"
	    "  def do_GET(req, res)\n    slug = req.path.split('/').last\n"
	    "    res.body = JSON.generate(Posts.card(slug))\n  end\nend\n";
	struct template_frame rb[2] = {
		{ "posts.rb", posts, 6, "card" }, { "blog.rb", blog, 5, "do_GET" } };
	const char *shout = "def shout(name)\n  name.upcase\nend\n";
	const char *sin = "require 'sinatra'\nrequire_relative 'shout'\n\nget '/shout' do\n"
	    "  who = params['who']\n  shout(who)\nend\n";
	struct template_frame rb2[2] = {
		{ "shout.rb", shout, 2, "shout" }, { "app.rb", sin, 6, "block in <main>" } };
	const char *sin2 = "require 'sinatra'\n\nget '/shout' do\n  shout(ENV['WHO'])\nend\n";
	struct template_frame rb3[2] = {
		{ "shout.rb", shout, 2, "shout" }, { "app.rb", sin2, 4, "block in <main>" } };
	const char *gosrc = "package main\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n\n"
	    "func pair(codes []string) string {\n\treturn codes[0] + \"/\" + codes[1]\n}\n\n"
	    "func quote(w http.ResponseWriter, r *http.Request) {\n"
	    "\tcodes := strings.Split(r.URL.Query().Get(\"pair\"), \",\")\n"
	    "\tw.Write([]byte(pair(codes)))\n}\n\n"
	    "func fixed(w http.ResponseWriter, r *http.Request) {\n"
	    "\tw.Write([]byte(pair(defaults)))\n}\n";
	struct template_frame go[2] = {
		{ "main.go", gosrc, 9, "main.pair" }, { "main.go", gosrc, 14, "main.quote" } };
	struct template_frame go2[2] = {
		{ "main.go", gosrc, 9, "main.pair" }, { "main.go", gosrc, 18, "main.fixed" } };
	const char *java = "public class G {\n    static String greet(String name) {\n"
	    "        return \"Hi \" + name.trim();\n    }\n\n"
	    "    static Map<String, String> query(HttpExchange ex) {\n        return null;\n    }\n\n"
	    "    static void handle(HttpExchange ex) throws IOException {\n"
	    "        String name = query(ex).get(\"name\");\n        String b = greet(name);\n"
	    "    }\n\n    static void user(HttpExchange ex) throws IOException {\n"
	    "        String id = ex.getRequestURI().getPath().substring(7);\n"
	    "        String u = USERS.get(id);\n        String b = greet(u);\n    }\n}\n";
	struct template_frame jv1[2] = {
		{ "G.java", java, 3, "G.greet" }, { "G.java", java, 12, "G.handle" } };
	struct template_frame jv2[2] = {
		{ "G.java", java, 3, "G.greet" }, { "G.java", java, 18, "G.user" } };
	const char *lib = "<?php\ndeclare(strict_types=1);\n\nfunction total(array $items): float\n"
	    "{\n    return 0.0;\n}\n";
	const char *orders = "<?php\nrequire __DIR__ . '/lib.php';\n\n"
	    "$order = json_decode(file_get_contents('php://input'), true);\n"
	    "echo json_encode(['total' => total($order['items'])]);\n";
	const char *ctl = "<?php\nnamespace App;\n\nclass C {\n    public function run($order) {\n"
	    "        return total($order['items']);\n    }\n}\n";
	struct template_frame php[2] = {
		{ "lib.php", lib, 4, "total" }, { "orders.php", orders, 5, "{main}" } };
	struct template_frame php2[2] = {
		{ "lib.php", lib, 4, "total" }, { "C.php", ctl, 6, "App\\C->run" } };
	const char *tmsg = "total(): Argument #1 ($items) must be of type array, null given, "
	    "called in /srv/orders.php on line 5";

	(void)state;
	/* a constant's lookup keyed by the parameter: 404, the constant named from the caller */
	chain_result("ruby", "NoMethodError", "undefined method `[]' for nil:NilClass", rb, 2, 1, 1,
	    "    if Posts::ALL[slug].nil?\n      res.status = 404\n");
	chain_result("ruby", "NoMethodError", "undefined method `upcase' for nil:NilClass", rb2, 2,
	    1, 1, "  halt 400, \"who is missing\" if who.nil?\n  shout(who)\n");
	chain_result("ruby", "NoMethodError", "undefined method `upcase' for nil:NilClass", rb3, 2,
	    0, 0, "not what the request sent");
	chain_result("go", "panic", "runtime error: index out of range [1] with length 1", go, 2, 1,
	    1, "\tif len(codes) <= 1 {\n\t\thttp.Error(w, \"bad request: a part is missing\", "
	    "http.StatusBadRequest)\n\t\treturn\n\t}\n\tw.Write([]byte(pair(codes)))\n");
	chain_result("go", "panic", "runtime error: index out of range [1] with length 1", go2, 2,
	    0, 0, "not what the request sent");
	chain_result("java", "java.lang.NullPointerException", "Cannot invoke \"String.trim()\" "
	    "because \"<parameter1>\" is null", jv1, 2, 1, 1, "        if (name == null) {\n"
	    "            ex.sendResponseHeaders(400, -1);\n");
	chain_result("java", "java.lang.NullPointerException", "Cannot invoke \"String.trim()\" "
	    "because \"name\" is null", jv2, 2, 1, 1, "        if (u == null) {\n"
	    "            ex.sendResponseHeaders(404, -1);\n");
	chain_result("php", "TypeError", tmsg, php, 2, 1, 1, "if (!isset($order['items'])) {\n"
	    "    http_response_code(400);\n");
	chain_result("php", "TypeError", tmsg, php2, 2, 0, 0, "cannot answer HTTP");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_chain_more),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
