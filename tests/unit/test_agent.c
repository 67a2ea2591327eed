/*
 * test_agent.c - naming the agent a command runs (for its messages), the
 * agent timeout's environment, an agent's verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static void
test_program(void **state)
{
	static const struct { const char *cmd, *want; } cases[] = {
		{ "codex exec -s danger-full-access {prompt}", "codex" },
		{ "env OPENAI_API_KEY=x codex exec {prompt}", "codex" },
		{ "env -i PATH=/bin /usr/local/bin/claude -p {prompt}", "claude" },
		{ "FOO=1 BAR='a b' aider --yes --message {prompt}", "aider" },
		{ "exec nice -n 10 opencode run {prompt}", "opencode" },
		{ "timeout -k 5 600 cline -y {prompt}", "cline" },
		{ "node /opt/x/node_modules/@openai/codex/bin/codex.js exec -", "codex" },
		{ "npx opencode-ai run", "opencode-ai" },
		{ "sed -i s/a/b/ calc.py; echo done", "sed" },
		{ "'my agent' --fix", "my agent" },
		{ "cp -r /etc/cline \"$HOME/.cline\" && cline {prompt}", "cline" },
		{ "codex exec - | tee log.txt", "codex" },
		{ "cd sub; aider --message {prompt} > out.txt 2>&1", "aider" },
		{ "claude -p {prompt} 2>&1 | tail -n 50", "claude" },
		{ "", "sh" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		agent_program(buf, sizeof buf, cases[i].cmd);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_timeout(void **state)
{
	(void)state;
	unsetenv("MEND_AGENT_TIMEOUT");
	assert_true(agent_timeout_default() == 900);
	setenv("MEND_AGENT_TIMEOUT", "15m", 1);
	assert_true(agent_timeout_default() == 900);
	setenv("MEND_AGENT_TIMEOUT", "120", 1);
	assert_true(agent_timeout_default() == 120);
	setenv("MEND_AGENT_TIMEOUT", "2h", 1);
	assert_true(agent_timeout_default() == 7200);
	setenv("MEND_AGENT_TIMEOUT", "soon", 1);
	assert_true(agent_timeout_default() == 900);
	unsetenv("MEND_AGENT_TIMEOUT");
}

static void
test_verdict(void **state)
{
	/* The verdict's diff is not the agent's word: dropped, not checked. */
	const char *text = "Done.\n{\"root_cause\":\"r\",\"category\":\"code\",\"confidence\":0.5,"
	    "\"remediation\":[\"x\"],\"diff\":\"--- a/.git/config\\n+++ b/.git/config\\n\"}\n";
	jv out;
	char *why = NULL;

	(void)state;
	assert_int_equal(model_answer(&out, text, 65536, &why), -1);
	free(why);
	assert_int_equal(model_verdict(&out, text, &why), 0);
	assert_string_equal(record_str(out, "root_cause"), "r");
	assert_false(record_has(out, "diff"));
	jv_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
