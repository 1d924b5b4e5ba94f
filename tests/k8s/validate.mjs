// Validates rendered Kubernetes manifests (kustomize build output):
//   1. every object against the Kubernetes API schema (kubernetes-models'
//      JSON schemas: required fields, types, enums, formats),
//   2. no unknown fields at any depth (TypeScript's excess-property check
//      of each object against the API's generated interfaces, tsc --strict),
//   3. Scout's own invariants (see checkInvariants), and
//   4. writes each workload's /etc/scout directory and container args to
//      WORK/configs/<workload>/ for configs_test.sh and host_root_test.sh.
//
//   node validate.mjs --tools WORK/tools --repo ROOT --out WORK/configs FILE.yaml...
//   node validate.mjs --tools WORK/tools --repo ROOT --self-test FILE.yaml
//
// --self-test breaks the manifests in known ways, one at a time, and
// fails unless every break is reported by the check meant to catch it.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = parseArgs(process.argv.slice(2));
const require = createRequire(path.join(args.tools, 'package.json'));
const YAML = require('yaml');

// Scout's node agent may keep these (and only these) capabilities; see
// docs/kubernetes.md "Security" for why each is needed.
const NODE_AGENT_CAPABILITIES = new Set(['SYS_PTRACE', 'DAC_READ_SEARCH']);
const SPOOL_MOUNT = '/var/lib/scout/spool';
const WORKLOAD_KINDS = new Set(['DaemonSet', 'Deployment', 'StatefulSet']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding',
  'PersistentVolume', 'StorageClass', 'PriorityClass']);
// Pod Security "restricted" volume types.
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral',
  'persistentVolumeClaim', 'projected', 'secret'];

function parseArgs(argv) {
  const out = { files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tools') out.tools = path.resolve(argv[++i]);
    else if (a === '--repo') out.repo = path.resolve(argv[++i]);
    else if (a === '--out') out.out = argv[++i];
    else if (a === '--self-test') out.selfTest = true;
    else out.files.push(a);
  }
  if (!out.tools || !out.repo || out.files.length === 0) {
    console.error('usage: validate.mjs --tools DIR --repo DIR [--out DIR | --self-test] FILE...');
    process.exit(2);
  }
  return out;
}

// Kubernetes reads manifests as YAML 1.1 (e.g. 0400 is octal).
function loadDocuments(file) {
  const docs = [];
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj) docs.push(obj);
  }
  return docs;
}

// "apps/v1" + "DaemonSet" -> "kubernetes-models/apps/v1/DaemonSet".
function modelPath(obj) {
  return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

function schemaErrors(obj) {
  // kustomize wraps Secret data at 70 columns; the API server's base64
  // decoder skips the newlines, the schema's "byte" format does not.
  if (obj.kind === 'Secret' && obj.data) {
    obj = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.replace(/\s/g, '')])) };
  }
  let Model;
  try {
    Model = Object.values(require(modelPath(obj))).find((v) => typeof v === 'function');
  } catch (e) {
    return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [e.message];
  }
}

// One TypeScript file per object, `const o: IKind = <object>`: tsc's
// excess-property check rejects any field the API does not define.
function unknownFieldErrors(labelled, workDir) {
  const dir = path.join(workDir, 'typecheck');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const files = [];
  labelled.forEach(({ obj, label }, i) => {
    const file = path.join(dir, `o${i}.ts`);
    const spec = modelPath(obj);
    fs.writeFileSync(file, `// ${label}\nimport type { I${obj.kind} } from ${JSON.stringify(spec)};\n` +
      `export const o: I${obj.kind} = ${JSON.stringify(obj, null, 1)};\n`);
    files.push(file);
  });
  const tsc = path.join(args.tools, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', ...files], { cwd: args.tools, encoding: 'utf8', stdio: 'pipe' });
    return [];
  } catch (e) {
    const byFile = new Map(labelled.map(({ label }, i) => [path.join(dir, `o${i}.ts`), label]));
    return (e.stdout || e.message).split('\n').filter((l) => l.includes('error TS')).map((l) => {
      const file = l.slice(0, l.indexOf('('));
      return `${byFile.get(path.resolve(args.tools, file)) || file}: ${l.slice(l.indexOf('error TS'))}`;
    });
  }
}

// ---------------------------------------------------------------- invariants

function podSpecOf(obj) {
  return obj.spec && obj.spec.template && obj.spec.template.spec;
}

function labelsMatch(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => labels && labels[k] === v);
}

function argValue(container, flag) {
  for (const a of container.args || []) {
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return undefined;
}

function projectVersion() {
  const text = fs.readFileSync(path.join(args.repo, 'CMakeLists.txt'), 'utf8');
  const m = text.match(/project\(scout VERSION ([0-9.]+)/);
  if (!m) throw new Error('project version not found in CMakeLists.txt');
  return m[1];
}

// The files a pod sees under a mount path: the keys of its configMap,
// secret or projected volume, resolved against the rendered objects.
function volumeFiles(volume, byKindName) {
  const sources = volume.projected ? volume.projected.sources : [volume];
  const files = {};
  for (const s of sources) {
    const cm = s.configMap && byKindName.get(`ConfigMap/${s.configMap.name}`);
    const secret = s.secret && byKindName.get(`Secret/${s.secret.secretName || s.secret.name}`);
    if (cm) Object.assign(files, cm.data || {});
    if (secret) {
      for (const [k, v] of Object.entries(secret.data || {})) files[k] = Buffer.from(v, 'base64').toString();
      Object.assign(files, secret.stringData || {});
    }
  }
  return files;
}

function checkInvariants(objects) {
  const errors = [];
  const fail = (where, message) => errors.push(`${where}: ${message}`);
  const version = projectVersion();
  const byKindName = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  if (namespaces.length !== 1) fail('set', `expected one Namespace, found ${namespaces.length}`);
  const namespace = namespaces[0];

  for (const o of objects) {
    const where = `${o.kind}/${o.metadata.name}`;
    if (!CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== namespace) {
      fail(where, `namespace is ${o.metadata.namespace}, not ${namespace}`);
    }
  }

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const collectors = workloads.filter((w) => w.kind === 'StatefulSet' &&
    w.metadata.name === 'scout-collector');
  if (collectors.length !== 1) fail('set', 'expected the StatefulSet scout-collector');
  const collector = collectors[0];
  const collectorService = byKindName.get('Service/scout-collector');
  if (!collectorService) fail('set', 'expected the Service scout-collector');
  if (!objects.some((o) => o.kind === 'DaemonSet')) fail('set', 'expected the agent DaemonSet');
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const configs = {};  // workload name -> {kind, files, args}

  for (const w of workloads) {
    const where = `${w.kind}/${w.metadata.name}`;
    const pod = podSpecOf(w);
    const podLabels = w.spec.template.metadata.labels || {};
    if (!labelsMatch(w.spec.selector.matchLabels, podLabels)) {
      fail(where, 'selector does not match the pod template labels');
    }
    const nodeAgent = pod.hostPID === true;
    if (nodeAgent && w.kind !== 'DaemonSet') fail(where, 'only the node agent DaemonSet may use hostPID');
    if (pod.hostNetwork || pod.hostIPC) fail(where, 'hostNetwork/hostIPC are never needed');
    if (pod.automountServiceAccountToken !== false) {
      fail(where, 'automountServiceAccountToken must be false (Scout never calls the API)');
    }
    const podSeccomp = pod.securityContext && pod.securityContext.seccompProfile;
    const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
    for (const t of (w.spec.volumeClaimTemplates || [])) volumes.set(t.metadata.name, { persistentVolumeClaim: {} });

    for (const v of pod.volumes || []) {
      if (v.hostPath && !nodeAgent) fail(where, `hostPath volume ${v.name} outside the node agent`);
      if (!nodeAgent && !RESTRICTED_VOLUMES.some((t) => t in v)) {
        fail(where, `volume ${v.name} is not a Pod Security "restricted" type`);
      }
      const refs = v.projected ? v.projected.sources : [v];
      for (const s of refs) {
        if (s.configMap && !s.configMap.optional && !byKindName.has(`ConfigMap/${s.configMap.name}`)) {
          fail(where, `volume ${v.name} names ConfigMap ${s.configMap.name}, which is not in the set`);
        }
        const secretName = s.secret && (s.secret.secretName || s.secret.name);
        if (secretName && !s.secret.optional && !byKindName.has(`Secret/${secretName}`)) {
          fail(where, `volume ${v.name} names Secret ${secretName}, which is not in the set`);
        }
      }
    }

    for (const c of [...(pod.initContainers || []), ...pod.containers]) {
      const cw = `${where} container ${c.name}`;
      checkImage(cw, c.image, version, fail);
      const r = c.resources || {};
      for (const [section, key] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']]) {
        if (!r[section] || !r[section][key]) fail(cw, `resources.${section}.${key} is not set`);
      }
      if (!c.readinessProbe) fail(cw, 'readinessProbe is not set');
      if (!c.livenessProbe) fail(cw, 'livenessProbe is not set');
      const sc = c.securityContext;
      if (!sc) {
        fail(cw, 'securityContext is not set');
        continue;
      }
      if (sc.privileged) fail(cw, 'privileged');
      if (sc.allowPrivilegeEscalation !== false) fail(cw, 'allowPrivilegeEscalation must be false');
      if (sc.readOnlyRootFilesystem !== true) fail(cw, 'readOnlyRootFilesystem must be true');
      const caps = sc.capabilities || {};
      if (!(caps.drop || []).includes('ALL')) fail(cw, 'capabilities.drop must include ALL');
      for (const cap of caps.add || []) {
        if (!nodeAgent || !NODE_AGENT_CAPABILITIES.has(cap)) fail(cw, `capability ${cap} may not be added`);
      }
      if (!podSeccomp && !sc.seccompProfile) fail(cw, 'no seccompProfile (RuntimeDefault)');
      const nonRoot = sc.runAsNonRoot ?? (pod.securityContext || {}).runAsNonRoot;
      if (!nodeAgent && nonRoot !== true) fail(cw, 'runAsNonRoot must be true outside the node agent');

      const mounts = new Map();
      for (const m of c.volumeMounts || []) {
        const v = volumes.get(m.name);
        if (!v) {
          fail(cw, `volumeMount ${m.name} has no volume`);
          continue;
        }
        mounts.set(m.mountPath, { mount: m, volume: v });
        if (v.hostPath && m.readOnly !== true && m.mountPath !== SPOOL_MOUNT) {
          fail(cw, `hostPath ${v.hostPath.path} must be mounted readOnly`);
        }
      }
      checkAliveProbes(cw, c, mounts, fail);

      const configArg = argValue(c, '--config');
      if (!configArg) continue;
      const configDir = path.posix.dirname(configArg);
      const configMount = mounts.get(configDir);
      if (!configMount) {
        fail(cw, `--config ${configArg}: nothing is mounted at ${configDir}`);
        continue;
      }
      const files = volumeFiles(configMount.volume, byKindName);
      const configName = path.posix.basename(configArg);
      if (!(configName in files)) {
        fail(cw, `--config ${configArg}: the mounted ConfigMap has no key ${configName}`);
        continue;
      }
      const config = YAML.parse(files[configName]) || {};
      const isCollector = c.image.includes('scout-collector');
      configs[w.metadata.name] = { kind: isCollector ? 'collector' : 'agent', files, args: c.args };
      if (isCollector) {
        checkCollector(cw, w, c, config, files, mounts, collectorService, fail);
      } else {
        checkAgent(cw, w, c, config, nodeAgent, collectorService, policies, namespace, fail);
      }
    }
  }

  if (collector) {
    const collectorLabels = collector.spec.template.metadata.labels;
    for (const o of objects.filter((x) => x.kind === 'Service')) {
      if (!labelsMatch(o.spec.selector, collectorLabels)) {
        fail(`Service/${o.metadata.name}`, 'selector does not select the collector pods');
      }
    }
    const guarding = policies.filter((p) => labelsMatch(p.spec.podSelector.matchLabels, collectorLabels) &&
      (p.spec.policyTypes || ['Ingress']).includes('Ingress'));
    if (guarding.length === 0) fail('NetworkPolicy', 'no NetworkPolicy restricts ingress to the collector');
    for (const w of workloads) {
      if (w === collector) continue;
      if (admittedBy(guarding, w.spec.template.metadata.labels) && !configs[w.metadata.name]) {
        fail(`${w.kind}/${w.metadata.name}`, 'is admitted to the collector but is not a Scout agent');
      }
    }
  }
  return { errors, configs };
}

function checkImage(where, image, version, fail) {
  const m = /^([^@]+?)(?::([\w][\w.-]*))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image || '');
  if (!m) return fail(where, `image ${image} is not a valid reference`);
  const [, name, tag, digest] = m;
  if (!digest && (!tag || tag === 'latest')) return fail(where, `image ${image} is not pinned (tag or digest)`);
  if (/scout-(agent|collector)$/.test(name) && !digest && tag !== version) {
    fail(where, `image ${image}: tag is not the project version ${version}`);
  }
}

// Exec probes of agents must check the file the agent touches each cycle.
function checkAliveProbes(where, c, mounts, fail) {
  const alive = argValue(c, '--alive-file');
  for (const probeName of ['readinessProbe', 'livenessProbe']) {
    const probe = c[probeName];
    if (!probe || !probe.exec) continue;
    const command = probe.exec.command || [];
    const checked = command.find((a) => a.startsWith('--check-alive='));
    if (!checked || checked.slice('--check-alive='.length) !== alive) {
      fail(where, `${probeName} does not check the --alive-file ${alive}`);
    }
  }
  if (alive) {
    const m = mounts.get(path.posix.dirname(alive));
    if (!m || !m.volume.emptyDir) fail(where, `--alive-file ${alive} is not on an emptyDir`);
  }
}

function checkAgent(where, w, c, config, nodeAgent, service, policies, namespace, fail) {
  const [host, port] = String(config.collector || '').split(':');
  const expected = service && `${service.metadata.name}.${namespace}.svc`;
  if (host !== expected) fail(where, `collector address ${config.collector}: expected ${expected}:<port>`);
  if (service && !service.spec.ports.some((p) => String(p.port) === port)) {
    fail(where, `collector port ${port} is not a port of Service ${service.metadata.name}`);
  }
  const guarding = policies.filter((p) => p.spec.podSelector.matchLabels &&
    p.spec.podSelector.matchLabels['app.kubernetes.io/name'] === 'scout-collector');
  if (!admittedBy(guarding, w.spec.template.metadata.labels)) {
    fail(where, 'the collector NetworkPolicy does not admit this agent');
  }
  if (!argValue(c, '--alive-file')) fail(where, 'no --alive-file for its probes');
  // A probe stricter than a few cycles would restart agents that are merely
  // slow (a cycle waits up to plugin_timeout for every plugin).
  const interval = parseSeconds(config.interval || '10s');
  for (const probeName of ['readinessProbe', 'livenessProbe']) {
    const command = ((c[probeName] || {}).exec || {}).command || [];
    const maxAge = command.find((a) => a.startsWith('--max-age='));
    if (maxAge && parseSeconds(maxAge.slice('--max-age='.length)) < 3 * interval) {
      fail(where, `${probeName} ${maxAge} is less than 3 collection intervals (${interval} s)`);
    }
  }
  if (!nodeAgent) return;
  const pod = podSpecOf(w);
  if (argValue(c, '--host-root') !== '/host') fail(where, '--host-root=/host missing');
  if (argValue(c, '--id') !== '$(NODE_NAME)') fail(where, '--id is not the node name');
  const nodeName = (c.env || []).find((e) => e.name === 'NODE_NAME');
  if (!nodeName || !nodeName.valueFrom || nodeName.valueFrom.fieldRef.fieldPath !== 'spec.nodeName') {
    fail(where, 'NODE_NAME does not come from spec.nodeName');
  }
  if (!(pod.tolerations || []).some((t) => t.operator === 'Exists' && !t.key && !t.effect)) {
    fail(where, 'does not tolerate every taint');
  }
  for (const [mountPath, hostPath] of [['/host', '/'], ['/host/proc', '/proc'], ['/host/sys', '/sys']]) {
    const m = (c.volumeMounts || []).find((x) => x.mountPath === mountPath);
    const v = m && (pod.volumes || []).find((x) => x.name === m.name);
    if (!v || !v.hostPath || v.hostPath.path !== hostPath) fail(where, `${hostPath} is not mounted at ${mountPath}`);
  }
  const spool = (c.volumeMounts || []).find((x) => x.mountPath === SPOOL_MOUNT);
  const spoolVolume = spool && (pod.volumes || []).find((x) => x.name === spool.name);
  if (!spoolVolume || !spoolVolume.hostPath) fail(where, 'the spool is not on a hostPath');
  if (argValue(c, '--spool-dir') !== SPOOL_MOUNT) fail(where, `--spool-dir is not ${SPOOL_MOUNT}`);
  const strategy = w.spec.updateStrategy || {};
  if (strategy.type !== 'RollingUpdate') fail(where, 'updateStrategy is not RollingUpdate');
  if ((strategy.rollingUpdate || {}).maxSurge !== 0) {
    fail(where, 'rollingUpdate.maxSurge must be 0 (old and new pod would share the spool)');
  }
}

function checkCollector(where, w, c, config, files, mounts, service, fail) {
  if (w.spec.replicas !== 1) fail(where, `replicas ${w.spec.replicas}: SQLite has exactly one writer`);
  const listenPort = Number(String(config.listen || '').split(':').pop());
  const grpcPort = (c.ports || []).find((p) => p.name === 'grpc');
  if (!grpcPort || grpcPort.containerPort !== listenPort) {
    fail(where, `container port grpc is not the listen port ${listenPort} of collector.yaml`);
  }
  if (!String(config.listen || '').startsWith('0.0.0.0:')) fail(where, 'collector.yaml must listen on 0.0.0.0');
  for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const p = c[probeName];
    if (!p || !p.grpc || p.grpc.port !== listenPort) {
      fail(where, `${probeName} is not a grpc.health.v1 probe on port ${listenPort}`);
    }
  }
  const grace = parseSeconds(config.shutdown_grace || '20s');
  if (!(podSpecOf(w).terminationGracePeriodSeconds > grace)) {
    fail(where, `terminationGracePeriodSeconds must exceed shutdown_grace (${grace} s)`);
  }
  const dbDir = path.posix.dirname((config.storage || {}).path || '');
  const data = mounts.get(dbDir);
  if (!data || !data.volume.persistentVolumeClaim) fail(where, `the database directory ${dbDir} is not on the volume`);
  const rules = (config.alerting || {}).rules_file;
  if (rules && (rules.startsWith('/') || !(rules in files))) {
    fail(where, `alerting.rules_file ${rules} is not a file next to collector.yaml`);
  }
  if (service && !service.spec.ports.some((p) => p.targetPort === 'grpc' || p.targetPort === listenPort)) {
    fail(where, 'the Service does not target the gRPC port');
  }
}

function admittedBy(policies, labels) {
  return policies.some((p) => (p.spec.ingress || []).some((rule) =>
    (rule.from || []).some((peer) => peer.podSelector && !peer.namespaceSelector &&
      labelsMatch(peer.podSelector.matchLabels, labels))));
}

function parseSeconds(text) {
  const m = /^(\d+)(s|m)$/.exec(String(text));
  if (!m) throw new Error(`cannot parse duration ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

// ---------------------------------------------------------------- driver

function validate(objects, label) {
  const errors = [];
  objects.forEach((o, i) => {
    for (const e of schemaErrors(o)) errors.push(`${label} #${i} ${o.kind}/${o.metadata.name}: schema: ${e}`);
  });
  const inv = checkInvariants(objects);
  for (const e of inv.errors) errors.push(`${label}: ${e}`);
  return { errors, configs: inv.configs };
}

function writeConfigs(outDir, configs) {
  for (const [name, { kind, files, args: containerArgs }] of Object.entries(configs)) {
    const dir = path.join(outDir, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'etc-scout'), { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'etc-scout', file), text);
    fs.writeFileSync(path.join(dir, 'kind'), `${kind}\n`);
    fs.writeFileSync(path.join(dir, 'args'), containerArgs.join('\n') + '\n');
  }
}

// Each break names the check that must report it (a substring of the error).
const BREAKS = [
  ['unpinned image', 'is not pinned', (s) => { ds(s).containers[0].image = 'registry.example.com/scout/scout-agent:latest'; }],
  ['image not the project version', 'not the project version', (s) => { ds(s).containers[0].image = 'registry.example.com/scout/scout-agent:0.0.9'; }],
  ['unknown field', 'imagePullPolicyy', (s) => { ds(s).containers[0].imagePullPolicyy = 'Always'; }],
  ['bad enum', 'allowed values', (s) => { ds(s).containers[0].imagePullPolicy = 'Sometimes'; }],
  ['wrong type', 'must be integer', (s) => { sts(s).spec.replicas = 'one'; }],
  ['missing memory limit', 'limits.memory', (s) => { delete ds(s).containers[0].resources.limits.memory; }],
  ['missing liveness probe', 'livenessProbe is not set', (s) => { delete sts(s).spec.template.spec.containers[0].livenessProbe; }],
  ['writable root filesystem', 'readOnlyRootFilesystem', (s) => { ds(s).containers[0].securityContext.readOnlyRootFilesystem = false; }],
  ['extra capability', 'capability SYS_ADMIN', (s) => { ds(s).containers[0].securityContext.capabilities.add.push('SYS_ADMIN'); }],
  ['writable host mount', 'must be mounted readOnly', (s) => { ds(s).containers[0].volumeMounts.find((m) => m.mountPath === '/host/proc').readOnly = false; }],
  ['two collectors', 'exactly one writer', (s) => { sts(s).spec.replicas = 2; }],
  ['probe on another port', 'grpc.health.v1 probe', (s) => { sts(s).spec.template.spec.containers[0].readinessProbe.grpc.port = 7071; }],
  ['grace shorter than shutdown_grace', 'terminationGracePeriodSeconds', (s) => { sts(s).spec.template.spec.terminationGracePeriodSeconds = 10; }],
  ['agent not admitted', 'does not admit this agent', (s) => { delete s.find((o) => o.kind === 'DaemonSet').spec.template.metadata.labels['scout.dev/collector-client']; }],
  ['collector in another namespace', 'collector address', (s) => {
    const cm = s.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('scout-agent-config'));
    cm.data['agent.yaml'] = cm.data['agent.yaml'].replace('scout-collector.scout.svc', 'scout-collector.monitoring.svc');
  }],
  ['missing ConfigMap', 'not in the set', (s) => { s.splice(s.findIndex((o) => o.metadata.name === 'scout-rules'), 1); }],
  ['rolling update with surge', 'maxSurge', (s) => { s.find((o) => o.kind === 'DaemonSet').spec.updateStrategy.rollingUpdate.maxSurge = 1; }],
  ['interval longer than the probe allows', '3 collection intervals', (s) => {
    const cm = s.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('scout-agent-config'));
    cm.data['agent.yaml'] = cm.data['agent.yaml'].replace(/^interval: .*$/m, 'interval: 30s');
  }],
  ['probe not checking the alive file', 'does not check the --alive-file', (s) => { ds(s).containers[0].livenessProbe.exec.command[1] = '--check-alive=/tmp/x'; }],
];
function ds(s) { return podSpecOf(s.find((o) => o.kind === 'DaemonSet')); }
function sts(s) { return s.find((o) => o.kind === 'StatefulSet'); }

function selfTest(objects) {
  let failed = 0;
  for (const [name, expected, mutate] of BREAKS) {
    const broken = structuredClone(objects);
    mutate(broken);
    let errors = validate(broken, name).errors;
    if (expected === 'imagePullPolicyy') {
      errors = unknownFieldErrors(broken.map((obj) => ({ obj, label: name })), args.tools);
    }
    const hit = errors.find((e) => e.includes(expected));
    console.log(`${hit ? 'caught' : 'MISSED'}: ${name}${hit ? ` -> ${hit.slice(0, 160)}` : ''}`);
    if (!hit) failed++;
  }
  return failed;
}

function main() {
  if (args.selfTest) {
    const objects = args.files.flatMap(loadDocuments);
    const clean = validate(objects, 'unbroken').errors;
    if (clean.length) {
      console.error(clean.join('\n'));
      process.exit(1);
    }
    const missed = selfTest(objects);
    console.log(missed ? `${missed} break(s) not caught` : `all ${BREAKS.length} breaks caught`);
    process.exit(missed ? 1 : 0);
  }
  const errors = [];
  const labelled = [];
  for (const file of args.files) {
    const objects = loadDocuments(file);
    const label = path.basename(file);
    const result = validate(objects, label);
    errors.push(...result.errors);
    objects.forEach((obj) => labelled.push({ obj, label: `${label} ${obj.kind}/${obj.metadata.name}` }));
    if (args.out) writeConfigs(path.join(args.out, path.basename(file, '.yaml')), result.configs);
    console.log(`${label}: ${objects.length} objects, ${Object.keys(result.configs).length} workloads with configs`);
  }
  errors.push(...unknownFieldErrors(labelled, args.tools));
  if (errors.length) {
    console.error(errors.join('\n'));
    console.error(`${errors.length} problem(s)`);
    process.exit(1);
  }
  console.log(`all ${labelled.length} objects valid (schema, no unknown fields, invariants)`);
}

main();
