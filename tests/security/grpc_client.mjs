// An independent gRPC client (grpc-js, not Scout's C++ stack) for the
// security tests: makes one call to a collector and prints one JSON line
//   {"call":"ingest","code":"PERMISSION_DENIED","details":"...","acked":0}
// so the tests compare exact status codes. Always exits 0 when the call ran.
//
//   node grpc_client.mjs --tools DIR --proto DIR --addr HOST:PORT --call CALL
//        [--plaintext] [--ca F] [--cert F --key F] [--server-name N] [--token T]
//        [--agent-id ID] [--points N] [--timeout-ms MS]
// CALL: ingest (Hello + one batch of N points, waits for the Ack),
//       list-agents, list-series, add-silence, generate, list-reports
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (key === 'plaintext') { args.plaintext = true; continue; }
  args[key] = argv[++i];
}
const require = createRequire(path.join(args.tools, 'package.json'));
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const def = protoLoader.loadSync(
  ['scout/v1/ingest.proto', 'scout/v1/query.proto', 'scout/v1/alerts.proto',
   'scout/v1/reports.proto'],
  { includeDirs: [args.proto], keepCase: true, longs: Number, enums: String, defaults: true });
const v1 = grpc.loadPackageDefinition(def).scout.v1;

function credentials() {
  if (args.plaintext) return grpc.credentials.createInsecure();
  const read = (f) => (f ? fs.readFileSync(f) : null);
  return grpc.credentials.createSsl(read(args.ca), read(args.key), read(args.cert));
}
const options = args['server-name'] ? { 'grpc.ssl_target_name_override': args['server-name'] } : {};
const metadata = new grpc.Metadata();
if (args.token) metadata.add('authorization', `Bearer ${args.token}`);
const timeoutMs = Number(args['timeout-ms'] || 10000);
const deadline = () => new Date(Date.now() + timeoutMs);
const codeName = (code) => Object.keys(grpc.status).find((k) => grpc.status[k] === code) || String(code);

function report(code, details, extra = {}) {
  console.log(JSON.stringify({ call: args.call, code, details, ...extra }));
  process.exit(0);
}

function unary(Service, method, request) {
  const client = new Service(args.addr, credentials(), options);
  client[method](request, metadata, { deadline: deadline() }, (err, response) => {
    if (err) report(codeName(err.code), err.details);
    // Counts only: a report's content or a series list is not for the log.
    const counts = {};
    for (const [k, v] of Object.entries(response || {})) if (Array.isArray(v)) counts[k] = v.length;
    report('OK', '', counts);
  });
}

function ingest() {
  const client = new v1.Ingest(args.addr, credentials(), options);
  const stream = client.Stream(metadata, { deadline: deadline() });
  const points = Number(args.points || 1);
  let acked = 0;
  stream.on('data', (msg) => {
    if (msg.welcome) {
      const now = Date.now();
      const series = [];
      for (let i = 0; i < points; i++) {
        series.push({ metric: 'scout_security_test_value', labels: [{ name: 'i', value: String(i) }],
                      points: [{ timestamp_ms: now, value: i }] });
      }
      stream.write({ batch: { seq: 1, series, sent_at_ms: now } });
    } else if (msg.ack) {
      acked = msg.ack.points_stored;
      stream.end();
    } else if (msg.rejection) {
      report('REJECTED', msg.rejection.reason, { acked });
    }
  });
  stream.on('error', (err) => report(codeName(err.code), err.details, { acked }));
  stream.on('status', (st) => { if (st.code === 0) report('OK', '', { acked }); });
  stream.on('end', () => {});
  const id = args['agent-id'] || 'node-1';
  stream.write({ hello: { agent_id: id, hostname: id, version: 'grpc-js-test',
                          incarnation_id: crypto.randomUUID(), started_at_ms: Date.now(),
                          protocol_version: 1, interval_ms: 1000 } });
}

switch (args.call) {
  case 'ingest': ingest(); break;
  case 'list-agents': unary(v1.Query, 'ListAgents', {}); break;
  case 'list-series': unary(v1.Query, 'ListSeries', { selector: { metric: 'scout_security_test_value' } }); break;
  case 'add-silence':
    unary(v1.Alerts, 'AddSilence', { matchers: '{alertname="X"}', duration_ms: 3600000,
                                     comment: 'security test', created_by: 'someone-else' });
    break;
  case 'generate': unary(v1.Reports, 'Generate', { kind: 'REPORT_DAILY', format: 'REPORT_JSON' }); break;
  case 'list-reports': unary(v1.Reports, 'List', {}); break;
  default: console.error(`unknown --call ${args.call}`); process.exit(2);
}
