#!/usr/bin/env node
// dashboard_queries.mjs's pure functions on literal input (ctest
// grafana_queries_unit): metric/function extraction, range windows,
// unsupported syntax, variable references and substitution, label_values
// parsing, the docs/metrics.md table reader, the live runner's allow list.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  documentedMetrics, escapeRegex, namesIn, parseLabelValues, rangeWindows, referencedVariables,
  substitute, unsupportedSyntax,
} from './dashboard_queries.mjs';
import { parseAllowList } from './dashboards_live.mjs';

const sorted = (set) => [...set].sort();

test('namesIn: metrics and functions, not labels, keywords or durations', () => {
  const n = namesIn('sum by (host, mode) (rate(node_cpu_mode_ratio{host=~"$host",mode!="idle"}[$__rate_interval] offset 1h))'
    + ' / on (host) group_left (cpu) node_cpu_count > bool 0.5 and absent(up2)');
  assert.deepEqual(sorted(n.metrics), ['node_cpu_count', 'node_cpu_mode_ratio', 'up2']);
  assert.deepEqual(sorted(n.functions), ['absent', 'rate']);
});

test('namesIn: label_replace strings and numbers with exponents are not names', () => {
  const n = namesIn('label_replace(node_load1, "dst", "$1", "src", "(.*)") * 1e3 + 0x1f');
  assert.deepEqual(sorted(n.metrics), ['node_load1']);
  assert.deepEqual(sorted(n.functions), ['label_replace']);
});

test('namesIn: aggregation with the clause after the argument', () => {
  const n = namesIn('topk(5, scout_process_cpu_usage_ratio) without (pid)');
  assert.deepEqual(sorted(n.metrics), ['scout_process_cpu_usage_ratio']);
  assert.deepEqual(sorted(n.functions), []);
});

test('rangeWindows: the window of each call, nested calls included', () => {
  const w = rangeWindows('sum(rate(a[5m])) + increase(b{x="[1m]"}[$__rate_interval]) + irate(c)', new Set(['rate', 'irate', 'increase']));
  assert.deepEqual(w, [{ fn: 'rate', window: '5m' }, { fn: 'increase', window: '$__rate_interval' }, { fn: 'irate', window: null }]);
});

test('unsupportedSyntax: subqueries and @, not ranges or strings', () => {
  assert.deepEqual(unsupportedSyntax('max_over_time(rate(a[1m])[1h:5m])'), ['subquery']);
  assert.deepEqual(unsupportedSyntax('a @ 1700000000'), ['@ modifier']);
  assert.deepEqual(unsupportedSyntax('a @ start()'), ['@ modifier']);
  assert.deepEqual(unsupportedSyntax('rate(a{x="1:2 @ 3"}[$__rate_interval])'), []);
  assert.deepEqual(unsupportedSyntax('rate(a[${__rate_interval}])'), []);
});

test('referencedVariables: every Grafana syntax', () => {
  assert.deepEqual(sorted(referencedVariables('a{h=~"$host",p="${probe}",d=~"${db:regex}",x="[[old]]"}[$__range]')),
    ['__range', 'db', 'host', 'old', 'probe']);
});

test('substitute: built-ins, one value as is (escaped), several as an alternation, unknown left alone', () => {
  const b = { __rate_interval: '1m', __range: '30m' };
  assert.equal(substitute('rate(a{h=~"$host"}[$__rate_interval])', { host: ['web-1'] }, b), 'rate(a{h=~"web-1"}[1m])');
  assert.equal(substitute('a{h=~"${host}"}', { host: ['a.b', 'c'] }, b), 'a{h=~"(a\\\\.b|c)"}');
  assert.equal(substitute('a{h=~"$nope"}[$__range]', {}, b), 'a{h=~"$nope"}[30m]');
});

test('escapeRegex: PromQL-string-escaped regex metacharacters', () => {
  assert.equal(escapeRegex('/var/lib (x)'), '/var/lib \\\\(x\\\\)');
  assert.equal(escapeRegex('plain-name_1'), 'plain-name_1');
});

test('parseLabelValues', () => {
  assert.deepEqual(parseLabelValues('label_values(scout_postgres_database_size_bytes{target=~"$target"}, datname)'),
    { selector: 'scout_postgres_database_size_bytes{target=~"$target"}', label: 'datname' });
  assert.deepEqual(parseLabelValues(' label_values(host) '), { selector: null, label: 'host' });
  assert.equal(parseLabelValues('query_result(up)'), null);
});

test('documentedMetrics: backticked names in the first cell only', () => {
  const md = [
    '| Metric | Labels | Meaning |',
    '|---|---|---|',
    '| `node_load1`, `node_load5` | | Load, see `not_a_metric`. |',
    '| `scout_probe_success` | `probe` | 1 when `x` |',
    'Text mentioning `prose_metric`.',
  ].join('\n');
  assert.deepEqual(sorted(documentedMetrics(md)), ['node_load1', 'node_load5', 'scout_probe_success']);
});

test('parseAllowList: globs, comments, and a line without a reason is refused', () => {
  const list = parseAllowList('# c\nscout-host | Disk * | no disks # trailing\n\nscout-alerts | Dropped | none\n');
  assert.equal(list.length, 2);
  assert.ok(list[0].re.test('Disk await'));
  assert.ok(!list[0].re.test('Network Disk await'));
  assert.ok(list[1].re.test('Dropped'));
  assert.throws(() => parseAllowList('scout-host | Disk'), /uid \| title \| reason/);
});
