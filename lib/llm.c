/*
 * llm.c - the llm engine: one OpenAI-compatible chat completion (OpenAI,
 * Azure OpenAI, Ollama, llama.cpp, vLLM, OpenRouter, Gemini's compatible
 * endpoint) per question, over http.c.
 *
 * The prompt is model.c's; the reply's text is searched for the answer
 * (model_answer).  A reply without one (cut off, tool calls, a refusal,
 * an invalid object) is asked once more, saying what was wrong; after
 * that the engine fails and analyze falls back to rules.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static jv
chat_message(const char *role, const char *content)
{
	jv m = jv_object();

	m = record_set_str(m, "role", role);
	return record_set_str(m, "content", content);
}

/*
 * What one chat completion said.  text is what to look for the answer in:
 * message.content, or, when that is empty, the reasoning the server sent
 * separately (reasoning_content, reasoning).  problem says, in words for
 * the analysis, why the reply may hold no answer: cut at the token limit,
 * tool calls instead of an answer, a refusal, nothing at all.
 */
struct reply {
	char *text;		/* malloc'd, or NULL */
	int from_reasoning;	/* text is the reasoning, content was empty */
	char problem[256];	/* "" when none */
};

static void
reply_release(struct reply *r)
{
	free(r->text);
	memset(r, 0, sizeof *r);
}

/* The names of the tools a reply called: "a, b". */
static void
tool_names(char *buf, size_t len, jv calls)
{
	size_t n = 0;

	buf[0] = '\0';
	jv_array_foreach(calls, i, c) {
		const char *name = record_str(c, "function.name");

		if (name && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", name);
		jv_free(c);
	}
	if (!buf[0])
		snprintf(buf, len, "unnamed");
}

/* Read choices[0] of a chat completion (borrowed) into *r. */
static int
read_choice(struct reply *r, jv resp)
{
	jv choices = record_get(resp, "choices"), c0, calls;
	const char *content, *finish, *refusal, *reasoning;

	if (jv_get_kind(choices) != JV_KIND_ARRAY || jv_array_length(jv_copy(choices)) < 1) {
		jv_free(choices);
		return mend_err("model response has no choices");
	}
	c0 = jv_array_get(choices, 0);
	content = record_str(c0, "message.content");
	finish = record_str(c0, "finish_reason");
	refusal = record_str(c0, "message.refusal");
	reasoning = record_str(c0, "message.reasoning_content");
	if (!reasoning || !*reasoning)
		reasoning = record_str(c0, "message.reasoning");
	calls = record_get(c0, "message.tool_calls");
	if (content && *content) {
		r->text = strdup(content);
	} else if (reasoning && *reasoning) {
		r->text = strdup(reasoning);
		r->from_reasoning = 1;
	}
	if (finish && !strcmp(finish, "length"))
		snprintf(r->problem, sizeof r->problem, "the answer was cut off at the model's "
		    "output token limit (finish_reason length)");
	else if (jv_get_kind(calls) == JV_KIND_ARRAY && jv_array_length(jv_copy(calls)) > 0) {
		char names[128];

		tool_names(names, sizeof names, calls);
		snprintf(r->problem, sizeof r->problem, "the model called tools (%s) instead of "
		    "answering; mend offers none", names);
	} else if (refusal && *refusal)
		snprintf(r->problem, sizeof r->problem, "the model refused: %.200s", refusal);
	else if (finish && !strcmp(finish, "content_filter"))
		snprintf(r->problem, sizeof r->problem, "the answer was withheld by the "
		    "provider's content filter");
	else if (!r->text)
		snprintf(r->problem, sizeof r->problem, "the model sent an empty answer");
	jv_free(calls);
	jv_free(c0);
	return 0;
}

/*
 * The request URL: MEND_LLM_URL + /chat/completions (unless the URL is
 * already an endpoint), and ?api-version= for Azure OpenAI.
 */
static int
chat_url(char *url, size_t len, const struct engine_opts *o)
{
	size_t ul = strlen(o->llm_url);
	const char *sep;
	int n;

	while (ul && o->llm_url[ul - 1] == '/')
		ul--;
	if (ul >= 17 && !strncmp(o->llm_url + ul - 17, "/chat/completions", 17))
		n = snprintf(url, len, "%.*s", (int)ul, o->llm_url);
	else
		n = snprintf(url, len, "%.*s/chat/completions", (int)ul, o->llm_url);
	if (n < 0 || (size_t)n >= len)
		return mend_err("MEND_LLM_URL is too long");
	if (o->llm_api_version && *o->llm_api_version) {
		sep = strchr(url, '?') ? "&" : "?";
		if (snprintf(url + n, len - (size_t)n, "%sapi-version=%s", sep,
		    o->llm_api_version) >= (int)(len - (size_t)n))
			return mend_err("MEND_LLM_URL is too long");
	}
	return 0;
}

/* One chat round: 0 with *r, -1 when the model is unreachable (the
 * message says why), -2 when the server refused the temperature
 * parameter (reasoning models accept only their default). */
static int
chat_once(struct reply *r, jv messages, const struct engine_opts *o, int temperature)
{
	struct http_req req = { 0 };
	struct http_resp resp = { 0 };
	jv body = jv_object(), v;
	char url[2048], auth[1024], *json;
	const char *hdrs[4];
	int nh = 0, rc = -1;

	memset(r, 0, sizeof *r);
	if (chat_url(url, sizeof url, o) < 0) {
		jv_free(messages);
		jv_free(body);
		return -1;
	}
	body = record_set_str(body, "model", o->llm_model && *o->llm_model ? o->llm_model :
	    "gpt-4o-mini");
	body = jv_object_set(body, jv_string("messages"), messages);
	if (temperature)
		body = record_set_num(body, "temperature", 0);
	json = record_dump(body);
	jv_free(body);
	hdrs[nh++] = "Content-Type: application/json";
	if (o->llm_key && *o->llm_key) {
		/* Azure OpenAI takes its key in api-key, everyone else a bearer token. */
		if (snprintf(auth, sizeof auth, o->llm_api_version && *o->llm_api_version
		    ? "api-key: %s" : "Authorization: Bearer %s", o->llm_key) >= (int)sizeof auth) {
			free(json);
			return mend_err("the model API key is too long");
		}
		hdrs[nh++] = auth;
	}
	hdrs[nh] = NULL;
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = json;
	req.body_len = strlen(json);
	req.timeout_ms = (long)(o->llm_timeout * 1000);
	req.max_attempts = o->llm_attempts;
	rc = http_do_retry(&resp, &req);
	explicit_bzero(auth, sizeof auth);
	free(json);
	if (rc < 0)
		return -1;
	rc = -1;
	if (resp.status == 400 && temperature && resp.body && strstr(resp.body, "temperature")) {
		http_resp_release(&resp);
		return -2;
	}
	if (resp.status != 200) {
		char snip[200];
		char *red = redact(resp.body ? resp.body : "", NULL);
		snprintf(snip, sizeof snip, "%s", red ? red : "");
		free(red);
		mend_err("model answered HTTP %ld after %d attempts: %s", resp.status, resp.attempts,
		    snip);
	} else if (record_parse(&v, resp.body ? resp.body : "", resp.body_len) < 0) {
		mend_err("model sent a response that is not JSON");
	} else {
		rc = read_choice(r, v);
		jv_free(v);
	}
	http_resp_release(&resp);
	return rc;
}

static int
chat(struct reply *r, jv messages, const struct engine_opts *o)
{
	static int no_temperature;	/* the model refused one: never send it again */
	int rc = chat_once(r, jv_copy(messages), o, !no_temperature);

	if (rc == -2) {
		no_temperature = 1;
		rc = chat_once(r, jv_copy(messages), o, 0);
	}
	jv_free(messages);
	return rc < 0 ? -1 : rc;
}

/*
 * Ask the model; returns 0 with the checked analysis, 1 when the model
 * could not be reached or never gave a valid answer (*why says which;
 * the caller falls back to rules), -1 on an internal error.  A reply
 * without a usable answer (cut off, tool calls, a refusal, an invalid
 * object) is asked once more, saying what was wrong.
 */
int
engine_llm(jv *out, const struct engine_ctx *e, char **why)
{
	const struct engine_opts *o = e->o;
	char *prompt, *bad = NULL;
	struct reply r = { 0 };
	jv msgs;
	int attempt;

	*why = NULL;
	*out = jv_null();
	if (!o->llm_url || !*o->llm_url) {
		*why = strdup("MEND_LLM_URL is not set");
		return 1;
	}
	if (!(prompt = model_prompt(e->ctx, e->revise, 0)))
		return mend_err("out of memory");
	msgs = jv_array_append(jv_array(), chat_message("system", model_system_prompt));
	msgs = jv_array_append(msgs, chat_message("user", prompt));
	free(prompt);
	for (attempt = 0; attempt < 2; attempt++) {
		char *fix = NULL, *answer_why = NULL;

		if (chat(&r, jv_copy(msgs), o) < 0) {
			if (asprintf(why, "model unreachable: %s", mend_errmsg()) < 0)
				*why = NULL;
			jv_free(msgs);
			free(bad);
			return 1;
		}
		free(bad);
		bad = NULL;
		if (r.text && model_answer(out, r.text, o->max_diff, &answer_why) == 0) {
			if (r.from_reasoning)
				mend_warn("the model answered only in its reasoning; the JSON "
				    "object found there is used");
			reply_release(&r);
			jv_free(msgs);
			return 0;
		}
		if (r.problem[0] && (answer_why ? asprintf(&bad, "%s (%s)", r.problem,
		    answer_why) : asprintf(&bad, "%s", r.problem)) < 0)
			bad = NULL;
		if (!bad) {
			bad = answer_why;
			answer_why = NULL;
		}
		free(answer_why);
		/* Once more, with the reason.  The assistant's own text is sent
		 * back only when it has some (a tool call has none to quote). */
		if (r.text && !r.from_reasoning)
			msgs = jv_array_append(msgs, chat_message("assistant", r.text));
		if (asprintf(&fix, "That answer is unusable: %s. Do not call tools. Reply with "
		    "only the JSON object, fields root_cause, category, confidence, remediation, "
		    "diff; keep it short.", bad ? bad : "malformed") < 0)
			fix = NULL;
		msgs = jv_array_append(msgs, chat_message("user", fix ? fix : "Invalid answer."));
		free(fix);
		reply_release(&r);
	}
	if (asprintf(why, "model gave no valid answer: %s", bad ? bad : "malformed") < 0)
		*why = NULL;
	free(bad);
	jv_free(msgs);
	return 1;
}
