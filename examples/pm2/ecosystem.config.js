// PM2 ecosystem file for mend: the whole loop as five supervised processes
// (six with MEND_APP_LOG: the service's log followed by mend-logs; one more
// with MEND_SAMPLE_TARGETS: memory, CPU and disk watched by mend-sample).
//
//   pm2 start examples/pm2/ecosystem.config.js
//   pm2 logs mend-incidents      # what the diagnosis worker says
//   pm2 stop all && pm2 delete all
//
// Each app runs one of the bash compositions in scripts/ (read them: each
// is a few lines).  Configuration is environment only; set it here, or in
// the environment of `pm2 start` (the values below fall back to it).
// PM2 sends SIGINT then SIGKILL after kill_timeout; mend's programs stop
// cleanly on SIGINT/SIGTERM, and a job whose worker dies is run again when
// its lease expires, so nothing is lost.
'use strict';
const path = require('path');

const scripts = process.env.MEND_SCRIPTS || path.join(__dirname, '..', '..', 'scripts');
const env = (k, d) => (process.env[k] !== undefined ? process.env[k] : d);

// Shared by every app.  Secrets (MEND_TRIGGER_SECRET, MEND_LLM_KEY,
// GITHUB_TOKEN, ...) are better left out of this file: export them before
// `pm2 start`, and they are passed on.
const common = {
	MEND_SPOOL: env('MEND_SPOOL', path.join(process.env.HOME || '/tmp', '.local/state/mend')),
	MEND_BIN: env('MEND_BIN', ''),
	// Where the service's source lives, and how to test and start it.
	MEND_REPO: env('MEND_REPO', ''),
	MEND_TEST_CMD: env('MEND_TEST_CMD', ''),
	MEND_SERVE_CMD: env('MEND_SERVE_CMD', ''),
	MEND_FORGE: env('MEND_FORGE', ''),
	// What to watch.
	MEND_URLS: env('MEND_URLS', '/etc/mend/urls.txt'),
	MEND_PROBE_INTERVAL: env('MEND_PROBE_INTERVAL', '30'),
	MEND_APP_LOG: env('MEND_APP_LOG', ''),
	MEND_LOGS_ARGS: env('MEND_LOGS_ARGS', ''),
	MEND_SAMPLE_TARGETS: env('MEND_SAMPLE_TARGETS', ''),
	MEND_SAMPLE_EVERY: env('MEND_SAMPLE_EVERY', '10s'),
	MEND_METRIC_RULES: env('MEND_METRIC_RULES', ''),
	// Alerts and the fix link.
	MEND_WEBHOOKS: env('MEND_WEBHOOKS', ''),
	MEND_TRIGGER_URL: env('MEND_TRIGGER_URL', 'http://127.0.0.1:8787'),
	MEND_TRIGGER_LISTEN: env('MEND_TRIGGER_LISTEN', '127.0.0.1:8787'),
	// The engine: rules unless a model or an agent is configured.
	MEND_ENGINE: env('MEND_ENGINE', ''),
	MEND_LLM_URL: env('MEND_LLM_URL', ''),
	MEND_LLM_MODEL: env('MEND_LLM_MODEL', ''),
	MEND_AGENT: env('MEND_AGENT', ''),
	// Agents and tests run sandboxed with an allow-listed environment: the
	// names they may see (an agent's model key), and "require" to refuse
	// running them without the sandbox.
	MEND_SANDBOX_ENV: env('MEND_SANDBOX_ENV', ''),
	MEND_SANDBOX: env('MEND_SANDBOX', ''),
	MEND_OTLP_LISTEN: env('MEND_OTLP_LISTEN', '127.0.0.1:4318'),
	MEND_LEASE: env('MEND_LEASE', ''),
};

// Empty values would override the scripts' defaults with "": drop them.
for (const k of Object.keys(common))
	if (common[k] === '')
		delete common[k];

const app = (name, script, extra) => Object.assign({
	name,
	script: path.join(scripts, script),
	interpreter: 'none',		// the scripts are executables (bash)
	env: common,
	autorestart: true,
	// A usage or configuration error (sysexits 64, 66, 78) will not mend
	// itself by restarting: stop, and let `pm2 logs` say why.
	stop_exit_codes: [64, 66, 78],
	restart_delay: 1000,
	exp_backoff_restart_delay: 1000,
	kill_timeout: 10000,		// time to finish the job in hand
	treekill: true,			// the signal reaches the whole pipeline
	merge_logs: true,
	time: true,
}, extra || {});

module.exports = {
	apps: [
		app('mend-watch', 'mend-watch-loop'),
		app('mend-incidents', 'mend-incidents-worker'),
		app('mend-fix', 'mend-fix-worker', { kill_timeout: 60000 }),
		app('mend-trigger', 'mend-trigger'),
		app('mend-otlp', 'mend-otlp-loop'),
		// The service's log files (MEND_APP_LOG), when there are some:
		// `logs -f | detect | enqueue`.  Another PM2 app's own log is
		// ~/.pm2/logs/NAME-error.log.
		...(common.MEND_APP_LOG ? [app('mend-logs', 'mend-logs-loop')] : []),
		// Memory, CPU, disk and /metrics (MEND_SAMPLE_TARGETS, see sample(1)):
		// `sample -e 10s | detect --metric ... | enqueue`.
		...(common.MEND_SAMPLE_TARGETS ? [app('mend-sample', 'mend-sample-loop')] : []),
	],
};
