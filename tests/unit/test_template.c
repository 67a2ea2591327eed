/*
 * test_template.c - the fix templates, one line in, one line out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static const struct {
	const char *lang, *exc, *msg, *line;
	int col, end_col, op_col;
	const char *want;	/* NULL: no template may fire */
} cases[] = {
	{ "python", "ZeroDivisionError", "division by zero",
	  "    return total / len(values)", -1, -1, -1,
	  "    return total / len(values) if len(values) else 0" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    avg = round(sum(xs) / count, 2)", -1, -1, -1,
	  "    avg = round((sum(xs) / count if count else 0), 2)" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    x = a + b / c  # ratio", -1, -1, -1,
	  "    x = a + (b / c if c else 0)  # ratio" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    r = a / b / c", 8, 17, 14, "    r = a / b / c if c else 0" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    r = a / b / c", 8, 13, 10, "    r = (a / b if b else 0) / c" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    r = 2 * x / y - 1", -1, -1, -1, "    r = (2 * x / y if y else 0) - 1" },
	{ "python", "ZeroDivisionError", "division by zero",
	  "    r = a / b / c", -1, -1, -1, NULL },		/* ambiguous */
	{ "python", "ZeroDivisionError", "division by zero",
	  "    r = a / compute()", -1, -1, -1, NULL },	/* a call evaluated twice */
	{ "python", "ZeroDivisionError", "division by zero",
	  "    print(\"a/b\", a / 100)", -1, -1, -1, NULL },	/* only literal divisors */
	{ "python", "ZeroDivisionError", "integer division or modulo by zero",
	  "    page = offset // per_page", -1, -1, -1,
	  "    page = offset // per_page if per_page else 0" },
	{ "python", "KeyError", "'host'",
	  "    host = cfg['db']['host']", -1, -1, -1,
	  "    host = cfg['db'].get('host')" },
	{ "python", "KeyError", "'db'",
	  "    host = cfg[\"db\"][\"host\"]", -1, -1, -1,
	  "    host = cfg.get(\"db\", {}).get(\"host\")" },
	{ "python", "KeyError", "'items'",
	  "    first = data['items'][0]", -1, -1, -1, NULL },	/* {}[0] fails again */
	{ "python", "KeyError", "'XL-9'",
	  "    return PRICES[sku] * qty", -1, -1, -1, NULL },	/* None * qty fails again */
	{ "python", "KeyError", "'XL-9'",
	  "    return jsonify(price=PRICES[sku])", -1, -1, -1,
	  "    return jsonify(price=PRICES.get(sku))" },
	{ "python", "KeyError", "'DATABASE_URL'",
	  "    url = os.environ['DATABASE_URL']", -1, -1, -1, NULL },
	{ "python", "KeyError", "'a'",
	  "    d['a'] = d['b']", -1, -1, -1, NULL },		/* not the failing load */
	{ "python", "AttributeError", "'NoneType' object has no attribute 'display_name'",
	  "    return jsonify(name=user.display_name)", 24, 41, -1,
	  "    return jsonify(name=(user.display_name if user is not None else None))" },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'email'",
	  "    return User.query.get(uid).email", -1, -1, -1,
	  "    return _obj.email if (_obj := User.query.get(uid)) is not None else None" },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'strip'",
	  "    name = request.args.get('name').strip().lower()", -1, -1, -1,
	  "    name = _obj.strip().lower() if (_obj := request.args.get('name')) is not None else None" },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'x'",
	  "    p.x = 1", -1, -1, -1, NULL },
	{ "python", "AttributeError", "'NoneType' object has no attribute 'items'",
	  "    for line in order.items:", -1, -1, -1,
	  "    for line in (order.items if order is not None else ()):" },
	{ "python", "TypeError", "'NoneType' object is not subscriptable",
	  "    return row['total']", -1, -1, -1,
	  "    return row['total'] if row is not None else None" },
	{ "python", "IndexError", "list index out of range",
	  "    first = items[0]", -1, -1, -1, "    first = items[0] if items else None" },
	{ "python", "IndexError", "list index out of range",
	  "    v = parts[i].strip()", -1, -1, -1,
	  "    v = parts[i].strip() if -len(parts) <= i < len(parts) else None" },
	{ "python", "IndexError", "list index out of range",
	  "    port = line.split(':')[1]", -1, -1, -1,
	  "    port = _obj[1] if len(_obj := line.split(':')) > 1 else None" },
	{ "python", "KeyError", "7",
	  "    return USERS[uid]['name']", -1, -1, -1,
	  "    return USERS.get(uid, {}).get('name')" },
	{ "python", "TypeError", "'NoneType' object is not iterable",
	  "    for item in order.get('items'):  # all", -1, -1, -1,
	  "    for item in (order.get('items') or ()):  # all" },
	{ "python", "TypeError", "'NoneType' object is not iterable",
	  "    a, b = pair()", -1, -1, -1, NULL },
	{ "python", "ValueError", "bad", "    int(x)", -1, -1, -1, NULL },
	{ "python", "KeyError", "'k'", "    s = \"\"\"d['k']\"\"\"", -1, -1, -1, NULL },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'profile')",
	  "  return user.profile.name;", 14, -1, -1, "  return user?.profile.name;" },
	{ "node", "TypeError", "Cannot read properties of null (reading 'items')",
	  "  const n = order.items.length; // order.items", -1, -1, -1,
	  "  const n = order?.items.length; // order.items" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading '0')",
	  "  return rows[0].id;", -1, -1, -1, "  return rows?.[0].id;" },
	{ "node", "TypeError", "Cannot read properties of undefined (reading 'x')",
	  "  a.x = 1;", -1, -1, -1, NULL },
	{ "node", "TypeError", "Cannot destructure property 'id' of 'req.body' as it is undefined.",
	  "  const { id, name } = req.body; // input", -1, -1, -1,
	  "  const { id, name } = req.body ?? {}; // input" },
	{ "node", "TypeError", "Cannot destructure property 'id' of 'undefined' as it is undefined.",
	  "  const { id } = a || b;", -1, -1, -1, NULL },
	{ "java", "java.lang.NullPointerException", "x", "  return s.length();", -1, -1, -1, NULL },
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *what;
		char *got = template_fix(cases[i].lang, cases[i].exc, cases[i].msg, cases[i].line,
		    cases[i].col, cases[i].end_col, cases[i].op_col, &what);
		if (!cases[i].want && got)
			fail_msg("case %zu: want no fix, got '%s'", i, got);
		if (cases[i].want && (!got || strcmp(got, cases[i].want)))
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, got ? got : "(none)",
			    cases[i].want);
		if (got)
			assert_non_null(what);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
