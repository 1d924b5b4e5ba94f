#!/usr/bin/env node
// Writes Scout's Grafana dashboards (deploy/grafana/dashboards/*.json) from
// the definitions below; plain node, no packages:
//   node deploy/grafana/generate.mjs            # rewrite the JSON files
//   node deploy/grafana/generate.mjs --check    # exit 1 if they are stale
// The JSON files are what Grafana and the Kubernetes overlay load; this
// script exists so that the six dashboards share one panel style, one
// datasource variable and one set of KPI thresholds (shared/guide/kpi.h,
// copied in KPI below; tests/grafana/dashboards_static.mjs compares the
// two). Edit here, regenerate, commit both (the static test fails on a
// hand edit of the JSON that the generator would undo).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'dashboards');

// The guide's KPIs as in shared/guide/kpi.h: [warning, critical] bounds
// (critical null = the guide has no alert step), direction.
export const KPI = {
  response_time_p95: { warning: 2.0, critical: 2.0, higher: false },
  error_rate: { warning: 0.001, critical: 0.01, higher: false },
  availability: { warning: 0.999, critical: null, higher: true },
  cpu_usage: { warning: 0.70, critical: 0.80, higher: false },
  memory_usage: { warning: 0.80, critical: 0.85, higher: false },
  disk_usage: { warning: 0.85, critical: 0.90, higher: false },
  network_latency: { warning: 0.100, critical: null, higher: false },
  db_avg_query_time: { warning: 0.100, critical: null, higher: false },
  db_connection_usage: { warning: 0.80, critical: 0.90, higher: false },
  db_lock_wait: { warning: 1.0, critical: 30.0, higher: false },
  api_response_time: { warning: 5.0, critical: null, higher: false },
  api_success_rate: { warning: 0.95, critical: null, higher: true },
  ingestion_rate: { warning: 1000, critical: null, higher: true },
  data_freshness: { warning: 3600, critical: 7200, higher: false },
};

const DS = { type: 'prometheus', uid: '${datasource}' };

// ------------------------------------------------------------ thresholds

function kpiSteps(id) {
  const k = KPI[id];
  if (k.higher) {
    // Below the bound is missed; the guide has no second step for these.
    return [{ color: 'red', value: null }, { color: 'green', value: k.warning }];
  }
  const steps = [{ color: 'green', value: null }, { color: 'orange', value: k.warning }];
  if (k.critical !== null && k.critical !== k.warning) steps.push({ color: 'red', value: k.critical });
  else if (k.critical === k.warning) steps[1].color = 'red';
  return steps;
}

function thresholds(steps) {
  return { mode: 'absolute', steps: steps || [{ color: 'green', value: null }] };
}

// ------------------------------------------------------------ panels

function target(expr, legend = '', extra = {}) {
  return { datasource: DS, editorMode: 'code', expr, legendFormat: legend, range: !extra.instant, ...extra };
}

function withRefIds(targets) {
  return targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i) }));
}

// q: [expr, legend] pairs or target objects.
function targetsOf(q, instant = false) {
  return withRefIds(q.map((t) => (Array.isArray(t)
    ? target(t[0], t[1] || '', instant ? { instant: true } : {}) : t)));
}

function stat(title, q, o = {}) {
  return {
    type: o.gauge ? 'gauge' : 'stat',
    title,
    description: o.description || '',
    datasource: DS,
    gridPos: { w: o.w || 4, h: o.h || 4 },
    targets: targetsOf(q, o.instant !== false),
    fieldConfig: {
      defaults: {
        unit: o.unit || 'short',
        decimals: o.decimals,
        min: o.min, max: o.max,
        thresholds: thresholds(o.kpi ? kpiSteps(o.kpi) : o.steps),
        color: { mode: 'thresholds' },
        noValue: o.noValue || 'no data',
        mappings: o.mappings || [],
      },
      overrides: [],
    },
    options: o.gauge
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        showThresholdLabels: false, showThresholdMarkers: true, orientation: 'auto' }
      : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background', graphMode: 'none', justifyMode: 'auto',
        textMode: 'auto', orientation: 'auto' },
  };
}

function series(title, q, o = {}) {
  return {
    type: 'timeseries',
    title,
    description: o.description || '',
    datasource: DS,
    gridPos: { w: o.w || 12, h: o.h || 8 },
    targets: targetsOf(q),
    fieldConfig: {
      defaults: {
        unit: o.unit || 'short',
        min: o.min, max: o.max,
        thresholds: thresholds(o.kpi ? kpiSteps(o.kpi) : o.steps),
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line', lineWidth: 1, fillOpacity: o.stack ? 30 : 8,
          showPoints: 'never', spanNulls: false,
          stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: (o.kpi || o.steps) ? 'line' : 'off' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'], showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

// An instant table: one row per series, labels as columns.
function table(title, q, o = {}) {
  return {
    type: 'table',
    title,
    description: o.description || '',
    datasource: DS,
    gridPos: { w: o.w || 24, h: o.h || 8 },
    targets: withRefIds(q.map((t) => target(t[0], t[1] || '', { instant: true, format: 'table' }))),
    fieldConfig: {
      defaults: { unit: o.unit || 'short', thresholds: thresholds(o.kpi ? kpiSteps(o.kpi) : o.steps),
        custom: { align: 'auto', cellOptions: { type: o.kpi || o.steps ? 'color-background' : 'auto' } } },
      overrides: [],
    },
    options: { showHeader: true, footer: { show: false, reducer: ['sum'], fields: '' },
      sortBy: o.sortBy ? [{ displayName: o.sortBy, desc: true }] : [] },
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true, __name__: true, ...(o.hide || {}) },
      renameByName: { Value: o.valueName || 'Value' } } }],
  };
}

function row(title) {
  return { type: 'row', title, collapsed: false, gridPos: { w: 24, h: 1 }, panels: [] };
}

// Lays panels out left to right, wrapping at 24 columns, and numbers them.
function layout(panels) {
  let x = 0; let y = 0; let rowH = 0; let id = 1;
  return panels.map((p) => {
    const { w, h } = p.gridPos;
    if (p.type === 'row' || x + w > 24) { y += rowH; x = 0; rowH = 0; }
    const placed = { ...p, id: id++, gridPos: { h, w, x, y } };
    x += w; rowH = Math.max(rowH, h);
    if (p.type === 'row') { y += h; x = 0; rowH = 0; }
    return placed;
  });
}

// ------------------------------------------------------------ variables

function datasourceVar() {
  // Preselects the provisioned data source (uid scout, docs/prometheus.md);
  // any other Prometheus-type data source can be picked.
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus',
    current: { selected: true, text: 'Scout', value: 'scout' },
    hide: 0, refresh: 1, regex: '', options: [], includeAll: false, multi: false };
}

// A label_values() variable: multi-select with "All" (a regex alternation of
// every value, so selectors use =~), or single when o.single.
function labelVar(name, label, metricSelector, o = {}) {
  const query = `label_values(${metricSelector}, ${o.labelName || name})`;
  return {
    name, label, type: 'query', datasource: DS,
    definition: query,
    query: { query, refId: 'StandardVariableQuery' },
    refresh: 2, sort: 1, regex: '', hide: 0,
    includeAll: !o.single, multi: !o.single,
    allValue: o.single ? undefined : '.*',
    current: {}, options: [],
  };
}

function dashboard(uid, title, description, tags, vars, panels, o = {}) {
  return {
    uid, title, description, tags: ['scout', ...tags],
    editable: true, graphTooltip: 1, timezone: '', schemaVersion: 37, version: 1,
    refresh: o.refresh || '30s',
    time: { from: o.from || 'now-6h', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0, liveNow: false, weekStart: '',
    annotations: { list: [{ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' },
      enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' }] },
    links: [{ title: 'Scout dashboards', type: 'dashboards', tags: ['scout'], asDropdown: true,
      includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    templating: { list: [datasourceVar(), ...vars] },
    panels: layout(panels),
  };
}

// ------------------------------------------------------------ dashboards

const H = 'host=~"$host"';
const RI = '$__rate_interval';
const HTTP = 'protocol="http",kind!="api"';

function fleet() {
  const byHost = (expr) => [[expr, '{{host}}']];
  return dashboard('scout-fleet', 'Scout / Fleet overview',
    'The SceneScout guide\'s KPIs over the selected time range, coloured by the thresholds of shared/guide/kpi.h (orange = KPI missed, red = the guide\'s alert bound), then their trends.',
    ['overview', 'kpi'],
    [labelVar('host', 'Host', 'node_cpu_usage_ratio')],
    [
      row('Application (probes of kind != api)'),
      stat('Response time p95', [[`max(quantile_over_time(0.95, scout_probe_duration_seconds{${HTTP}}[$__range]))`]],
        { unit: 's', kpi: 'response_time_p95', description: 'KPI < 2 s (95th percentile): the slowest HTTP probe\'s p95 over the range.' }),
      stat('Error rate', [[`max(1 - avg_over_time(scout_probe_success{${HTTP}}[$__range]))`]],
        { unit: 'percentunit', decimals: 2, kpi: 'error_rate', description: 'KPI < 0.1 % (alert > 1 %): failed share of HTTP probe runs, worst probe.' }),
      stat('Availability', [[`min(avg_over_time(scout_probe_success{${HTTP}}[$__range]))`]],
        { unit: 'percentunit', decimals: 3, kpi: 'availability', description: 'KPI >= 99.9 %: the least available HTTP probe over the range.' }),
      stat('Throughput (API calls logged)', [['sum(scenescout_api_requests_last_hour) / 3600']],
        { unit: 'reqps', description: 'The guide\'s throughput KPI (> 100 requests/s) as far as Scout sees it: API calls in SceneScout\'s api_logs over the last hour, per second. Web request counts are not collected.' }),
      stat('Network latency', [['max(avg_over_time(scout_probe_duration_seconds{protocol="tcp"}[$__range]))']],
        { unit: 's', kpi: 'network_latency', description: 'KPI < 100 ms: TCP connect probes, slowest average.' }),
      stat('Firing alerts', [['sum(scout_collector_alerts{state="firing"})']],
        { steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }], noValue: '0' }),
      row('System resources (hosts selected above)'),
      stat('CPU usage (average, busiest host)', [[`max(avg_over_time(node_cpu_usage_ratio{${H}}[$__range]))`]],
        { unit: 'percentunit', gauge: true, min: 0, max: 1, kpi: 'cpu_usage', w: 6, h: 6 }),
      stat('Memory usage (peak)', [[`max(max_over_time(node_memory_used_ratio{${H}}[$__range]))`]],
        { unit: 'percentunit', gauge: true, min: 0, max: 1, kpi: 'memory_usage', w: 6, h: 6 }),
      stat('Disk usage (peak, fullest filesystem)', [[`max(max_over_time(node_filesystem_used_ratio{${H}}[$__range]))`]],
        { unit: 'percentunit', gauge: true, min: 0, max: 1, kpi: 'disk_usage', w: 6, h: 6 }),
      stat('Agents reporting', [['count(count by (host) (scout_agent_samples_collected_total))']],
        { w: 6, h: 6, steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }], noValue: '0' }),
      row('Database (PostgreSQL targets)'),
      stat('Avg query time', [['max(avg_over_time(scout_postgres_statements_mean_seconds[$__range]))']],
        { unit: 's', kpi: 'db_avg_query_time', w: 6 }),
      stat('Connection pool usage (peak)', [['max(max_over_time(scout_postgres_connections_used_ratio[$__range]))']],
        { unit: 'percentunit', kpi: 'db_connection_usage', w: 6 }),
      stat('Lock wait time (max)', [['max(max_over_time(scout_postgres_lock_wait_max_seconds[$__range]))']],
        { unit: 's', kpi: 'db_lock_wait', w: 6 }),
      stat('Transactions/s', [[`sum(rate(scout_postgres_xact_commit_total[${RI}]))`]],
        { unit: 'ops', w: 6, instant: false, description: 'Guide: "Transaction Rate: monitor for spikes".' }),
      row('Event ingestion (APIs and the SceneScout database)'),
      stat('API response time (slowest API)', [['max(avg_over_time(scout_probe_duration_seconds{kind="api"}[$__range]))']],
        { unit: 's', kpi: 'api_response_time', w: 6 }),
      stat('API success rate (worst API)', [['min(avg_over_time(scout_probe_success{kind="api"}[$__range]))']],
        { unit: 'percentunit', decimals: 1, kpi: 'api_success_rate', w: 6 }),
      stat('Ingestion rate (events, last hour)', [['min(scenescout_events_ingested_last_hour)']],
        { unit: 'short', kpi: 'ingestion_rate', w: 6 }),
      stat('Data freshness (worst lag)', [['max(scenescout_events_freshness_lag_seconds)']],
        { unit: 's', kpi: 'data_freshness', w: 6 }),
      row('Trends'),
      series('HTTP response time p95 by probe', [[`quantile_over_time(0.95, scout_probe_duration_seconds{${HTTP}}[5m])`, '{{probe}}']],
        { unit: 's', kpi: 'response_time_p95' }),
      series('HTTP error rate by probe (5m)', [[`1 - avg_over_time(scout_probe_success{${HTTP}}[5m])`, '{{probe}}']],
        { unit: 'percentunit', kpi: 'error_rate', min: 0 }),
      series('CPU usage by host', byHost(`node_cpu_usage_ratio{${H}}`), { unit: 'percentunit', kpi: 'cpu_usage', min: 0, max: 1 }),
      series('Memory usage by host', byHost(`node_memory_used_ratio{${H}}`), { unit: 'percentunit', kpi: 'memory_usage', min: 0, max: 1 }),
      series('Fullest filesystem by host', byHost(`max by (host) (node_filesystem_used_ratio{${H}})`),
        { unit: 'percentunit', kpi: 'disk_usage', min: 0, max: 1 }),
      series('Load per core by host', byHost(`node_load1_per_core_ratio{${H}}`), { unit: 'short', min: 0 }),
      series('Database avg query time', [['scout_postgres_statements_mean_seconds', '{{target}}']],
        { unit: 's', kpi: 'db_avg_query_time' }),
      series('Events ingested (last hour)', [['scenescout_events_ingested_last_hour', '{{target}}']],
        { unit: 'short', kpi: 'ingestion_rate' }),
      series('Data freshness lag', [['scenescout_events_freshness_lag_seconds', '{{target}}']],
        { unit: 's', kpi: 'data_freshness' }),
    ]);
}

function host() {
  const h = 'host=~"$host"';
  return dashboard('scout-host', 'Scout / Host',
    'One or more hosts in detail: CPU, memory, filesystems, disk I/O, network, load, pressure stall information and processes (docs/metrics.md, the agent\'s host plugins).',
    ['host'],
    [labelVar('host', 'Host', 'node_cpu_count', { single: false })],
    [
      row('Summary'),
      stat('CPUs', [[`node_cpu_count{${h}}`, '{{host}}']], { w: 3 }),
      stat('CPU usage', [[`node_cpu_usage_ratio{${h}}`, '{{host}}']], { unit: 'percentunit', kpi: 'cpu_usage', w: 4 }),
      stat('Memory usage', [[`node_memory_used_ratio{${h}}`, '{{host}}']], { unit: 'percentunit', kpi: 'memory_usage', w: 4 }),
      stat('Fullest filesystem', [[`max by (host) (node_filesystem_used_ratio{${h}})`, '{{host}}']], { unit: 'percentunit', kpi: 'disk_usage', w: 4 }),
      stat('Load 1m per core', [[`node_load1_per_core_ratio{${h}}`, '{{host}}']],
        { w: 3, decimals: 2, steps: [{ color: 'green', value: null }, { color: 'orange', value: 1 }] }),
      stat('Uptime', [[`node_uptime_seconds{${h}}`, '{{host}}']], { unit: 's', w: 3 }),
      stat('Agent connected', [[`scout_agent_connected{${h}}`, '{{host}}']],
        { w: 3, steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] }),
      row('CPU'),
      series('CPU usage', [[`node_cpu_usage_ratio{${h}}`, '{{host}}']], { unit: 'percentunit', kpi: 'cpu_usage', min: 0, max: 1 }),
      series('CPU time by mode', [[`avg by (mode) (node_cpu_mode_ratio{${h},mode!="idle"})`, '{{mode}}']],
        { unit: 'percentunit', stack: true, min: 0 }),
      series('CPU usage per core', [[`node_cpu_core_usage_ratio{${h}}`, '{{host}} cpu{{cpu}}']], { unit: 'percentunit', min: 0, max: 1 }),
      series('Load average', [
        [`node_load1{${h}}`, '{{host}} 1m'], [`node_load5{${h}}`, '{{host}} 5m'], [`node_load15{${h}}`, '{{host}} 15m'],
        [`node_cpu_count{${h}}`, '{{host}} CPUs'],
      ], { min: 0 }),
      series('Context switches and forks /s', [
        [`rate(node_context_switches_total{${h}}[${RI}])`, '{{host}} context switches'],
        [`rate(node_forks_total{${h}}[${RI}])`, '{{host}} forks'],
      ], { unit: 'ops' }),
      series('Pressure: share of time some task waited (avg10)', [
        [`node_pressure_cpu_some_avg10_ratio{${h}}`, '{{host}} cpu'],
        [`node_pressure_memory_some_avg10_ratio{${h}}`, '{{host}} memory'],
        [`node_pressure_io_some_avg10_ratio{${h}}`, '{{host}} io'],
      ], { unit: 'percentunit', min: 0 }),
      row('Memory'),
      series('Memory', [
        [`node_memory_MemTotal_bytes{${h}} - node_memory_MemAvailable_bytes{${h}}`, '{{host}} used'],
        [`node_memory_Cached_bytes{${h}}`, '{{host}} cached'],
        [`node_memory_Buffers_bytes{${h}}`, '{{host}} buffers'],
        [`node_memory_MemFree_bytes{${h}}`, '{{host}} free'],
        [`node_memory_MemTotal_bytes{${h}}`, '{{host}} total'],
      ], { unit: 'bytes', min: 0 }),
      series('Memory usage', [[`node_memory_used_ratio{${h}}`, '{{host}}']], { unit: 'percentunit', kpi: 'memory_usage', min: 0, max: 1 }),
      series('Swap used', [
        [`node_memory_swap_used_bytes{${h}}`, '{{host}} used'], [`node_memory_SwapTotal_bytes{${h}}`, '{{host}} total'],
      ], { unit: 'bytes', min: 0 }),
      series('Major page faults /s and memory stall', [
        [`rate(node_vmstat_pgmajfault{${h}}[${RI}])`, '{{host}} major faults/s'],
        [`rate(node_pressure_memory_stalled_seconds_total{${h}}[${RI}])`, '{{host}} full stall (s/s)'],
      ], { unit: 'short' }),
      row('Filesystems'),
      series('Filesystem usage', [[`node_filesystem_used_ratio{${h}}`, '{{host}} {{mountpoint}}']],
        { unit: 'percentunit', kpi: 'disk_usage', min: 0, max: 1 }),
      series('Inode usage', [[`node_filesystem_inodes_used_ratio{${h}}`, '{{host}} {{mountpoint}}']], { unit: 'percentunit', min: 0, max: 1 }),
      table('Filesystems now', [
        [`node_filesystem_used_ratio{${h}}`],
      ], { unit: 'percentunit', kpi: 'disk_usage', valueName: 'Used', w: 12 }),
      table('Filesystems that did not answer statvfs', [
        [`node_filesystem_device_error{${h}} == 1`],
      ], { w: 12, valueName: 'Error' }),
      series('Available space', [[`node_filesystem_avail_bytes{${h}}`, '{{host}} {{mountpoint}}']], { unit: 'bytes', min: 0 }),
      series('Used space', [[`node_filesystem_used_bytes{${h}}`, '{{host}} {{mountpoint}}']], { unit: 'bytes', min: 0 }),
      row('Disk I/O'),
      series('Disk throughput', [
        [`rate(node_disk_read_bytes_total{${h}}[${RI}])`, '{{host}} {{device}} read'],
        [`-rate(node_disk_written_bytes_total{${h}}[${RI}])`, '{{host}} {{device}} write'],
      ], { unit: 'Bps', description: 'Writes are drawn below zero.' }),
      series('Disk IOPS', [
        [`node_disk_reads_completed_per_second{${h}}`, '{{host}} {{device}} reads'],
        [`-node_disk_writes_completed_per_second{${h}}`, '{{host}} {{device}} writes'],
      ], { unit: 'iops' }),
      series('Disk utilisation', [[`node_disk_io_utilization_ratio{${h}}`, '{{host}} {{device}}']], { unit: 'percentunit', min: 0, max: 1 }),
      series('Disk await', [
        [`node_disk_read_await_seconds{${h}}`, '{{host}} {{device}} read'],
        [`node_disk_write_await_seconds{${h}}`, '{{host}} {{device}} write'],
      ], { unit: 's', min: 0 }),
      series('I/O pressure (time stalled per second)', [
        [`rate(node_pressure_io_waiting_seconds_total{${h}}[${RI}])`, '{{host}} some'],
        [`rate(node_pressure_io_stalled_seconds_total{${h}}[${RI}])`, '{{host}} full'],
      ], { unit: 'percentunit', min: 0 }),
      row('Network'),
      series('Network throughput', [
        [`rate(node_network_receive_bytes_total{${h}}[${RI}])`, '{{host}} {{device}} in'],
        [`-rate(node_network_transmit_bytes_total{${h}}[${RI}])`, '{{host}} {{device}} out'],
      ], { unit: 'Bps', description: 'Transmit is drawn below zero.' }),
      series('Packets /s', [
        [`rate(node_network_receive_packets_total{${h}}[${RI}])`, '{{host}} {{device}} in'],
        [`-rate(node_network_transmit_packets_total{${h}}[${RI}])`, '{{host}} {{device}} out'],
      ], { unit: 'pps' }),
      series('Errors and drops /s', [
        [`rate(node_network_receive_errs_total{${h}}[${RI}]) + rate(node_network_transmit_errs_total{${h}}[${RI}])`, '{{host}} {{device}} errors'],
        [`rate(node_network_receive_drop_total{${h}}[${RI}]) + rate(node_network_transmit_drop_total{${h}}[${RI}])`, '{{host}} {{device}} drops'],
      ], { unit: 'pps', min: 0 }),
      series('TCP connections by state', [[`sum by (host, state) (node_tcp_connections{${h}})`, '{{host}} {{state}}']], { min: 0 }),
      series('TCP retransmits /s', [[`rate(node_netstat_Tcp_RetransSegs{${h}}[${RI}])`, '{{host}}']], { unit: 'ops', min: 0 }),
      series('Sockets', [
        [`node_sockets_listening{${h}}`, '{{host}} listening'],
        [`sum by (host) (node_udp_sockets{${h}})`, '{{host}} udp'],
      ], { min: 0 }),
      row('Processes'),
      series('Processes by state', [[`node_processes_state{${h}}`, '{{host}} {{state}}']], { min: 0 }),
      series('Runnable / blocked / threads', [
        [`node_procs_running{${h}}`, '{{host}} running'], [`node_procs_blocked{${h}}`, '{{host}} blocked'],
        [`node_threads{${h}}`, '{{host}} threads'],
      ], { min: 0 }),
      series('File handles', [[`node_filefd_used_ratio{${h}}`, '{{host}}']], { unit: 'percentunit', min: 0 }),
      series('Process groups: CPU (cores)', [[`scout_process_group_cpu_usage_ratio{${h}}`, '{{host}} {{group}}']], { min: 0 }),
      series('Process groups: resident memory', [[`scout_process_group_resident_memory_bytes{${h}}`, '{{host}} {{group}}']], { unit: 'bytes', min: 0 }),
      series('Process groups: members', [[`scout_process_group_processes{${h}}`, '{{host}} {{group}}']], { min: 0 }),
      table('Top processes by CPU (share of one core)', [[`topk(10, scout_process_cpu_usage_ratio{${h}})`]],
        { w: 12, valueName: 'CPU (cores)' }),
      table('Top processes by resident memory', [[`topk(10, scout_process_resident_memory_bytes{${h}})`]],
        { w: 12, unit: 'bytes', valueName: 'RSS' }),
    ]);
}

function endpoints() {
  const p = 'probe=~"$probe"';
  return dashboard('scout-endpoints', 'Scout / Endpoints and APIs',
    'The agent\'s HTTP and TCP probes (docs/metrics.md, probes plugin) and SceneScout\'s own API figures: success, response times p50/p95/p99, phases, status codes, failures by reason, certificate expiry.',
    ['probes', 'api'],
    [labelVar('probe', 'Probe', 'scout_probe_success')],
    [
      row('Now'),
      table('Probes now', [[`scout_probe_success{${p}}`]],
        { valueName: 'Up', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }], h: 7 }),
      stat('Availability over the range', [[`avg_over_time(scout_probe_success{${p}}[$__range])`, '{{probe}}']],
        { unit: 'percentunit', decimals: 3, kpi: 'availability', w: 12, h: 6 }),
      stat('Certificate expires in', [[`min by (probe) (scout_probe_tls_cert_expiry_timestamp_seconds{${p}}) - time()`, '{{probe}}']],
        { unit: 's', w: 12, h: 6, steps: [{ color: 'red', value: null }, { color: 'orange', value: 7 * 86400 }, { color: 'green', value: 30 * 86400 }],
          description: 'Earliest notAfter in the chain the server presented, minus now. Red below 7 days, orange below 30.' }),
      row('Response time'),
      series('p50', [[`quantile_over_time(0.5, scout_probe_duration_seconds{${p}}[5m])`, '{{probe}}']], { unit: 's', w: 8 }),
      series('p95', [[`quantile_over_time(0.95, scout_probe_duration_seconds{${p}}[5m])`, '{{probe}}']], { unit: 's', w: 8, kpi: 'response_time_p95' }),
      series('p99', [[`quantile_over_time(0.99, scout_probe_duration_seconds{${p}}[5m])`, '{{probe}}']], { unit: 's', w: 8 }),
      series('Duration (newest run)', [[`scout_probe_duration_seconds{${p}}`, '{{probe}}']], { unit: 's' }),
      series('Phases (mean over 5m)', [[`avg by (probe, phase) (avg_over_time(scout_probe_phase_seconds{${p}}[5m]))`, '{{probe}} {{phase}}']],
        { unit: 's', stack: true }),
      row('Errors'),
      series('Success (5m average)', [[`avg_over_time(scout_probe_success{${p}}[5m])`, '{{probe}}']],
        { unit: 'percentunit', min: 0, max: 1, kpi: 'availability' }),
      series('Failures by reason', [[`sum by (probe, reason) (increase(scout_probe_failures_total{${p}}[${RI}]))`, '{{probe}} {{reason}}']],
        { stack: true, min: 0 }),
      series('HTTP status code', [[`scout_probe_http_status_code{${p}}`, '{{probe}}']], { min: 0, decimals: 0 }),
      series('Slow runs (over slow_after)', [[`scout_probe_slow{${p}}`, '{{probe}}']], { min: 0, max: 1 }),
      series('Response size', [[`scout_probe_response_bytes{${p}}`, '{{probe}}']], { unit: 'bytes', min: 0 }),
      row('Event APIs (probes with kind="api", and SceneScout\'s api_logs)'),
      series('API response time (5m mean)', [[`avg_over_time(scout_probe_duration_seconds{${p},kind="api"}[5m])`, '{{probe}}']],
        { unit: 's', kpi: 'api_response_time' }),
      series('API success (1h)', [[`avg_over_time(scout_probe_success{${p},kind="api"}[1h])`, '{{probe}}']],
        { unit: 'percentunit', kpi: 'api_success_rate', min: 0, max: 1 }),
      series('Logged API response time by source', [['scenescout_api_avg_response_seconds', '{{source}}']],
        { unit: 's', kpi: 'api_response_time' }),
      series('Logged API success by source', [['scenescout_api_success_ratio', '{{source}}']],
        { unit: 'percentunit', kpi: 'api_success_rate', min: 0, max: 1 }),
      series('Events ingested per source (last hour)', [['scenescout_source_events_ingested_last_hour', '{{source}}']], { min: 0 }),
      series('Time since last event per source', [['scenescout_source_last_event_age_seconds', '{{source}}']],
        { unit: 's', steps: [{ color: 'green', value: null }, { color: 'red', value: 7200 }] }),
    ]);
}

function postgres() {
  const t = 'target=~"$target"';
  const td = `${t},datname=~"$datname"`;
  return dashboard('scout-postgres', 'Scout / PostgreSQL',
    'The postgres plugin\'s figures (docs/metrics.md, docs/postgres.md): connections, cache hit ratio, transactions, locks, long-running queries, table and index sizes, pg_stat_statements top statements.',
    ['postgres', 'database'],
    [labelVar('target', 'Database server', 'scout_postgres_up'),
      labelVar('datname', 'Database', 'scout_postgres_database_size_bytes{target=~"$target"}')],
    [
      row('Health'),
      stat('Up', [[`scout_postgres_up{${t}}`, '{{target}}']],
        { w: 4, steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }],
          mappings: [{ type: 'value', options: { 0: { text: 'DOWN' }, 1: { text: 'UP' } } }] }),
      stat('Connection usage', [[`scout_postgres_connections_used_ratio{${t}}`, '{{target}}']], { unit: 'percentunit', kpi: 'db_connection_usage', w: 5 }),
      stat('Avg query time', [[`scout_postgres_statements_mean_seconds{${t}}`, '{{target}}']], { unit: 's', kpi: 'db_avg_query_time', w: 5 }),
      stat('Longest lock wait', [[`scout_postgres_lock_wait_max_seconds{${t}}`, '{{target}}']], { unit: 's', kpi: 'db_lock_wait', w: 5 }),
      stat('Oldest query', [[`scout_postgres_oldest_query_seconds{${t}}`, '{{target}}']],
        { unit: 's', w: 5, steps: [{ color: 'green', value: null }, { color: 'orange', value: 300 }] }),
      row('Connections and transactions'),
      series('Connections by state', [[`scout_postgres_connections{${t}}`, '{{target}} {{state}}'],
        [`scout_postgres_max_connections{${t}}`, '{{target}} max_connections']], { min: 0 }),
      series('Connection usage', [[`scout_postgres_connections_used_ratio{${t}}`, '{{target}}']],
        { unit: 'percentunit', kpi: 'db_connection_usage', min: 0, max: 1 }),
      series('Transactions /s', [
        [`rate(scout_postgres_xact_commit_total{${td}}[${RI}])`, '{{datname}} commit'],
        [`rate(scout_postgres_xact_rollback_total{${td}}[${RI}])`, '{{datname}} rollback'],
      ], { unit: 'ops', min: 0 }),
      series('Cache hit ratio', [
        [`scout_postgres_cache_hit_recent_ratio{${td}}`, '{{datname}} recent'],
        [`scout_postgres_cache_hit_ratio{${td}}`, '{{datname}} since reset'],
      ], { unit: 'percentunit', max: 1, steps: [{ color: 'red', value: null }, { color: 'green', value: 0.99 }] }),
      series('Deadlocks and temp files', [
        [`increase(scout_postgres_deadlocks_total{${td}}[${RI}])`, '{{datname}} deadlocks'],
        [`increase(scout_postgres_temp_files_total{${td}}[${RI}])`, '{{datname}} temp files'],
      ], { min: 0 }),
      series('Temp bytes written /s', [[`rate(scout_postgres_temp_bytes_total{${td}}[${RI}])`, '{{datname}}']], { unit: 'Bps', min: 0 }),
      row('Queries'),
      series('Avg statement time', [[`scout_postgres_statements_mean_seconds{${t}}`, '{{target}}']], { unit: 's', kpi: 'db_avg_query_time' }),
      series('Statements /s', [[`rate(scout_postgres_statements_calls_total{${t}}[${RI}])`, '{{target}}']], { unit: 'ops', min: 0 }),
      table('Top statements by time spent (pg_stat_statements)', [[
        `topk(10, rate(scout_postgres_statement_exec_seconds_total{${td}}[${RI}])) * on (target, queryid, datname, user) group_left (query) scout_postgres_statement_info{${td}}`,
      ]], { valueName: 'Exec seconds per second', h: 9,
        description: 'Share of wall time spent in each statement (1 = one backend busy all the time), with its normalised text.' }),
      table('Slowest statements (mean since reset)', [[
        `topk(10, scout_postgres_statement_mean_seconds{${td}}) * on (target, queryid, datname, user) group_left (query) scout_postgres_statement_info{${td}}`,
      ]], { unit: 's', valueName: 'Mean', h: 9, kpi: 'db_avg_query_time' }),
      row('Locks and long-running queries'),
      series('Blocked sessions and longest wait', [
        [`scout_postgres_blocked_sessions{${t}}`, '{{target}} blocked sessions'],
        [`scout_postgres_long_running_queries{${t}}`, '{{target}} long-running queries'],
      ], { min: 0 }),
      series('Longest lock wait', [[`scout_postgres_lock_wait_max_seconds{${t}}`, '{{target}}']], { unit: 's', kpi: 'db_lock_wait', min: 0 }),
      table('Lock waits now (blocked / blocking pairs)', [[`scout_postgres_lock_wait_seconds{${t}}`]],
        { unit: 's', valueName: 'Waiting', kpi: 'db_lock_wait', description: 'Present only while a wait lasts.' }),
      table('Long-running queries now', [[`scout_postgres_long_running_query_seconds{${t}}`]],
        { unit: 's', valueName: 'Running for', description: 'Queries past long_query_threshold (default 5 min).' }),
      row('Tables and indexes'),
      series('Database size', [[`scout_postgres_database_size_bytes{${td}}`, '{{target}} {{datname}}']], { unit: 'bytes', min: 0 }),
      table('Largest tables', [[`topk(20, scout_postgres_table_size_bytes{${td}})`]], { unit: 'bytes', valueName: 'Size', w: 12, h: 10 }),
      table('Largest indexes', [[`topk(20, scout_postgres_index_size_bytes{${td}})`]], { unit: 'bytes', valueName: 'Size', w: 12, h: 10 }),
      table('Dead tuples (share of live)', [[
        `topk(20, scout_postgres_table_dead_tuples{${td}} / (scout_postgres_table_live_tuples{${td}} > 0))`,
      ]], { unit: 'percentunit', valueName: 'Dead / live', w: 12, steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.1 }],
        description: 'Above 10 % of live tuples: VACUUM (docs/postgres.md advice).' }),
      table('Indexes not scanned in the range', [[
        `scout_postgres_index_size_bytes{${td},kind="index"} and on (target, datname, schema, table, index) (increase(scout_postgres_index_scans_total{${td},kind="index"}[$__range]) == 0)`,
      ]], { unit: 'bytes', valueName: 'Size', w: 12, description: 'Non-unique, non-primary indexes with no scan over the selected range: candidates to drop.' }),
      series('Sequential scans /s (top 10 tables)', [[
        `topk(10, rate(scout_postgres_table_seq_scan_total{${td}}[${RI}]))`, '{{datname}}.{{schema}}.{{table}}',
      ]], { unit: 'ops', min: 0 }),
      series('Table writes /s (top 10)', [[
        `topk(10, rate(scout_postgres_table_writes_total{${td}}[${RI}]))`, '{{datname}}.{{schema}}.{{table}}',
      ]], { unit: 'ops', min: 0 }),
    ]);
}

function alerts() {
  return dashboard('scout-alerts', 'Scout / Alerts',
    'Scout\'s own alerting: rules, alerts by state, evaluation failures and notification delivery (collector self-metrics), and the collector\'s alerts as Grafana sees them through /api/v1/rules.',
    ['alerts'],
    [labelVar('receiver', 'Receiver', 'scout_collector_notification_queue')],
    [
      row('Alerts'),
      stat('Firing', [['sum(scout_collector_alerts{state="firing"})']], { w: 4, noValue: '0', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] }),
      stat('Pending', [['sum(scout_collector_alerts{state="pending"})']], { w: 4, noValue: '0', steps: [{ color: 'green', value: null }, { color: 'orange', value: 1 }] }),
      stat('Silenced', [['scout_collector_alerts_silenced']], { w: 4, noValue: '0' }),
      stat('Rules loaded', [['scout_collector_rules']], { w: 4 }),
      stat('Rules file', [['scout_collector_rules_file_ok']], { w: 4,
        steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }],
        mappings: [{ type: 'value', options: { 0: { text: 'REFUSED' }, 1: { text: 'OK' } } }] }),
      stat('Receivers down', [['count(scout_collector_receiver_up == 0)']], { w: 4, noValue: '0', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] }),
      {
        type: 'alertlist', title: 'Scout alerts (from the collector\'s /api/v1/rules)',
        description: 'Needs the data source\'s "Manage alerts via Alerting UI" (jsonData.manageAlerts, set by the provisioned data source).',
        gridPos: { w: 24, h: 8 },
        options: { viewMode: 'list', groupMode: 'default', groupBy: [], maxItems: 50, sortOrder: 1, dashboardAlerts: false,
          alertName: '', alertInstanceLabelFilter: '', folder: '', datasource: '',
          stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true } },
      },
      series('Alerts by state', [['scout_collector_alerts', '{{state}}']], { min: 0, stack: true }),
      series('Rule evaluation failures', [[`sum by (rule) (increase(scout_collector_rule_evaluation_failures_total{rule!=""}[${RI}])) > 0`, '{{rule}}']],
        { min: 0, description: 'Alerts of a failing rule are frozen; `sctl rules` shows the error.' }),
      series('Evaluation cycle time', [['scout_collector_rule_evaluation_cycle_seconds', 'cycle']], { unit: 's', min: 0 }),
      series('Evaluations /s', [[`rate(scout_collector_rule_evaluations_total[${RI}])`, 'evaluations']], { unit: 'ops', min: 0 }),
      row('Notifications'),
      series('Delivered /s', [[`rate(scout_collector_notifications_sent_total{receiver=~"$receiver"}[${RI}])`, '{{receiver}}']], { unit: 'ops', min: 0 }),
      series('Failed requests /s', [[`rate(scout_collector_notification_failures_total{receiver=~"$receiver"}[${RI}])`, '{{receiver}}']], { unit: 'ops', min: 0 }),
      series('Dropped', [[`increase(scout_collector_notifications_dropped_total{receiver=~"$receiver"}[${RI}])`, '{{receiver}}']], { min: 0 }),
      series('Queue', [['scout_collector_notification_queue{receiver=~"$receiver"}', '{{receiver}}']], { min: 0 }),
      series('Receiver up', [['scout_collector_receiver_up{receiver=~"$receiver"}', '{{receiver}}']], { min: 0, max: 1 }),
    ]);
}

function ingestion() {
  const c = 'host="scout-collector"';
  return dashboard('scout-ingestion', 'Scout / Ingestion',
    'The collector\'s self-metrics (host="scout-collector", every 10 s): samples stored, rejections by reason, back-pressure, streams, commits (latency, size), storage size, series and queries; and the agents\' spools.',
    ['collector', 'ingestion'],
    [labelVar('host', 'Agent', 'scout_agent_samples_collected_total')],
    [
      row('Collector'),
      stat('Samples stored /s', [[`sum(rate(scout_collector_samples_stored_total{${c}}[${RI}]))`]], { unit: 'short', w: 4, instant: false }),
      stat('Agents connected', [[`scout_collector_agents_connected{${c}}`]], { w: 4 }),
      stat('Series', [[`scout_collector_series{${c}}`]], { w: 4 }),
      stat('Pending bytes', [[`scout_collector_pending_bytes{${c}}`]], { unit: 'bytes', w: 4 }),
      stat('Commit failures (range)', [[`sum(increase(scout_collector_commit_failures_total{${c}}[$__range]))`]],
        { w: 4, noValue: '0', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] }),
      stat('Queries running', [[`scout_collector_queries_running{${c}}`]], { w: 4 }),
      series('Samples /s', [
        [`rate(scout_collector_samples_stored_total{${c}}[${RI}])`, 'stored'],
        [`sum(rate(scout_collector_samples_rejected_total{${c},reason!=""}[${RI}]))`, 'rejected'],
      ], { unit: 'short', min: 0 }),
      series('Rejected samples /s by reason', [[
        `sum by (reason) (rate(scout_collector_samples_rejected_total{${c},reason!=""}[${RI}]))`, '{{reason}}',
      ]], { unit: 'short', min: 0, stack: true }),
      series('Batches /s', [
        [`rate(scout_collector_batches_received_total{${c}}[${RI}])`, 'received'],
        [`rate(scout_collector_batches_acked_total{${c}}[${RI}])`, 'acked'],
        [`rate(scout_collector_batches_rejected_total{${c}}[${RI}])`, 'rejected'],
      ], { unit: 'ops', min: 0 }),
      series('Commits /s', [
        [`rate(scout_collector_commits_total{${c}}[${RI}])`, 'commits'],
        [`rate(scout_collector_commit_failures_total{${c}}[${RI}])`, 'failures'],
      ], { unit: 'ops', min: 0 }),
      series('Commit latency p50/p99', [
        [`histogram_quantile(0.5, sum by (le) (rate(scout_storage_commit_duration_seconds_bucket{${c}}[${RI}])))`, 'p50'],
        [`histogram_quantile(0.99, sum by (le) (rate(scout_storage_commit_duration_seconds_bucket{${c}}[${RI}])))`, 'p99'],
      ], { unit: 's', min: 0,
        description: 'One group commit of the write queue (the transaction and its fsync); every ack waits for its commit. Quantiles interpolated within the histogram\'s buckets (0.5 ms .. 10 s).' }),
      series('Commit size', [
        [`rate(scout_storage_commit_samples_sum{${c}}[${RI}]) / rate(scout_storage_commit_samples_count{${c}}[${RI}])`, 'samples per commit'],
        [`rate(scout_storage_commit_batches_sum{${c}}[${RI}]) / rate(scout_storage_commit_batches_count{${c}}[${RI}])`, 'batches per commit'],
      ], { min: 0, description: 'Averages over the interval: bigger groups mean fewer fsyncs per sample.' }),
      series('Storage size', [
        [`scout_storage_size_bytes{${c}}`, 'on disk (database + WAL)'],
      ], { unit: 'bytes', min: 0, description: 'Measured every 5 s by the writer\'s maintenance; free pages inside the file included.' }),
      series('Back-pressure', [
        [`scout_collector_pending_bytes{${c}}`, 'pending bytes'],
      ], { unit: 'bytes', min: 0 }),
      series('Queued samples', [
        [`scout_collector_write_queue_samples{${c}}`, 'write queue'],
        [`scout_collector_head_samples{${c}}`, 'head (not yet chunks)'],
      ], { min: 0 }),
      series('Streams', [
        [`scout_collector_ingest_streams{${c}}`, 'open streams'],
        [`scout_collector_agents_connected{${c}}`, 'agents connected'],
      ], { min: 0 }),
      series('Streams refused and closed', [
        [`increase(scout_collector_streams_refused_total{${c}}[${RI}])`, 'refused (max_streams)'],
        [`sum by (reason) (increase(scout_collector_streams_closed_total{${c}}[${RI}]))`, 'closed: {{reason}}'],
        [`increase(scout_collector_frames_invalid_total{${c}}[${RI}])`, 'invalid frames'],
      ], { min: 0 }),
      series('Series', [
        [`scout_collector_series{${c}}`, 'series'],
        [`increase(scout_collector_series_removed_total{${c}}[${RI}])`, 'removed by retention'],
      ], { min: 0 }),
      series('Queries', [
        [`scout_collector_queries_running{${c}}`, 'running'],
        [`sum by (reason) (increase(scout_collector_queries_refused_total{${c}}[${RI}]))`, 'refused: {{reason}}'],
      ], { min: 0 }),
      series('Authentication failures', [[
        `sum by (reason) (increase(scout_collector_auth_failures_total{${c}}[${RI}]))`, '{{reason}}',
      ]], { min: 0 }),
      series('Agent clock skew', [[`scout_collector_agent_clock_skew_seconds{${c}}`, '{{agent}}']], { unit: 's' }),
      row('Agents (hosts selected above)'),
      series('Samples collected /s', [[`rate(scout_agent_samples_collected_total{host=~"$host"}[${RI}])`, '{{host}}']], { unit: 'short', min: 0 }),
      series('Samples acked /s', [[`rate(scout_agent_samples_acked_total{host=~"$host"}[${RI}])`, '{{host}}']], { unit: 'short', min: 0 }),
      series('Spool backlog', [[`scout_agent_spool_batches{host=~"$host"}`, '{{host}}']], { min: 0 }),
      series('Spool size', [[`scout_agent_spool_bytes{host=~"$host"}`, '{{host}}']], { unit: 'bytes', min: 0 }),
      series('Connected', [[`scout_agent_connected{host=~"$host"}`, '{{host}}']], { min: 0, max: 1 }),
      series('Rejected, retried and dropped', [
        [`increase(scout_agent_samples_rejected_total{host=~"$host"}[${RI}])`, '{{host}} samples rejected'],
        [`increase(scout_agent_batches_retried_total{host=~"$host"}[${RI}])`, '{{host}} batches retried'],
        [`increase(scout_agent_spool_dropped_samples_total{host=~"$host"}[${RI}])`, '{{host}} samples dropped (spool bound)'],
        [`increase(scout_agent_spool_write_errors_total{host=~"$host"}[${RI}])`, '{{host}} spool write errors'],
      ], { min: 0 }),
    ]);
}

export const DASHBOARDS = {
  'scout-fleet.json': fleet,
  'scout-host.json': host,
  'scout-endpoints.json': endpoints,
  'scout-postgres.json': postgres,
  'scout-alerts.json': alerts,
  'scout-ingestion.json': ingestion,
};

export function render(build) {
  return `${JSON.stringify(build(), null, 2)}\n`;
}

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  fs.mkdirSync(OUT, { recursive: true });
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    const text = render(build);
    const where = path.join(OUT, file);
    const old = fs.existsSync(where) ? fs.readFileSync(where, 'utf8') : null;
    if (old === text) continue;
    if (check) { console.error(`stale: ${where} (run node deploy/grafana/generate.mjs)`); stale++; continue; }
    fs.writeFileSync(where, text);
    console.log(`wrote ${where}`);
  }
  process.exit(stale ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
