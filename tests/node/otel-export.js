// otel-export.js URL [gzip|none] [json|proto] - export, with the real
// OpenTelemetry JS SDK, one failing request span (an exception event and
// status ERROR), one healthy span, one ERROR log and one INFO log to an
// OTLP/HTTP receiver at URL (http://127.0.0.1:PORT) in the JSON encoding
// (the -http exporters) or the protobuf one (the -proto exporters), then
// flush and exit 0 when every export succeeded.  Used by
// tests/0620-otlp-otel-js.t.
'use strict';
const api = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { Resource } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const encoding = process.argv[4] === 'proto' ? 'proto' : 'http';
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-' + encoding);
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-' + encoding);

const base = process.argv[2];
const compression = process.argv[3] === 'gzip' ? 'gzip' : 'none';
const resource = new Resource({ 'service.name': 'checkout-js', 'service.version': '2.0.1' });
let failed = 0;

// The SDK reports failed exports through the diag logger: count them.
api.diag.setLogger({
	error: (...a) => { failed++; console.error('otel error:', ...a); },
	warn: (...a) => console.error('otel warn:', ...a),
	info: () => {}, debug: () => {}, verbose: () => {},
}, api.DiagLogLevel.WARN);

function wrap(exporter) {
	// Count results the exporter hands back, so a refused export fails the run.
	const orig = exporter.export.bind(exporter);
	exporter.export = (items, done) => orig(items, (res) => {
		if (res.code !== 0) { failed++; console.error('export failed:', res.error && res.error.message); }
		done(res);
	});
	return exporter;
}

const traceExporter = wrap(new OTLPTraceExporter({ url: base + '/v1/traces', compression }));
const tp = new BasicTracerProvider({ resource });
tp.addSpanProcessor(new SimpleSpanProcessor(traceExporter));
const tracer = tp.getTracer('otel-export-test', '1.0.0');

const logExporter = wrap(new OTLPLogExporter({ url: base + '/v1/logs', compression }));
const lp = new LoggerProvider({ resource });
lp.addLogRecordProcessor(new SimpleLogRecordProcessor(logExporter));
const logger = lp.getLogger('otel-export-test');

function average(xs) {
	if (xs.length === 0)
		throw new RangeError('cannot average an empty list');
	return xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main() {
	const span = tracer.startSpan('GET /cart/:id', {
		kind: api.SpanKind.SERVER,
		attributes: { 'http.request.method': 'GET', 'http.route': '/cart/:id',
			'url.full': 'http://127.0.0.1:9/cart/7', 'http.response.status_code': 500 },
	});
	try {
		average([]);
	} catch (e) {
		span.recordException(e);
		span.setStatus({ code: api.SpanStatusCode.ERROR, message: e.message });
	}
	const traceId = span.spanContext().traceId;
	span.end();

	const ok = tracer.startSpan('GET /health', { attributes: { 'http.route': '/health' } });
	ok.setStatus({ code: api.SpanStatusCode.OK });
	ok.end();

	logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'cart loaded' });
	logger.emit({
		severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed',
		attributes: { 'http.route': '/pay', 'exception.type': 'PaymentError',
			'exception.message': 'card declined', 'exception.stacktrace':
			'PaymentError: card declined\n    at pay (/srv/checkout/pay.js:12:9)' },
	});

	await tp.forceFlush();
	await lp.forceFlush();
	await tp.shutdown();
	await lp.shutdown();
	console.log(traceId);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
