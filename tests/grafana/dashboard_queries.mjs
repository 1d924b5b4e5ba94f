// What the Grafana tests need to know about a dashboard and its PromQL,
// without a PromQL parser or any package: the panels (rows flattened), each
// panel query and template-variable query, the metric names, functions and
// range windows an expression uses, and Grafana's variable substitution.
// Pure functions over literal text; used by dashboards_static.mjs and
// dashboards_live.mjs.
import fs from 'node:fs';
import path from 'node:path';

// Grafana's built-in variables a Prometheus query may use.
export const BUILTIN_VARS = new Set(['__rate_interval', '__interval', '__interval_ms', '__range',
  '__range_s', '__range_ms', '__dashboard', '__org', '__user']);

// The PromQL Scout's /api/v1 evaluates (issue 17): anything else is a
// bad_data error there, so a dashboard must not use it.
export const SUPPORTED_FUNCTIONS = new Set([
  'rate', 'irate', 'increase', 'delta', 'deriv',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
  'quantile_over_time', 'last_over_time', 'stddev_over_time', 'stdvar_over_time', 'present_over_time',
  'histogram_quantile', 'label_replace', 'label_join', 'absent', 'clamp', 'clamp_min', 'clamp_max',
  'abs', 'round', 'time', 'vector', 'scalar',
]);
export const AGGREGATORS = new Set(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset',
  'bool', 'and', 'or', 'unless', 'inf', 'nan']);
// Grafana panel types that run no query.
export const QUERYLESS_PANELS = new Set(['row', 'text', 'alertlist', 'dashlist', 'news', 'annolist']);

export function loadDashboards(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    let json;
    try { json = JSON.parse(text); } catch (e) { return { file, error: `not JSON: ${e.message}` }; }
    return { file, json };
  });
}

// Every panel, the panels of collapsed rows included.
export function panelsOf(dashboard) {
  const out = [];
  for (const p of dashboard.panels || []) {
    out.push(p);
    for (const inner of p.panels || []) out.push(inner);
  }
  return out;
}

// [{panel, target}] for every panel query that has an expression.
export function panelQueries(dashboard) {
  const out = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets || []) out.push({ panel, target });
  }
  return out;
}

export function variables(dashboard) {
  return (dashboard.templating && dashboard.templating.list) || [];
}

// The query text of a query variable (Grafana 9 stores a string, 10 an object).
export function variableQuery(v) {
  if (typeof v.query === 'string') return v.query;
  return (v.query && v.query.query) || v.definition || '';
}

// label_values(selector, label) or label_values(label) -> {selector, label}.
export function parseLabelValues(q) {
  const m = /^\s*label_values\s*\(\s*(?:(.*\S)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(q);
  return m ? { selector: m[1] || null, label: m[2] } : null;
}

// Names of $var / ${var} / ${var:fmt} / [[var]] references.
export function referencedVariables(text) {
  const names = new Set();
  for (const m of text.matchAll(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g)) {
    names.add(m[1] || m[2] || m[3]);
  }
  return names;
}

// The expression with strings, label matchers, ranges and grouping label
// lists blanked, so only metric names, functions and keywords are left.
function skeleton(expr) {
  return expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ')
    .replace(/\$\{[^}]*\}|\$[A-Za-z0-9_]+/g, ' 0 ');
}

// {metrics, functions} used by a PromQL expression.
export function namesIn(expr) {
  const metrics = new Set();
  const functions = new Set();
  const s = skeleton(expr);
  const token = /(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[A-Za-z]*)|([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g;
  for (const m of s.matchAll(token)) {
    if (m[1]) continue;  // a number or duration
    const name = m[2];
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (AGGREGATORS.has(name)) continue;
    if (m[3]) functions.add(name); else metrics.add(name);
  }
  return { metrics, functions };
}

// The text between the parenthesis that opens at `open` and its match.
function argumentsAt(expr, open) {
  let depth = 0;
  for (let i = open; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')' && --depth === 0) return expr.slice(open + 1, i);
    else if (expr[i] === '"') { i++; while (i < expr.length && expr[i] !== '"') { if (expr[i] === '\\') i++; i++; } }
  }
  return expr.slice(open + 1);
}

// [{fn, window}] for every call of one of `fns` with a range vector argument
// (window = the text inside its [...]; null when none).
export function rangeWindows(expr, fns) {
  const out = [];
  const re = new RegExp(`\\b(${[...fns].join('|')})\\s*\\(`, 'g');
  for (const m of expr.matchAll(re)) {
    const args = argumentsAt(expr, m.index + m[0].length - 1);
    const windows = [...args.replace(/\{[^}]*\}/g, '{}').matchAll(/\[([^\]]*)\]/g)].map((w) => w[1].trim());
    out.push({ fn: m[1], window: windows.length ? windows[windows.length - 1] : null });
  }
  return out;
}

// Constructs Scout does not evaluate: subqueries, the @ modifier.
export function unsupportedSyntax(expr) {
  const s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const problems = [];
  if (/\[[^\]]*:[^\]]*\]/.test(s.replace(/\[\$\{[^}]*\}\]/g, '[]'))) problems.push('subquery');
  if (/@\s*(\d|start\(|end\()/.test(s)) problems.push('@ modifier');
  return problems;
}

// Grafana's interpolation for a Prometheus query: built-ins from `builtins`
// ({__rate_interval: '1m', ...}), each variable from `values` (an array:
// one value as is, several as a regex alternation, as Grafana does for a
// multi-value variable). Unknown variables are left alone.
export function substitute(text, values, builtins) {
  const lookup = (name) => {
    if (name in builtins) return builtins[name];
    if (!(name in values)) return null;
    const v = values[name];
    if (!Array.isArray(v)) return String(v);
    if (v.length === 1) return escapeRegex(v[0]);
    return `(${v.map(escapeRegex).join('|')})`;
  };
  return text.replace(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g, (all, a, b, c) => {
    const r = lookup(a || b || c);
    return r === null ? all : r;
  });
}

// Grafana's regex escaping of a variable value for =~ matchers (inside a
// PromQL string, so backslashes are doubled).
export function escapeRegex(v) {
  return String(v).replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

// Metric names documented in docs/metrics.md: every backticked name in the
// first cell of a table row.
export function documentedMetrics(metricsMd) {
  const names = new Set();
  for (const line of metricsMd.split('\n')) {
    if (!line.startsWith('|')) continue;
    const first = line.split('|')[1] || '';
    for (const m of first.matchAll(/`([A-Za-z_:][A-Za-z0-9_:]*)`/g)) names.add(m[1]);
  }
  return names;
}
