#!/usr/bin/env node
// Static checks of Scout's Grafana dashboards (ctest grafana_dashboards_static):
//   node tests/grafana/dashboards_static.mjs REPO
// Every dashboard in deploy/grafana/dashboards is valid JSON with a unique,
// stable uid and title; the data source is the ${datasource} variable
// everywhere; every panel query and variable query uses only metric names
// documented in docs/metrics.md (or listed in EXTRA_METRICS), only the
// PromQL Scout evaluates, $__rate_interval (or $__range) as the window of
// every rate/irate/increase, and only variables the dashboard defines; host
// matchers name no host but the collector's own; each panel has a unit;
// the KPI thresholds equal shared/guide/kpi.h; the JSON is what
// deploy/grafana/generate.mjs writes. Then --self-test style: each of a list
// of deliberate breaks must be caught (so the checks can fail).
import fs from 'node:fs';
import path from 'node:path';
import {
  BUILTIN_VARS, QUERYLESS_PANELS, SUPPORTED_FUNCTIONS, documentedMetrics, loadDashboards,
  namesIn, panelQueries, panelsOf, parseLabelValues, rangeWindows, referencedVariables,
  unsupportedSyntax, variableQuery, variables,
} from './dashboard_queries.mjs';

const REPO = path.resolve(process.argv[2] || path.join(path.dirname(new URL(import.meta.url).pathname), '../..'));
const DIR = path.join(REPO, 'deploy/grafana/dashboards');

// Names a dashboard may use that are not in docs/metrics.md (recording
// rules, ALERTS): none today. Add here with the reason.
const EXTRA_METRICS = new Set([]);
// The collector stores its self-metrics with this host; the only host a
// dashboard may name.
const COLLECTOR_HOST = 'scout-collector';
const EXPECTED_UIDS = ['scout-alerts', 'scout-endpoints', 'scout-fleet', 'scout-host', 'scout-ingestion', 'scout-postgres'];
const RATE_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
const RATE_WINDOWS = new Set(['$__rate_interval', '${__rate_interval}', '$__range', '${__range}']);

function isDatasourceRef(ds) {
  return ds && typeof ds === 'object' && ds.type === 'prometheus' && ds.uid === '${datasource}';
}

// Errors of one dashboard against the documented metric names.
export function checkDashboard(file, d, documented) {
  const errors = [];
  const fail = (where, msg) => errors.push(`${file}${where ? ` ${where}` : ''}: ${msg}`);
  if (!d.uid || !/^[a-z0-9-]{1,40}$/.test(d.uid)) fail('', `uid ${d.uid} is not a stable slug`);
  if (!d.title || !d.title.startsWith('Scout / ')) fail('', `title ${d.title} does not start with "Scout / "`);
  if (!(d.schemaVersion >= 36 && d.schemaVersion <= 39)) fail('', `schemaVersion ${d.schemaVersion} is not Grafana 9/10's (36-39)`);

  const vars = variables(d);
  const defined = new Set(vars.map((v) => v.name));
  const dsVar = vars.find((v) => v.name === 'datasource');
  if (!dsVar || dsVar.type !== 'datasource' || dsVar.query !== 'prometheus') {
    fail('', 'no template variable "datasource" of type datasource (prometheus)');
  }
  const checkExpr = (where, expr) => {
    if (!expr || !expr.trim()) { fail(where, 'empty expression'); return; }
    const { metrics, functions } = namesIn(expr);
    for (const m of metrics) if (!documented.has(m) && !EXTRA_METRICS.has(m)) fail(where, `metric ${m} is not in docs/metrics.md`);
    for (const f of functions) if (!SUPPORTED_FUNCTIONS.has(f)) fail(where, `function ${f} is not supported by Scout's PromQL`);
    for (const p of unsupportedSyntax(expr)) fail(where, `${p} is not supported by Scout's PromQL`);
    for (const { fn, window } of rangeWindows(expr, RATE_FUNCTIONS)) {
      if (!RATE_WINDOWS.has(window)) fail(where, `${fn}() over [${window}], not [$__rate_interval]`);
    }
    for (const v of referencedVariables(expr)) {
      if (!defined.has(v) && !BUILTIN_VARS.has(v)) fail(where, `variable $${v} is not defined`);
    }
    for (const m of expr.matchAll(/\bhost\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      if (m[2] !== COLLECTOR_HOST && !/^\$\{?host\}?$/.test(m[2])) fail(where, `hard-coded host matcher host${m[1]}"${m[2]}"`);
    }
  };

  for (const v of vars) {
    if (v.type !== 'query') continue;
    const where = `variable ${v.name}`;
    if (!isDatasourceRef(v.datasource)) fail(where, 'datasource is not ${datasource}');
    const lv = parseLabelValues(variableQuery(v));
    if (!lv) { fail(where, `query ${variableQuery(v)} is not label_values(...)`); continue; }
    if (lv.selector) checkExpr(where, lv.selector);
  }

  const ids = new Set();
  for (const p of panelsOf(d)) {
    const where = `panel ${p.id} "${p.title}"`;
    if (ids.has(p.id)) fail(where, 'duplicate panel id');
    ids.add(p.id);
    if (!p.gridPos || !(p.gridPos.w > 0) || !(p.gridPos.h > 0)) fail(where, 'no gridPos');
    if (QUERYLESS_PANELS.has(p.type)) continue;
    if (!isDatasourceRef(p.datasource)) fail(where, 'datasource is not the ${datasource} variable');
    if (!(p.targets || []).length) fail(where, 'no queries');
    const unit = p.fieldConfig && p.fieldConfig.defaults && p.fieldConfig.defaults.unit;
    if (!unit) fail(where, 'no unit');
    const refIds = new Set();
    for (const t of p.targets || []) {
      if (refIds.has(t.refId)) fail(where, `duplicate refId ${t.refId}`);
      refIds.add(t.refId);
      if (t.datasource && !isDatasourceRef(t.datasource)) fail(`${where} ${t.refId}`, 'query datasource is not ${datasource}');
      checkExpr(`${where} ${t.refId}`, t.expr);
    }
  }
  if (panelQueries(d).length === 0) fail('', 'no panel queries');
  return errors;
}

// KPI rows of shared/guide/kpi.h: id constant -> {warning, critical, higher}.
export function parseKpiHeader(text) {
  const ids = new Map();
  for (const m of text.matchAll(/inline constexpr std::string_view (kKpi\w+) = "(\w+)";/g)) ids.set(m[1], m[2]);
  const rows = {};
  const num = (s) => (s.trim() === 'kNoStep' ? null : Number(s));
  for (const m of text.matchAll(/\{(kKpi\w+),\s*"[^"]*",\s*Unit::\w+,\s*(kLower|kHigher),\s*(?:true|false),\s*([^,]+),\s*([^,]+),/g)) {
    rows[ids.get(m[1])] = { warning: num(m[3]), critical: num(m[4]), higher: m[2] === 'kHigher' };
  }
  return rows;
}

function checkAll(dashboards, documented) {
  const errors = [];
  const uids = new Map();
  const titles = new Map();
  for (const { file, json, error } of dashboards) {
    if (error) { errors.push(`${file}: ${error}`); continue; }
    errors.push(...checkDashboard(file, json, documented));
    if (uids.has(json.uid)) errors.push(`${file}: uid ${json.uid} also in ${uids.get(json.uid)}`);
    uids.set(json.uid, file);
    if (titles.has(json.title)) errors.push(`${file}: title ${json.title} also in ${titles.get(json.title)}`);
    titles.set(json.title, file);
  }
  const got = [...uids.keys()].sort().join(',');
  if (got !== EXPECTED_UIDS.join(',')) errors.push(`dashboard uids are ${got}, expected ${EXPECTED_UIDS.join(',')} (uids are stable: links and bookmarks use them)`);
  return errors;
}

// Deliberate breaks, each of which the checks must report.
const BREAKS = [
  ['undocumented metric', 'is not in docs/metrics.md', (d) => { firstTarget(d).expr = 'node_cpu_seconds_total'; }],
  ['rate over a fixed window', 'not [$__rate_interval]', (d) => { firstTarget(d).expr = 'rate(node_forks_total[5m])'; }],
  ['unsupported function', 'function predict_linear', (d) => { firstTarget(d).expr = 'predict_linear(node_load1[1h], 3600)'; }],
  ['subquery', 'subquery', (d) => { firstTarget(d).expr = 'max_over_time(node_load1[1h:1m])'; }],
  ['undefined variable', 'variable $nohost', (d) => { firstTarget(d).expr = 'node_load1{host=~"$nohost"}'; }],
  ['hard-coded host', 'hard-coded host', (d) => { firstTarget(d).expr = 'node_load1{host="web-1"}'; }],
  ['panel datasource', 'not the ${datasource} variable', (d) => { firstQueryPanel(d).datasource = { type: 'prometheus', uid: 'abc' }; }],
  ['no unit', 'no unit', (d) => { delete firstQueryPanel(d).fieldConfig.defaults.unit; }],
  ['variable metric', 'is not in docs/metrics.md', (d) => {
    const v = variables(d).find((x) => x.type === 'query');
    v.query = { query: 'label_values(up, host)' }; v.definition = v.query.query;
  }],
  ['no datasource variable', 'no template variable "datasource"', (d) => { d.templating.list = d.templating.list.filter((v) => v.name !== 'datasource'); }],
];

function firstQueryPanel(d) { return panelsOf(d).find((p) => !QUERYLESS_PANELS.has(p.type)); }
function firstTarget(d) { return firstQueryPanel(d).targets[0]; }

function selfTest(dashboards, documented) {
  const errors = [];
  const base = dashboards.find((x) => x.json && x.json.uid === 'scout-host');
  for (const [name, expected, mutate] of BREAKS) {
    const d = JSON.parse(JSON.stringify(base.json));
    mutate(d);
    const found = checkDashboard(base.file, d, documented);
    if (!found.some((e) => e.includes(expected))) errors.push(`self-test "${name}": expected an error containing "${expected}", got ${JSON.stringify(found)}`);
    else console.log(`ok: self-test ${name}`);
  }
  const dup = dashboards.map((x) => ({ ...x }));
  dup.push({ ...base, file: 'copy.json' });
  if (!checkAll(dup, documented).some((e) => e.includes('uid scout-host also in'))) errors.push('self-test "duplicate uid" not caught');
  else console.log('ok: self-test duplicate uid');
  return errors;
}

async function main() {
  const documented = documentedMetrics(fs.readFileSync(path.join(REPO, 'docs/metrics.md'), 'utf8'));
  if (documented.size < 100) throw new Error(`only ${documented.size} metric names found in docs/metrics.md`);
  const dashboards = loadDashboards(DIR);
  const errors = checkAll(dashboards, documented);

  // The thresholds the generator colours panels with are kpi.h's.
  const { KPI, DASHBOARDS, render } = await import(path.join(REPO, 'deploy/grafana/generate.mjs'));
  const header = parseKpiHeader(fs.readFileSync(path.join(REPO, 'shared/guide/kpi.h'), 'utf8'));
  if (Object.keys(header).length < 10) errors.push(`only ${Object.keys(header).length} KPI rows parsed from shared/guide/kpi.h`);
  for (const [id, row] of Object.entries(header)) {
    if (JSON.stringify(KPI[id]) !== JSON.stringify(row)) {
      errors.push(`KPI ${id}: generate.mjs has ${JSON.stringify(KPI[id])}, shared/guide/kpi.h ${JSON.stringify(row)}`);
    }
  }
  for (const id of Object.keys(KPI)) if (!(id in header)) errors.push(`KPI ${id} of generate.mjs is not in shared/guide/kpi.h`);
  // The committed JSON is the generator's output.
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    const where = path.join(DIR, file);
    if (!fs.existsSync(where) || fs.readFileSync(where, 'utf8') !== render(build)) {
      errors.push(`${file}: differs from deploy/grafana/generate.mjs's output (edit the generator, run it, commit both)`);
    }
  }
  errors.push(...selfTest(dashboards, documented));

  let queries = 0;
  for (const { json } of dashboards) if (json) queries += panelQueries(json).length;
  if (errors.length) {
    for (const e of errors) console.error(`FAIL: ${e}`);
    process.exit(1);
  }
  console.log(`PASS: ${dashboards.length} dashboards, ${queries} panel queries, ${documented.size} documented metric names`);
}

main().catch((e) => { console.error(e); process.exit(1); });
