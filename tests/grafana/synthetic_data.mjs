#!/usr/bin/env node
// Writes OpenMetrics text with a series for every selector the dashboards
// use, shaped by the selector itself, for `promtool tsdb create-blocks-from
// openmetrics` (promql_syntax_test.sh): the live runner then runs against a
// real Prometheus that HAS data, so its variable resolution (label values
// with match[], regex-escaped values), substitution and no-data detection
// are exercised before Scout's own API exists.
//   node synthetic_data.mjs DASHBOARD_DIR MINUTES > data.om
// Labels: `l="v"` sets l=v; `l=~"$var"` sets l="<l>-1.x" (a dot, so the
// value must be regex-escaped to match itself); `l!="v"` leaves l out (or
// sets it when v is ""); labels named in by/on/group_left/legends get
// "<l>-1.x" too. Counters (names ending in _total, or inside
// rate/irate/increase) grow by 10 per 15 s step; gauges are 1. A `_bucket`
// grouped by `le` gets two buckets, le="0.5" (half) and le="+Inf".
import { loadDashboards, panelQueries, parseLabelValues, variableQuery, variables } from './dashboard_queries.mjs';

const [dir, minutesArg] = process.argv.slice(2);
const minutes = Number(minutesArg || 40);
const STEP = 15;

const series = new Map();  // key -> {name, labels, counter}
const value = (l) => `${l}-1.x`;

function addSelectors(expr, legend, counters) {
  const grouping = new Set();
  for (const m of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const l of m[1].split(',').map((s) => s.trim()).filter(Boolean)) grouping.add(l);
  }
  for (const m of (legend || '').matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) grouping.add(m[1]);
  const stripped = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/[{}]/g, ' '));
  const re = /([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?/g;
  for (const m of expr.matchAll(re)) {
    const name = m[1];
    if (!/^(node|scout|scenescout)_/.test(name)) continue;
    if (stripped.slice(m.index + name.length).trimStart().startsWith('(')) continue;
    const labels = { __name__: name };
    const omit = new Set();
    for (const mm of (m[2] || '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      const [, l, op, v] = mm;
      if (op === '=') labels[l] = v;
      else if (op === '=~') labels[l] = v.startsWith('$') || v === '.*' ? value(l) : v.replace(/\\\\/g, '');
      else if (v === '') labels[l] = value(l);
      else omit.add(l);
    }
    for (const l of grouping) if (!(l in labels) && !omit.has(l)) labels[l] = value(l);
    if (!('host' in labels) && !omit.has('host')) labels.host = value('host');
    const counter = /_total$/.test(name) || counters.has(name);
    const key = JSON.stringify(Object.entries(labels).sort());
    series.set(key, { name, labels, counter });
  }
}

for (const { json } of loadDashboards(dir)) {
  if (!json) continue;
  for (const { target } of panelQueries(json)) {
    const counters = new Set([...target.expr.matchAll(/\b(?:rate|irate|increase)\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*)/g)].map((m) => m[1]));
    addSelectors(target.expr, target.legendFormat, counters);
  }
  for (const v of variables(json)) {
    const lv = v.type === 'query' && parseLabelValues(variableQuery(v));
    if (lv && lv.selector) addSelectors(lv.selector, `{{${lv.label}}}`, new Set());
  }
}

const end = Math.floor(Date.now() / 1000 / STEP) * STEP;
const start = end - minutes * 60;
const escape = (v) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const byName = new Map();
for (const s of series.values()) {
  if (!byName.has(s.name)) byName.set(s.name, []);
  byName.get(s.name).push(s);
}
// A histogram's buckets grouped by `le` (histogram_quantile) need numeric
// bounds and +Inf: two buckets, half of the observations in le="0.5".
function expandBuckets(s) {
  if (!/_bucket$/.test(s.name) || s.labels.le !== value('le')) return [{ ...s, share: 1 }];
  return [{ ...s, labels: { ...s.labels, le: '0.5' }, share: 0.5 },
    { ...s, labels: { ...s.labels, le: '+Inf' }, share: 1 }];
}
const out = [];
for (const [name, list] of [...byName].sort()) {
  out.push(`# TYPE ${name} unknown`);
  for (const s of list.flatMap(expandBuckets)) {
    const labels = Object.entries(s.labels).filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}="${escape(v)}"`).join(',');
    for (let t = start, i = 0; t <= end; t += STEP, i++) {
      out.push(`${name}{${labels}} ${s.counter ? i * 10 * s.share : 1} ${t}`);
    }
  }
}
out.push('# EOF');
process.stdout.write(`${out.join('\n')}\n`);
console.error(`synthetic: ${series.size} series of ${byName.size} metrics, ${minutes} min`);
