#!/usr/bin/env node
// Runs every query of Scout's Grafana dashboards against a Prometheus HTTP
// API (Scout's collector, or a real Prometheus for --syntax-only) the way
// Grafana's Prometheus data source would, and fails on any error or on a
// panel without data. Plain node, no packages.
//
//   node dashboards_live.mjs --url https://127.0.0.1:9470 [--token-file F]
//        [--ca F] [--minutes 30] [--allow tests/grafana/live_allow_empty.txt]
//        [--dashboards deploy/grafana/dashboards] [--syntax-only]
//
// 1. Template variables, in order: label_values(selector, label) asks
//    /api/v1/label/<label>/values?match[]=<selector> over the window
//    (earlier variables substituted); a variable takes (up to 10 of) the
//    values found, as a regex alternation like Grafana's multi-value
//    variables. A variable without values fails (placeholder with
//    --syntax-only).
// 2. Every panel query, variables substituted, $__rate_interval = 1m,
//    $__interval = 15s, $__range = the window: /api/v1/query_range over the
//    last --minutes at a 15 s step (POST form, as the provisioned data source
//    sends it), and /api/v1/query at the end too for instant targets.
// 3. A panel passes when no query errs and one of them returned a point.
//    Panels listed in --allow ("uid | title glob | reason" lines) may be
//    empty; a listed panel that has data is reported so the list stays
//    short. --syntax-only: errors fail, empty results do not (a Prometheus
//    with no Scout data proves every query parses and evaluates).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import {
  QUERYLESS_PANELS, loadDashboards, panelsOf, parseLabelValues, substitute, variableQuery, variables,
} from './dashboard_queries.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const MAX_VALUES = 10;
const STEP_S = 15;
const REQUEST_TIMEOUT_MS = 30000;

function parseArgs(argv) {
  const out = { minutes: 30, dashboards: path.join(HERE, '../../deploy/grafana/dashboards'), syntaxOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') out.url = argv[++i];
    else if (a === '--token-file') out.tokenFile = argv[++i];
    else if (a === '--ca') out.ca = argv[++i];
    else if (a === '--minutes') out.minutes = Number(argv[++i]);
    else if (a === '--allow') out.allow = argv[++i];
    else if (a === '--dashboards') out.dashboards = argv[++i];
    else if (a === '--syntax-only') out.syntaxOnly = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.url || !(out.minutes > 0)) {
    console.error('usage: dashboards_live.mjs --url URL [--token-file F] [--ca F] [--minutes N] [--allow F] [--syntax-only]');
    process.exit(2);
  }
  return out;
}

// "uid | title glob | reason" lines; # comments.
export function parseAllowList(text) {
  const entries = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const [uid, title, reason] = line.split('|').map((s) => s.trim());
    if (!uid || !title || !reason) throw new Error(`allow list line without uid | title | reason: ${raw}`);
    const re = new RegExp(`^${title.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    entries.push({ uid, title, re, reason, used: false });
  }
  return entries;
}

class Api {
  constructor(url, token, ca) {
    this.base = new URL(url);
    this.token = token;
    this.ca = ca;
  }

  // {status, body(parsed JSON or null), text}
  request(method, apiPath, params) {
    const form = new URLSearchParams();
    for (const [k, v] of params) form.append(k, v);
    const u = new URL(apiPath, this.base);
    if (method === 'GET') u.search = form.toString();
    const body = method === 'POST' ? form.toString() : null;
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== null) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(u, { method, headers, ca: this.ca, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try { json = JSON.parse(text); } catch (e) { /* reported by the caller */ }
          resolve({ status: res.statusCode, body: json, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      if (body !== null) req.write(body);
      req.end();
    });
  }

  // The `data` of a success envelope, or throws with the API's error.
  async call(method, apiPath, params) {
    const r = await this.request(method, apiPath, params);
    if (r.status !== 200 || !r.body || r.body.status !== 'success') {
      const e = r.body && r.body.error ? `${r.body.errorType}: ${r.body.error}` : r.text.slice(0, 300);
      throw new Error(`HTTP ${r.status} ${e}`);
    }
    return r.body.data;
  }
}

function hasPoints(data) {
  if (!data || !Array.isArray(data.result)) return false;
  if (data.resultType === 'scalar') return true;
  return data.result.some((s) => (s.values && s.values.length) || s.value);
}

async function resolveVariables(api, d, window, opts, problems) {
  const values = {};
  const builtins = window.builtins;
  for (const v of variables(d)) {
    if (v.type !== 'query') continue;
    const lv = parseLabelValues(variableQuery(v));
    if (!lv) { problems.push(`variable ${v.name}: not label_values()`); continue; }
    const params = [['start', String(window.start)], ['end', String(window.end)]];
    if (lv.selector) params.push(['match[]', substitute(lv.selector, values, builtins)]);
    let found = [];
    try {
      found = await api.call('GET', `/api/v1/label/${encodeURIComponent(lv.label)}/values`, params);
    } catch (e) {
      problems.push(`variable ${v.name}: ${variableQuery(v)}: ${e.message}`);
    }
    if (!found.length && !opts.syntaxOnly) problems.push(`variable ${v.name}: ${variableQuery(v)} has no values`);
    values[v.name] = found.length ? found.slice(0, MAX_VALUES) : ['placeholder'];
    console.log(`  $${v.name} = ${values[v.name].join(', ')}${found.length > MAX_VALUES ? ` (first ${MAX_VALUES} of ${found.length})` : ''}`);
  }
  return values;
}

async function runPanel(api, p, values, window) {
  const result = { errors: [], data: false, queries: 0 };
  for (const t of p.targets || []) {
    if (!t.expr || t.hide) continue;
    const expr = substitute(t.expr, values, window.builtins);
    const runs = [['/api/v1/query_range', [['query', expr], ['start', String(window.start)], ['end', String(window.end)], ['step', String(STEP_S)]]]];
    if (t.instant) runs.push(['/api/v1/query', [['query', expr], ['time', String(window.end)]]]);
    for (const [apiPath, params] of runs) {
      result.queries++;
      try {
        const data = await api.call('POST', apiPath, params);
        if (hasPoints(data)) result.data = true;
      } catch (e) {
        result.errors.push(`${t.refId} ${apiPath}: ${e.message}\n      query: ${expr}`);
      }
    }
  }
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const token = opts.tokenFile ? fs.readFileSync(opts.tokenFile, 'utf8').trim() : undefined;
  const ca = opts.ca ? fs.readFileSync(opts.ca) : undefined;
  const api = new Api(opts.url, token, ca);
  const allow = opts.allow ? parseAllowList(fs.readFileSync(opts.allow, 'utf8')) : [];
  const end = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S;
  const window = {
    start: end - opts.minutes * 60,
    end,
    builtins: { __rate_interval: '1m', __interval: `${STEP_S}s`, __interval_ms: String(STEP_S * 1000),
      __range: `${opts.minutes}m`, __range_s: String(opts.minutes * 60), __range_ms: String(opts.minutes * 60000) },
  };

  const failures = [];
  let panels = 0; let withData = 0; let queries = 0; const allowedEmpty = [];
  for (const { file, json: d, error } of loadDashboards(opts.dashboards)) {
    if (error) { failures.push(`${file}: ${error}`); continue; }
    console.log(`${d.uid} (${d.title})`);
    const varProblems = [];
    const values = await resolveVariables(api, d, window, opts, varProblems);
    for (const p of varProblems) failures.push(`${d.uid} ${p}`);
    for (const p of panelsOf(d)) {
      if (QUERYLESS_PANELS.has(p.type)) continue;
      panels++;
      const r = await runPanel(api, p, values, window);
      queries += r.queries;
      const name = `${d.uid} | ${p.title}`;
      for (const e of r.errors) failures.push(`${name}: ${e}`);
      if (r.data) {
        withData++;
        const listed = allow.find((a) => a.uid === d.uid && a.re.test(p.title));
        if (listed) { listed.used = true; console.log(`  note: "${p.title}" has data but is in the allow list (${listed.reason})`); }
        continue;
      }
      const listed = allow.find((a) => a.uid === d.uid && a.re.test(p.title));
      if (listed) { listed.used = true; allowedEmpty.push(`${name} (${listed.reason})`); } else if (!opts.syntaxOnly) failures.push(`${name}: no data`);
      else allowedEmpty.push(`${name} (syntax only)`);
    }
  }
  if (!opts.syntaxOnly) for (const a of allowedEmpty) console.log(`  empty, allowed: ${a}`);
  for (const a of allow) if (!a.used) console.log(`  note: allow-list entry "${a.uid} | ${a.title}" matched no panel`);
  for (const f of failures) console.error(`FAIL: ${f}`);
  console.log(`${panels} panels, ${queries} queries, ${withData} panels with data, ${allowedEmpty.length} allowed empty, ${failures.length} failures`);
  if (panels === 0) failures.push('no panels');
  process.exit(failures.length ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => { console.error(`FAIL: ${e.stack || e}`); process.exit(1); });
}
