// Validates rendered Kubernetes manifests (kustomize build output):
//   1. every object against the Kubernetes API schema (kubernetes-models'
//      JSON schemas: required fields, types, enums, formats),
//   2. no unknown fields at any depth (TypeScript's excess-property check
//      of each object against the API's generated interfaces, tsc --strict),
//   3. Scout's own invariants (see checkInvariants), and
//   4. writes each workload's /etc/scout directory and container args to
//      WORK/configs/<workload>/ for configs_test.sh and host_root_test.sh.
//
//   node validate.mjs --tools WORK/tools --repo ROOT --out WORK/configs
//        [--base FILE.yaml] [--node-capabilities FILE.yaml]
//        [--grafana FILE.yaml] FILE.yaml...
//   node validate.mjs --tools WORK/tools --repo ROOT --self-test FILE.yaml...
//
// --base FILE: a render of base/ alone, which mounts the TLS and token
// Secrets without creating them (BASE_EXTERNAL_SECRETS); every other render
// must contain every Secret it mounts (or the cert-manager Certificate that
// writes it). --node-capabilities FILE: a render that opted in to the node
// agent's two capabilities (components/node-capabilities); everywhere else
// the node agent must run non-root with no capability added.
// --grafana FILE: a render with overlays/grafana, whose ConfigMaps and
// Secret for an existing Grafana live in Grafana's namespace (checkGrafana);
// everywhere else every object is in Scout's two namespaces.
// --self-test breaks the manifests in known ways, one at a time, and
// fails unless every break is reported by the check meant to catch it
// (each break runs on the file whose name it names: example.yaml unless
// said otherwise).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const args = parseArgs(process.argv.slice(2));
const require = createRequire(path.join(args.tools, 'package.json'));
const YAML = require('yaml');

// By default the node agent runs non-root with no capability added. The
// opt-in components/node-capabilities gives it these two, and only these
// (as uid 0: Kubernetes makes added capabilities effective for root only);
// see docs/kubernetes.md "Security" for what each adds.
const NODE_AGENT_CAPABILITIES = new Set(['SYS_PTRACE', 'DAC_READ_SEARCH']);
// The node agent's spool-owner init step: root with CHOWN only.
const SPOOL_INIT_CAPABILITIES = new Set(['CHOWN']);
const SPOOL_MOUNT = '/var/lib/scout/spool';
const WORKLOAD_KINDS = new Set(['DaemonSet', 'Deployment', 'StatefulSet']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding',
  'PersistentVolume', 'StorageClass', 'PriorityClass', 'ClusterIssuer']);
// What base/ mounts but does not create (secrets/ components, cert-manager).
const BASE_EXTERNAL_SECRETS = new Set(['scout-collector-tls', 'scout-tokens',
  'scout-agent-tls', 'scout-agent-token']);
// cert-manager's cluster resource namespace: the CA Certificate of the
// ClusterIssuer chain lives there, outside Scout's namespaces.
const CERT_MANAGER_NAMESPACE = 'cert-manager';
const ROLES = new Set(['agent', 'reader', 'operator', 'admin']);
// Pod Security "restricted" volume types.
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral',
  'persistentVolumeClaim', 'projected', 'secret'];

function parseArgs(argv) {
  const out = { files: [], base: new Set(), nodeCapabilities: new Set(), grafana: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tools') out.tools = path.resolve(argv[++i]);
    else if (a === '--repo') out.repo = path.resolve(argv[++i]);
    else if (a === '--out') out.out = argv[++i];
    else if (a === '--self-test') out.selfTest = true;
    else if (a === '--base') { out.base.add(argv[++i]); out.files.push(argv[i]); }
    else if (a === '--node-capabilities') { out.nodeCapabilities.add(argv[++i]); out.files.push(argv[i]); }
    else if (a === '--grafana') { out.grafana.add(argv[++i]); out.files.push(argv[i]); }
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

// "apps/v1" + "DaemonSet" -> "kubernetes-models/apps/v1/DaemonSet";
// cert-manager's kinds from @kubernetes-models/cert-manager.
function modelPath(obj) {
  if (obj.apiVersion.startsWith('cert-manager.io/')) {
    return `@kubernetes-models/cert-manager/${obj.apiVersion}/${obj.kind}`;
  }
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

// Objects are keyed Kind/namespace/name ('' namespace when cluster-scoped).
function key(kind, namespace, name) {
  return `${kind}/${CLUSTER_SCOPED.has(kind) ? '' : namespace || ''}/${name}`;
}

// The Secret `name` in `namespace` as {key: text}; a Secret that a
// cert-manager Certificate writes has the keys tls.crt, tls.key and ca.crt
// with unknown (null) content, and so does (for every key) one of the
// Secrets base/ expects from elsewhere when `external`; undefined when
// nothing provides it.
function secretData(byKey, certificates, namespace, name, external = false) {
  const secret = byKey.get(key('Secret', namespace, name));
  if (secret) {
    const data = {};
    for (const [k, v] of Object.entries(secret.data || {})) data[k] = Buffer.from(v, 'base64').toString();
    return Object.assign(data, secret.stringData || {});
  }
  if (certificates.some((c) => c.metadata.namespace === namespace && c.spec.secretName === name)) {
    return { 'tls.crt': null, 'tls.key': null, 'ca.crt': null };
  }
  if (external && BASE_EXTERNAL_SECRETS.has(name)) return { '*': null };
  return undefined;
}

// The files a pod sees under a mount path: the keys of its configMap,
// secret or projected volume (as `items` maps them), resolved against the
// rendered objects. Content null: written by cert-manager at run time.
function volumeFiles(volume, byKey, certificates, namespace, external) {
  const sources = volume.projected ? volume.projected.sources : [volume];
  const files = {};
  for (const s of sources) {
    let data;
    if (s.configMap) {
      const cm = byKey.get(key('ConfigMap', namespace, s.configMap.name));
      data = cm && { ...(cm.data || {}) };
    } else if (s.secret) {
      data = secretData(byKey, certificates, namespace, s.secret.secretName || s.secret.name, external);
    }
    if (!data) continue;
    const items = (s.configMap || s.secret).items;
    if (items) {
      for (const it of items) if (it.key in data || '*' in data) files[it.path] = data[it.key] ?? null;
    } else {
      Object.assign(files, data);
    }
  }
  return files;
}

// The file at an absolute path inside a container: {found, text} where text
// is null for cert-manager's files.
function fileAt(mounts, file) {
  let best;
  for (const [mountPath, m] of mounts) {
    if ((file === mountPath || file.startsWith(`${mountPath}/`)) &&
        (!best || mountPath.length > best[0].length)) best = [mountPath, m];
  }
  if (!best) return { found: false };
  const rel = file.slice(best[0].length + 1);
  const files = best[1].files;
  return rel in files ? { found: true, text: files[rel] } : { found: false };
}

function effective(c, pod, field) {
  const sc = c.securityContext || {};
  return sc[field] ?? (pod.securityContext || {})[field];
}

function checkInvariants(objects, options = {}) {
  const errors = [];
  const fail = (where, message) => errors.push(`${where}: ${message}`);
  const version = projectVersion();
  const byKey = new Map(objects.map((o) => [key(o.kind, o.metadata.namespace, o.metadata.name), o]));
  const namespaceObjects = new Map(objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o]));
  const certificates = objects.filter((o) => o.kind === 'Certificate');

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const collectors = workloads.filter((w) => w.kind === 'StatefulSet' &&
    w.metadata.name === 'scout-collector');
  if (collectors.length !== 1) fail('set', 'expected the StatefulSet scout-collector');
  const collector = collectors[0];
  const collectorNs = collector && collector.metadata.namespace;
  const collectorService = collector && byKey.get(key('Service', collectorNs, 'scout-collector'));
  if (!collectorService) fail('set', 'expected the Service scout-collector in the collector\'s namespace');
  const nodeAgents = workloads.filter((w) => w.kind === 'DaemonSet');
  if (nodeAgents.length === 0) fail('set', 'expected the agent DaemonSet');
  const agentNs = nodeAgents[0] && nodeAgents[0].metadata.namespace;
  const scoutNamespaces = new Set([collectorNs, agentNs].filter(Boolean));

  // Namespaces: the collector's enforces Pod Security `restricted`; only the
  // node agent's may be privileged, and it holds nothing but node agents.
  if (namespaceObjects.size !== scoutNamespaces.size ||
      [...scoutNamespaces].some((n) => !namespaceObjects.has(n))) {
    fail('set', `expected the Namespaces ${[...scoutNamespaces].join(', ')}, found ${[...namespaceObjects.keys()].join(', ')}`);
  }
  const enforce = (n) => ((namespaceObjects.get(n) || {}).metadata || { labels: {} }).labels?.['pod-security.kubernetes.io/enforce'];
  if (collectorNs && enforce(collectorNs) !== 'restricted') {
    fail(`Namespace/${collectorNs}`, `the collector's namespace must enforce Pod Security "restricted" (is ${enforce(collectorNs)})`);
  }
  if (collectorNs && collectorNs === agentNs) {
    fail(`Namespace/${collectorNs}`, 'the node agent (privileged namespace) and the collector (restricted) share a namespace');
  }
  for (const w of workloads) {
    if (w.kind !== 'DaemonSet' && w.metadata.namespace === agentNs) {
      fail(`${w.kind}/${w.metadata.name}`, `only the node agent runs in the privileged namespace ${agentNs}`);
    }
  }

  const grafanaNs = options.grafana ? grafanaNamespace(objects) : undefined;
  for (const o of objects) {
    const where = `${o.kind}/${o.metadata.name}`;
    const ns = o.metadata.namespace;
    if (CLUSTER_SCOPED.has(o.kind)) continue;
    if (grafanaNs && ns === grafanaNs && isGrafanaProvisioning(o)) continue;
    if (o.apiVersion.startsWith('cert-manager.io/') && ns === CERT_MANAGER_NAMESPACE) continue;
    if (!scoutNamespaces.has(ns)) fail(where, `namespace is ${ns}, not one of ${[...scoutNamespaces].join(', ')}`);
  }

  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const configs = {};  // workload name -> {kind, files, args}
  const agentTokens = [];  // {where, id, token, nodeAgent}
  let tokensFile;  // the collector's tokens.yaml text
  let collectorConfig;  // the collector's parsed collector.yaml
  let collectorContainer;

  for (const w of workloads) {
    const where = `${w.kind}/${w.metadata.name}`;
    const ns = w.metadata.namespace;
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
        if (s.configMap && !s.configMap.optional && !byKey.has(key('ConfigMap', ns, s.configMap.name))) {
          fail(where, `volume ${v.name} names ConfigMap ${s.configMap.name}, which is not in the set`);
        }
        const secretName = s.secret && (s.secret.secretName || s.secret.name);
        if (secretName && !s.secret.optional && !secretData(byKey, certificates, ns, secretName, options.base)) {
          fail(where, `volume ${v.name} names Secret ${secretName}, which is not in the set`);
        }
      }
    }

    const initNames = new Set((pod.initContainers || []).map((c) => c.name));
    for (const c of [...(pod.initContainers || []), ...pod.containers]) {
      const isInit = initNames.has(c.name);
      const cw = `${where} ${isInit ? 'initContainer' : 'container'} ${c.name}`;
      checkImage(cw, c.image, version, fail);
      const r = c.resources || {};
      for (const [section, k] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']]) {
        if (!r[section] || !r[section][k]) fail(cw, `resources.${section}.${k} is not set`);
      }
      if (!isInit) {
        if (!c.readinessProbe) fail(cw, 'readinessProbe is not set');
        if (!c.livenessProbe) fail(cw, 'livenessProbe is not set');
      }
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
      if (!podSeccomp && !sc.seccompProfile) fail(cw, 'no seccompProfile (RuntimeDefault)');
      const nonRoot = effective(c, pod, 'runAsNonRoot') === true && effective(c, pod, 'runAsUser') !== 0;
      const added = caps.add || [];
      if (nodeAgent && isInit) {
        // The spool-owner step: the only root process, CHOWN only, sees
        // only the spool, runs chown.
        for (const cap of added) {
          if (!SPOOL_INIT_CAPABILITIES.has(cap)) fail(cw, `capability ${cap} may not be added (init: CHOWN only)`);
        }
        if (!nonRoot) {
          const command = c.command || [];
          if (command[0] !== 'chown' || command[command.length - 1] !== SPOOL_MOUNT) {
            fail(cw, `a root init container may only chown ${SPOOL_MOUNT}`);
          }
          if ((c.volumeMounts || []).some((m) => m.mountPath !== SPOOL_MOUNT)) {
            fail(cw, 'a root init container may mount only the spool');
          }
        }
      } else if (nodeAgent && options.nodeCapabilities) {
        // Opted in (components/node-capabilities): uid 0 with at most the two.
        for (const cap of added) {
          if (!NODE_AGENT_CAPABILITIES.has(cap)) fail(cw, `capability ${cap} may not be added`);
        }
      } else if (nodeAgent) {
        if (!nonRoot) fail(cw, 'the node agent runs as root (runAsNonRoot true and a non-zero runAsUser required; root is the opt-in components/node-capabilities)');
        for (const cap of added) fail(cw, `capability ${cap} may not be added to the node agent (opt-in: components/node-capabilities)`);
      } else {
        if (!nonRoot) fail(cw, 'runAsNonRoot must be true (and runAsUser non-zero) outside the node agent');
        for (const cap of added) fail(cw, `capability ${cap} may not be added`);
      }

      const mounts = new Map();
      for (const m of c.volumeMounts || []) {
        const v = volumes.get(m.name);
        if (!v) {
          fail(cw, `volumeMount ${m.name} has no volume`);
          continue;
        }
        mounts.set(m.mountPath, { mount: m, volume: v, files: volumeFiles(v, byKey, certificates, ns, options.base) });
        if (v.hostPath && m.readOnly !== true && m.mountPath !== SPOOL_MOUNT) {
          fail(cw, `hostPath ${v.hostPath.path} must be mounted readOnly`);
        }
      }
      if (isInit) continue;
      checkAliveProbes(cw, c, mounts, fail);

      const configArg = argValue(c, '--config');
      if (!configArg) continue;
      const configDir = path.posix.dirname(configArg);
      const configMount = mounts.get(configDir);
      if (!configMount) {
        fail(cw, `--config ${configArg}: nothing is mounted at ${configDir}`);
        continue;
      }
      const files = configMount.files;
      const configName = path.posix.basename(configArg);
      if (!(configName in files)) {
        fail(cw, `--config ${configArg}: the mounted ConfigMap has no key ${configName}`);
        continue;
      }
      const config = YAML.parse(files[configName]) || {};
      const isCollector = c.image.includes('scout-collector');
      const mounted = Object.fromEntries([...mounts].filter(([, m]) => !m.volume.hostPath && !m.volume.emptyDir &&
        !m.volume.persistentVolumeClaim).map(([p, m]) => [p, m.files]));
      configs[w.metadata.name] = { kind: isCollector ? 'collector' : 'agent', files, args: c.args, mounted };
      if (isCollector) {
        checkCollector(cw, w, c, config, files, mounts, collectorService, fail);
        checkHttpListener(cw, c, config, collectorService, fail);
        collectorConfig = config;
        collectorContainer = c;
        const t = config.auth && config.auth.tokens_file && fileAt(mounts, config.auth.tokens_file);
        if (t && t.found) tokensFile = t.text;
      } else {
        checkAgent(cw, w, c, config, nodeAgent, collectorService, policies, fail);
        const tls = checkAgentSecurity(cw, config, mounts, fail);
        if (tls) agentTokens.push({ where: cw, id: argValue(c, '--id'), nodeAgent, ...tls });
      }
    }
  }

  checkCertificates(byKey, certificates, collectorService, agentTokens, fail);
  if (tokensFile) checkTokens(tokensFile, agentTokens, fail);
  if (options.grafana) {
    checkGrafana({ objects, byKey, grafanaNs, collector, collectorService, collectorConfig,
      collectorContainer, tokensFile, policies }, fail);
  }

  if (collector) {
    const collectorLabels = collector.spec.template.metadata.labels;
    for (const o of objects.filter((x) => x.kind === 'Service')) {
      if (!labelsMatch(o.spec.selector, collectorLabels)) {
        fail(`Service/${o.metadata.name}`, 'selector does not select the collector pods');
      }
    }
    const guarding = policies.filter((p) => p.metadata.namespace === collectorNs &&
      labelsMatch(p.spec.podSelector.matchLabels, collectorLabels) &&
      (p.spec.policyTypes || ['Ingress']).includes('Ingress'));
    if (guarding.length === 0) fail('NetworkPolicy', 'no NetworkPolicy restricts ingress to the collector');
    for (const w of workloads) {
      if (w === collector) continue;
      if (admittedBy(guarding, w, namespaceObjects) && !configs[w.metadata.name]) {
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

function checkAgent(where, w, c, config, nodeAgent, service, policies, fail) {
  const [host, port] = String(config.collector || '').split(':');
  const expected = service && `${service.metadata.name}.${service.metadata.namespace}.svc`;
  if (host !== expected) fail(where, `collector address ${config.collector}: expected ${expected}:<port>`);
  if (service && !service.spec.ports.some((p) => String(p.port) === port)) {
    fail(where, `collector port ${port} is not a port of Service ${service.metadata.name}`);
  }
  const guarding = policies.filter((p) => service && p.metadata.namespace === service.metadata.namespace &&
    p.spec.podSelector.matchLabels &&
    p.spec.podSelector.matchLabels['app.kubernetes.io/name'] === 'scout-collector');
  if (!admittedBy(guarding, w)) {
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

// An agent talks to the collector over TLS, verifying it with a mounted CA,
// and authenticates with a token mounted from a Secret. Returns
// {serverName, ca, token} for the certificate and tokens checks.
function checkAgentSecurity(where, config, mounts, fail) {
  if (config.insecure === true) fail(where, 'insecure: true (plaintext to the collector)');
  const tls = config.tls;
  if (!tls || typeof tls !== 'object') {
    fail(where, 'no tls section: talks to the collector in plaintext');
    return undefined;
  }
  let ca;
  if (!tls.ca_file) {
    fail(where, 'tls.ca_file is not set (the collector\'s certificate comes from a private CA)');
  } else {
    const f = fileAt(mounts, tls.ca_file);
    if (!f.found) fail(where, `tls.ca_file ${tls.ca_file} is not a mounted file`);
    else ca = f.text;
  }
  let token;
  if (!config.token_file) {
    fail(where, 'no token_file: the collector requires a token');
  } else {
    const f = fileAt(mounts, config.token_file);
    const m = [...mounts.entries()].find(([p]) => config.token_file.startsWith(`${p}/`));
    if (!f.found) fail(where, `token_file ${config.token_file} is not a mounted file`);
    else if (!m || !(m[1].volume.secret || m[1].volume.projected)) fail(where, `token_file ${config.token_file} is not from a Secret`);
    else token = f.text;
  }
  const serverName = tls.server_name || String(config.collector || '').split(':')[0];
  return { serverName, ca, token };
}

// The collector's certificate names what agents expect (server_name), is
// signed by the CA the agents trust and is valid now (Secrets made by
// gen-certs.sh); cert-manager Certificates renew before they expire.
function checkCertificates(byKey, certificates, service, agentTokens, fail) {
  const ns = service && service.metadata.namespace;
  for (const c of certificates) {
    const where = `Certificate/${c.metadata.name}`;
    const spec = c.spec || {};
    if (!spec.duration || !spec.renewBefore) {
      fail(where, 'duration and renewBefore must be set (renewal is what rotates it)');
    } else if (!(parseHours(spec.renewBefore) < parseHours(spec.duration))) {
      fail(where, `renewBefore ${spec.renewBefore} is not shorter than duration ${spec.duration}`);
    }
  }
  const serverCert = certificates.find((c) => c.metadata.namespace === ns && c.spec.secretName === 'scout-collector-tls');
  const serverSecret = byKey.get(key('Secret', ns, 'scout-collector-tls'));
  for (const a of agentTokens) {
    if (serverCert) {
      const names = [...(serverCert.spec.dnsNames || []), serverCert.spec.commonName];
      if (!names.includes(a.serverName)) {
        fail(`Certificate/${serverCert.metadata.name}`, `dnsNames do not include ${a.serverName}, the name ${a.where} expects`);
      }
    }
    if (serverSecret) {
      const crt = Buffer.from((serverSecret.data || {})['tls.crt'] || '', 'base64');
      let cert;
      try {
        cert = new crypto.X509Certificate(crt);
      } catch (e) {
        fail('Secret/scout-collector-tls', `tls.crt is not a certificate: ${e.message}`);
        return;
      }
      const sans = (cert.subjectAltName || '').split(', ').map((s) => s.replace(/^DNS:/, ''));
      if (!sans.includes(a.serverName)) {
        fail('Secret/scout-collector-tls', `tls.crt does not name ${a.serverName}, the name ${a.where} expects`);
      }
      const now = Date.now();
      if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now) {
        fail('Secret/scout-collector-tls', `tls.crt is not valid now (${cert.validFrom} .. ${cert.validTo})`);
      }
      if (a.ca) {
        let ok = false;
        try {
          ok = cert.verify(new crypto.X509Certificate(Buffer.from(a.ca)).publicKey);
        } catch (e) { /* not a certificate: reported below */ }
        if (!ok) fail(a.where, 'tls.ca_file did not sign the collector\'s certificate');
      }
    }
  }
}

// tokens.yaml: only hashes; every agent's token is in it with role agent
// and bound to the agent's id; Deployment agents do not share a token with
// the node agents (each is bound to its own id).
function checkTokens(text, agentTokens, fail) {
  const where = 'Secret/scout-tokens';
  let doc;
  try {
    doc = YAML.parse(text) || {};
  } catch (e) {
    return fail(where, `tokens.yaml does not parse: ${e.message}`);
  }
  const entries = Array.isArray(doc.tokens) ? doc.tokens : [];
  if (entries.length === 0) fail(where, 'tokens.yaml has no tokens');
  const byHash = new Map();
  for (const t of entries) {
    const p = `tokens.yaml principal ${t.principal}`;
    if (!t.principal) fail(where, 'tokens.yaml: an entry without principal');
    if (!ROLES.has(t.role)) fail(where, `${p}: role ${t.role} is not one of ${[...ROLES].join(', ')}`);
    if (!/^[0-9a-f]{64}$/.test(String(t.sha256 || ''))) fail(where, `${p}: sha256 is not 64 hex digits`);
    if (t.token !== undefined || t.value !== undefined) fail(where, `${p}: holds a token, not only its hash`);
    if (t.role === 'agent' && !(Array.isArray(t.agent_ids) && t.agent_ids.length)) {
      fail(where, `${p}: role agent needs agent_ids`);
    }
    byHash.set(t.sha256, t);
  }
  const nodeHashes = new Set();
  for (const a of agentTokens) {
    if (a.token === undefined || a.token === null) continue;
    const hash = crypto.createHash('sha256').update(a.token.trim()).digest('hex');
    const t = byHash.get(hash);
    if (!t) {
      fail(a.where, 'its token is not in tokens.yaml');
      continue;
    }
    if (t.role !== 'agent') fail(a.where, `its token has role ${t.role}, not agent`);
    if (a.nodeAgent) {
      nodeHashes.add(hash);
    } else if (!(t.agent_ids || []).some((g) => globMatch(g, a.id || ''))) {
      fail(a.where, `its token (principal ${t.principal}) is not bound to its agent id ${a.id}`);
    } else if ((t.agent_ids || []).some((g) => g.includes('*'))) {
      fail(a.where, `its token (principal ${t.principal}) is bound to a pattern, not to its id ${a.id}`);
    }
  }
  for (const a of agentTokens) {
    if (a.nodeAgent || !a.token) continue;
    if (nodeHashes.has(crypto.createHash('sha256').update(a.token.trim()).digest('hex'))) {
      fail(a.where, 'shares the node agents\' token (give it its own, bound to its id)');
    }
  }
}

function globMatch(glob, text) {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}

function checkCollector(where, w, c, config, files, mounts, service, fail) {
  if (w.spec.replicas !== 1) fail(where, `replicas ${w.spec.replicas}: SQLite has exactly one writer`);
  const listenPort = Number(String(config.listen || '').split(':').pop());
  const grpcPort = (c.ports || []).find((p) => p.name === 'grpc');
  if (!grpcPort || grpcPort.containerPort !== listenPort) {
    fail(where, `container port grpc is not the listen port ${listenPort} of collector.yaml`);
  }
  if (!String(config.listen || '').startsWith('0.0.0.0:')) fail(where, 'collector.yaml must listen on 0.0.0.0');
  // TLS + auth on the gRPC port; the kubelet probes the plaintext
  // health-only port.
  if (config.insecure === true) fail(where, 'collector.yaml: insecure: true');
  const tls = config.tls;
  if (!tls || typeof tls !== 'object') {
    fail(where, 'collector.yaml has no tls section (plaintext gRPC port)');
  } else {
    for (const k of ['cert_file', 'key_file']) {
      if (!tls[k]) fail(where, `collector.yaml: tls.${k} is not set`);
      else if (!fileAt(mounts, tls[k]).found) fail(where, `tls.${k} ${tls[k]} is not a mounted file`);
    }
    if (tls.client_ca_file && !fileAt(mounts, tls.client_ca_file).found) {
      fail(where, `tls.client_ca_file ${tls.client_ca_file} is not a mounted file`);
    }
  }
  const auth = config.auth;
  if (!auth || typeof auth !== 'object' || (!auth.tokens_file && !auth.certificates)) {
    fail(where, 'collector.yaml has no auth section (every caller would be admin)');
  } else if (auth.tokens_file && !fileAt(mounts, auth.tokens_file).found) {
    fail(where, `auth.tokens_file ${auth.tokens_file} is not a mounted file`);
  }
  const healthPort = Number(String(config.health_listen || '').split(':').pop());
  if (!config.health_listen || !healthPort) {
    fail(where, 'collector.yaml: no health_listen (the kubelet\'s gRPC probes cannot do TLS)');
  } else if (healthPort === listenPort) {
    fail(where, 'health_listen must differ from listen');
  }
  const healthContainerPort = (c.ports || []).find((p) => p.name === 'health');
  if (healthPort && (!healthContainerPort || healthContainerPort.containerPort !== healthPort)) {
    fail(where, `container port health is not the health_listen port ${healthPort}`);
  }
  for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const p = c[probeName];
    if (!p || !p.grpc || p.grpc.port !== healthPort) {
      fail(where, `${probeName} is not a grpc.health.v1 probe on the health port ${healthPort}`);
    }
  }
  if (service && service.spec.ports.some((p) => p.targetPort === 'health' || p.targetPort === healthPort)) {
    fail(where, 'the Service exposes the plaintext health port');
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

// The collector's HTTP listener (collector.yaml http.listen, issue 17): off
// unless configured; when on, on 0.0.0.0 (the pod's IP), a different port
// than gRPC and health, the container port `http`; a Service port aimed at
// `http` needs it on.
function checkHttpListener(where, c, config, service, fail) {
  const listen = config.http && config.http.listen;
  const httpPort = (c.ports || []).find((p) => p.name === 'http');
  const serviceHttp = service && service.spec.ports.find((p) => p.targetPort === 'http' ||
    (httpPort && p.targetPort === httpPort.containerPort));
  if (!listen) {
    if (serviceHttp) fail(where, `the Service port ${serviceHttp.port} targets http, but collector.yaml has no http.listen`);
    return;
  }
  const port = Number(String(listen).split(':').pop());
  if (!String(listen).startsWith('0.0.0.0:')) fail(where, `collector.yaml http.listen ${listen} must be on 0.0.0.0`);
  if (!httpPort || httpPort.containerPort !== port) fail(where, `container port http is not the http.listen port ${port} of collector.yaml`);
  if (port === Number(String(config.listen || '').split(':').pop()) ||
      port === Number(String(config.health_listen || '').split(':').pop())) {
    fail(where, `http.listen port ${port} is also the gRPC or health port`);
  }
}

const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
const GRAFANA_DATASOURCE_LABEL = 'grafana_datasource';
// A secureJsonData value Grafana expands from its environment: nothing
// secret in the ConfigMap itself.
const ENV_REFERENCE = /^(Bearer )?\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|__env\{[A-Za-z_][A-Za-z0-9_]*\})$/;

function isGrafanaProvisioning(o) {
  const labels = o.metadata.labels || {};
  return (o.kind === 'ConfigMap' && (labels[GRAFANA_DASHBOARD_LABEL] === '1' || labels[GRAFANA_DATASOURCE_LABEL] === '1')) ||
    (o.kind === 'Secret' && o.metadata.name === 'scout-grafana');
}

// Grafana's namespace: the one of the data source ConfigMap.
function grafanaNamespace(objects) {
  const ds = objects.find((o) => o.kind === 'ConfigMap' && (o.metadata.labels || {})[GRAFANA_DATASOURCE_LABEL] === '1');
  return ds && ds.metadata.namespace;
}

// overlays/grafana: dashboards as JSON ConfigMaps with unique uids, one
// Prometheus data source aimed at the collector's HTTPS port whose secrets
// are environment references only, the Secret scout-grafana with a reader
// token that tokens.yaml knows and the CA that signed the collector's
// certificate, and a NetworkPolicy that lets Grafana's namespace in on
// that port.
function checkGrafana(g, fail) {
  const { objects, byKey, grafanaNs, collectorService, collectorConfig, collectorContainer, tokensFile, policies } = g;
  if (!grafanaNs) return fail('grafana', `no ConfigMap labelled ${GRAFANA_DATASOURCE_LABEL}: "1"`);
  const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && (o.metadata.labels || {})[GRAFANA_DASHBOARD_LABEL] === '1');
  if (dashboards.length < 6) fail('grafana', `${dashboards.length} dashboard ConfigMaps, expected the 6 of deploy/grafana`);
  const uids = new Map();
  for (const cm of dashboards) {
    const where = `ConfigMap/${cm.metadata.name}`;
    if (cm.metadata.namespace !== grafanaNs) fail(where, `namespace ${cm.metadata.namespace}, not Grafana's ${grafanaNs}`);
    if (/-[a-z0-9]{10}$/.test(cm.metadata.name)) fail(where, 'hash-suffixed name: the sidecar would keep the old one too (same uid twice)');
    for (const [k, text] of Object.entries(cm.data || {})) {
      if (!k.endsWith('.json')) { fail(where, `key ${k} is not a .json file`); continue; }
      let d;
      try { d = JSON.parse(text); } catch (e) { fail(where, `${k} is not JSON: ${e.message}`); continue; }
      if (uids.has(d.uid)) fail(where, `dashboard uid ${d.uid} also in ${uids.get(d.uid)}`);
      uids.set(d.uid, where);
    }
  }

  const dsMaps = objects.filter((o) => o.kind === 'ConfigMap' && (o.metadata.labels || {})[GRAFANA_DATASOURCE_LABEL] === '1');
  const sources = [];
  for (const cm of dsMaps) {
    for (const [k, text] of Object.entries(cm.data || {})) {
      let doc;
      try { doc = YAML.parse(text) || {}; } catch (e) { fail(`ConfigMap/${cm.metadata.name}`, `${k} does not parse: ${e.message}`); continue; }
      for (const d of doc.datasources || []) sources.push({ where: `ConfigMap/${cm.metadata.name} datasource ${d.name}`, d });
    }
  }
  const scout = sources.filter((s) => s.d.type === 'prometheus');
  if (scout.length !== 1) return fail('grafana', `${scout.length} prometheus data sources, expected 1`);
  const { where, d } = scout[0];
  const jd = d.jsonData || {};
  const secure = d.secureJsonData || {};
  for (const [k, v] of Object.entries(secure)) {
    if (!ENV_REFERENCE.test(String(v))) fail(where, `secureJsonData.${k} is not an environment reference ($VAR): a secret in a ConfigMap`);
  }
  for (const k of ['basicAuthPassword', 'password']) if (d[k] !== undefined) fail(where, `${k} in plain text`);
  if (jd.tlsAuthWithCACert !== true || !secure.tlsCACert) fail(where, 'jsonData.tlsAuthWithCACert and secureJsonData.tlsCACert must be set (verify the collector)');
  if (jd.tlsSkipVerify) fail(where, 'tlsSkipVerify');
  const header = Object.keys(jd).find((k) => /^httpHeaderName\d+$/.test(k) && jd[k] === 'Authorization');
  if (!header || !/^Bearer /.test(String(secure[header.replace('Name', 'Value')] || ''))) {
    fail(where, 'no Authorization: Bearer header (jsonData.httpHeaderNameN / secureJsonData.httpHeaderValueN)');
  }
  let url;
  try { url = new URL(d.url); } catch (e) { return fail(where, `url ${d.url} does not parse`); }
  const svc = collectorService;
  const httpListen = collectorConfig && collectorConfig.http && collectorConfig.http.listen;
  const svcPort = svc && svc.spec.ports.find((p) => String(p.port) === url.port);
  const httpContainerPort = collectorContainer && (collectorContainer.ports || []).find((p) => p.name === 'http');
  if (url.protocol !== 'https:') fail(where, `datasource url ${d.url} is not https`);
  if (!svc || url.hostname !== `${svc.metadata.name}.${svc.metadata.namespace}.svc`) {
    fail(where, `datasource url ${d.url} is not the collector Service (${svc && `${svc.metadata.name}.${svc.metadata.namespace}.svc`})`);
  } else if (!svcPort || !(svcPort.targetPort === 'http' || (httpContainerPort && svcPort.targetPort === httpContainerPort.containerPort))) {
    fail(where, `datasource url ${d.url}: port ${url.port} is not a Service port aimed at the collector's http port`);
  } else if (!httpListen) {
    fail(where, 'the collector has no http.listen');
  }
  const serverName = jd.serverName || url.hostname;

  const secret = byKey.get(key('Secret', grafanaNs, 'scout-grafana'));
  if (!secret) return fail('grafana', `no Secret scout-grafana in ${grafanaNs} (token, ca.crt)`);
  const data = Object.fromEntries(Object.entries(secret.data || {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  if (!data.token) fail('Secret/scout-grafana', 'no key token');
  else if (tokensFile) {
    const hash = crypto.createHash('sha256').update(data.token.trim()).digest('hex');
    const entry = ((YAML.parse(tokensFile) || {}).tokens || []).find((t) => t.sha256 === hash);
    if (!entry) fail('Secret/scout-grafana', 'its token is not in tokens.yaml');
    else if (entry.role !== 'reader') fail('Secret/scout-grafana', `its token has role ${entry.role}: dashboards need reader only`);
  }
  const serverCrt = (secretData(byKey, [], svc && svc.metadata.namespace, 'scout-collector-tls') || {})['tls.crt'];
  if (!data['ca.crt']) fail('Secret/scout-grafana', 'no key ca.crt');
  else if (serverCrt) {
    let ok = false;
    let names = [];
    try {
      const cert = new crypto.X509Certificate(serverCrt);
      names = (cert.subjectAltName || '').split(', ').map((x) => x.replace(/^DNS:/, ''));
      ok = cert.verify(new crypto.X509Certificate(data['ca.crt']).publicKey);
    } catch (e) { /* reported below */ }
    if (!ok) fail('Secret/scout-grafana', 'ca.crt did not sign the collector\'s certificate');
    if (!names.includes(serverName)) fail(where, `the collector's certificate does not name ${serverName}`);
  }

  const httpPortNumber = httpContainerPort && httpContainerPort.containerPort;
  const admits = policies.some((p) => p.metadata.namespace === (svc && svc.metadata.namespace) &&
    (p.spec.ingress || []).some((rule) =>
      (rule.ports || []).some((pt) => pt.port === 'http' || pt.port === httpPortNumber) &&
      (rule.from || []).some((peer) => peer.namespaceSelector &&
        labelsMatch(peer.namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': grafanaNs }))));
  if (!admits) fail('grafana', `no NetworkPolicy admits Grafana's namespace ${grafanaNs} to the collector's http port`);
}

// Whether a NetworkPolicy lets the workload's pods in: a peer with a
// podSelector alone admits pods of the policy's namespace; with a
// namespaceSelector too, pods of namespaces it selects (by the
// kubernetes.io/metadata.name label the API server sets, or the
// Namespace's own labels).
function admittedBy(policies, w, namespaceObjects = new Map()) {
  const labels = w.spec.template.metadata.labels;
  const ns = w.metadata.namespace;
  const nsLabels = { ...((namespaceObjects.get(ns) || { metadata: {} }).metadata.labels || {}),
    'kubernetes.io/metadata.name': ns };
  return policies.some((p) => (p.spec.ingress || []).some((rule) =>
    (rule.from || []).some((peer) => peer.podSelector &&
      labelsMatch(peer.podSelector.matchLabels, labels) &&
      (peer.namespaceSelector ? labelsMatch(peer.namespaceSelector.matchLabels, nsLabels)
        : p.metadata.namespace === ns))));
}

function parseSeconds(text) {
  const m = /^(\d+)(s|m)$/.exec(String(text));
  if (!m) throw new Error(`cannot parse duration ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

// cert-manager durations as written here: whole hours ("2160h") or minutes.
function parseHours(text) {
  const m = /^(\d+)(h|m)$/.exec(String(text));
  if (!m) return NaN;
  return Number(m[1]) / (m[2] === 'm' ? 60 : 1);
}

// ---------------------------------------------------------------- driver

function validate(objects, label, options = {}) {
  const errors = [];
  objects.forEach((o, i) => {
    for (const e of schemaErrors(o)) errors.push(`${label} #${i} ${o.kind}/${o.metadata.name}: schema: ${e}`);
  });
  const inv = checkInvariants(objects, options);
  for (const e of inv.errors) errors.push(`${label}: ${e}`);
  return { errors, configs: inv.configs };
}

// Files with null content (written by cert-manager at run time) are left out.
// root/ holds every ConfigMap/Secret file the container sees at its own path
// (root/etc/scout/tls/ca.crt, root/var/run/secrets/scout/token), so a test
// can point a config's absolute paths into it.
function writeConfigs(outDir, configs) {
  for (const [name, { kind, files, args: containerArgs, mounted }] of Object.entries(configs)) {
    const dir = path.join(outDir, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'etc-scout'), { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      if (text === null) continue;
      const target = path.join(dir, 'etc-scout', file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    for (const [mountPath, mountFiles] of Object.entries(mounted || {})) {
      for (const [file, text] of Object.entries(mountFiles)) {
        if (text === null) continue;
        const target = path.join(dir, 'root', mountPath, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
      }
    }
    fs.writeFileSync(path.join(dir, 'kind'), `${kind}\n`);
    fs.writeFileSync(path.join(dir, 'args'), containerArgs.join('\n') + '\n');
  }
}

function agentConfigMap(s, prefix) {
  return s.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(prefix));
}
function editConfig(s, prefix, file, edit) {
  const cm = agentConfigMap(s, prefix);
  cm.data[file] = edit(cm.data[file]);
}
function editSecret(s, name, k, edit) {
  const secret = s.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith(name));
  secret.data[k] = Buffer.from(edit(Buffer.from(secret.data[k], 'base64').toString())).toString('base64');
}
function agentContainer(s) { return ds(s).containers.find((c) => c.name === 'agent'); }
function initContainer(s) { return ds(s).initContainers[0]; }

// Each break names the check that must report it (a substring of the
// error), and the render it applies to (example.yaml unless said).
const BREAKS = [
  ['unpinned image', 'is not pinned', (s) => { ds(s).containers[0].image = 'registry.example.com/scout/scout-agent:latest'; }],
  ['image not the project version', 'not the project version', (s) => { ds(s).containers[0].image = 'registry.example.com/scout/scout-agent:0.0.9'; }],
  ['unknown field', 'imagePullPolicyy', (s) => { ds(s).containers[0].imagePullPolicyy = 'Always'; }],
  ['bad enum', 'allowed values', (s) => { ds(s).containers[0].imagePullPolicy = 'Sometimes'; }],
  ['wrong type', 'must be integer', (s) => { sts(s).spec.replicas = 'one'; }],
  ['missing memory limit', 'limits.memory', (s) => { delete ds(s).containers[0].resources.limits.memory; }],
  ['missing liveness probe', 'livenessProbe is not set', (s) => { delete sts(s).spec.template.spec.containers[0].livenessProbe; }],
  ['writable root filesystem', 'readOnlyRootFilesystem', (s) => { ds(s).containers[0].securityContext.readOnlyRootFilesystem = false; }],
  ['writable host mount', 'must be mounted readOnly', (s) => { ds(s).containers[0].volumeMounts.find((m) => m.mountPath === '/host/proc').readOnly = false; }],
  ['two collectors', 'exactly one writer', (s) => { sts(s).spec.replicas = 2; }],
  ['grace shorter than shutdown_grace', 'terminationGracePeriodSeconds', (s) => { sts(s).spec.template.spec.terminationGracePeriodSeconds = 10; }],
  ['agent not admitted', 'does not admit this agent', (s) => { delete s.find((o) => o.kind === 'DaemonSet').spec.template.metadata.labels['scout.dev/collector-client']; }],
  ['node agents\' namespace not admitted', 'does not admit this agent', (s) => {
    const p = s.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'scout-collector');
    p.spec.ingress[0].from = p.spec.ingress[0].from.filter((peer) => !peer.namespaceSelector);
  }],
  ['collector in another namespace', 'collector address', (s) => {
    editConfig(s, 'scout-agent-config', 'agent.yaml', (t) => t.replace('scout-collector.scout.svc:', 'scout-collector.monitoring.svc:'));
  }],
  ['missing ConfigMap', 'not in the set', (s) => { s.splice(s.findIndex((o) => o.metadata.name === 'scout-rules'), 1); }],
  ['missing token Secret', 'Secret scout-agent-token, which is not in the set', (s) => { s.splice(s.findIndex((o) => o.metadata.name === 'scout-agent-token'), 1); }],
  ['rolling update with surge', 'maxSurge', (s) => { s.find((o) => o.kind === 'DaemonSet').spec.updateStrategy.rollingUpdate.maxSurge = 1; }],
  ['interval longer than the probe allows', '3 collection intervals', (s) => {
    editConfig(s, 'scout-agent-config', 'agent.yaml', (t) => t.replace(/^interval: .*$/m, 'interval: 30s'));
  }],
  ['probe not checking the alive file', 'does not check the --alive-file', (s) => { ds(s).containers[0].livenessProbe.exec.command[1] = '--check-alive=/tmp/x'; }],
  // Least privilege (issue 15).
  ['node agent as root', 'the node agent runs as root', (s) => {
    Object.assign(agentContainer(s).securityContext, { runAsUser: 0, runAsNonRoot: false });
  }],
  ['node agent as root via the pod', 'the node agent runs as root', (s) => {
    delete agentContainer(s).securityContext.runAsUser;
    delete agentContainer(s).securityContext.runAsNonRoot;
    Object.assign(ds(s).securityContext, { runAsUser: 0, runAsNonRoot: false });
  }],
  ['node agent adds a capability', 'capability SYS_PTRACE may not be added to the node agent', (s) => {
    agentContainer(s).securityContext.capabilities.add = ['SYS_PTRACE'];
  }],
  ['opted-in node agent adds a third capability', 'capability SYS_ADMIN', (s) => {
    agentContainer(s).securityContext.capabilities.add.push('SYS_ADMIN');
  }, 'node-capabilities.yaml'],
  ['spool init step with more than CHOWN', 'capability DAC_OVERRIDE', (s) => { initContainer(s).securityContext.capabilities.add.push('DAC_OVERRIDE'); }],
  ['root init step doing more than chown', 'may only chown', (s) => { initContainer(s).command = ['sh', '-c', 'chown -R 10001 /var/lib/scout/spool']; }],
  ['root init step seeing the host', 'may mount only the spool', (s) => {
    initContainer(s).volumeMounts.push({ name: 'host-root', mountPath: '/host', readOnly: true });
  }],
  ['Deployment agent as root', 'runAsNonRoot must be true', (s) => {
    s.find((o) => o.kind === 'Deployment').spec.template.spec.securityContext.runAsNonRoot = false;
  }],
  ['collector namespace not restricted', 'must enforce Pod Security "restricted"', (s) => {
    s.find((o) => o.kind === 'Namespace' && o.metadata.name === 'scout').metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
  }],
  ['collector namespace label missing', 'must enforce Pod Security "restricted"', (s) => {
    delete s.find((o) => o.kind === 'Namespace' && o.metadata.name === 'scout').metadata.labels['pod-security.kubernetes.io/enforce'];
  }],
  ['one namespace for all', 'share a namespace', (s) => {
    for (const o of s) if (o.metadata.namespace === 'scout-agents') o.metadata.namespace = 'scout';
    s.splice(s.findIndex((o) => o.kind === 'Namespace' && o.metadata.name === 'scout-agents'), 1);
  }],
  ['Deployment in the privileged namespace', 'only the node agent runs in the privileged namespace', (s) => {
    s.find((o) => o.kind === 'Deployment').metadata.namespace = 'scout-agents';
  }],
  // TLS and tokens everywhere (issue 15).
  ['node agent without tls', 'no tls section', (s) => { editConfig(s, 'scout-agent-config', 'agent.yaml', (t) => t.replace(/^tls:\n(  .*\n)+/m, '')); }],
  ['database agent without tls', 'no tls section', (s) => { editConfig(s, 'scout-db-agent-config', 'agent.yaml', (t) => t.replace(/^tls:\n(  .*\n)+/m, '')); }],
  ['agent insecure', 'insecure: true', (s) => { editConfig(s, 'scout-probe-agent-config', 'agent.yaml', (t) => `${t}insecure: true\n`); }],
  ['agent CA not mounted', 'tls.ca_file /etc/scout/tls/ca.crt is not a mounted file', (s) => {
    ds(s).volumes.find((v) => v.name === 'config').projected.sources.splice(1, 1);
  }],
  ['agent without token', 'no token_file', (s) => { editConfig(s, 'scout-agent-config', 'agent.yaml', (t) => t.replace(/^token_file: .*\n/m, '')); }],
  ['collector without tls', 'no tls section', (s) => { editConfig(s, 'scout-collector-config', 'collector.yaml', (t) => t.replace(/^tls:\n(  .*\n)+/m, '')); }],
  ['collector without auth', 'no auth section', (s) => { editConfig(s, 'scout-collector-config', 'collector.yaml', (t) => t.replace(/^auth:\n(  .*\n)+/m, '')); }],
  ['collector insecure', 'insecure: true', (s) => { editConfig(s, 'scout-collector-config', 'collector.yaml', (t) => `${t}insecure: true\n`); }],
  ['collector certificate not mounted', 'tls.cert_file /etc/scout/tls/tls.crt is not a mounted file', (s) => {
    sts(s).spec.template.spec.volumes.find((v) => v.name === 'config').projected.sources[2].secret.items.shift();
  }],
  ['probe on the TLS port', 'grpc.health.v1 probe', (s) => { sts(s).spec.template.spec.containers[0].readinessProbe.grpc.port = 7070; }],
  ['no health port', 'no health_listen', (s) => { editConfig(s, 'scout-collector-config', 'collector.yaml', (t) => t.replace(/^health_listen: .*\n/m, '')); }],
  ['server certificate without the Service name', 'does not name scout-collector.scout.svc', (s) => {
    const secret = s.find((o) => o.kind === 'Secret' && o.metadata.name === 'scout-collector-tls');
    secret.data['tls.crt'] = Buffer.from(otherCertificate()).toString('base64');
  }],
  ['CA that did not sign the server certificate', 'did not sign the collector', (s) => {
    editSecret(s, 'scout-agent-tls', 'ca.crt', () => otherCertificate());
  }],
  ['token not in tokens.yaml', 'its token is not in tokens.yaml', (s) => { editSecret(s, 'scout-agent-token', 'token', () => 'not-the-token'); }],
  ['tokens.yaml with a clear token', 'not 64 hex digits', (s) => {
    editSecret(s, 'scout-tokens', 'tokens.yaml', (t) => t.replace(/sha256: [0-9a-f]{64}/, 'sha256: hunter2'));
  }],
  ['database agent token bound to a pattern', 'bound to a pattern', (s) => {
    editSecret(s, 'scout-tokens', 'tokens.yaml', (t) => t.replace('agent_ids: ["db-scenescout"]', 'agent_ids: ["db-*"]'));
  }],
  ['probe agent with the node agents\' token', 'shares the node agents\' token', (s) => {
    const nodeToken = s.find((o) => o.kind === 'Secret' && o.metadata.name === 'scout-agent-token').data.token;
    s.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('scout-probe-agent-token')).data.token = nodeToken;
  }],
  ['certificate that never renews', 'renewBefore must be set', (s) => {
    delete s.find((o) => o.kind === 'Certificate' && o.metadata.name === 'scout-collector-tls').spec.renewBefore;
  }, 'cert-manager.yaml'],
  ['certificate renewing after it expires', 'not shorter than duration', (s) => {
    s.find((o) => o.kind === 'Certificate' && o.metadata.name === 'scout-collector-tls').spec.renewBefore = '3000h';
  }, 'cert-manager.yaml'],
  ['certificate without the Service name', 'dnsNames do not include scout-collector.scout.svc', (s) => {
    const c = s.find((o) => o.kind === 'Certificate' && o.metadata.name === 'scout-collector-tls');
    c.spec.dnsNames = c.spec.dnsNames.filter((n) => n !== 'scout-collector.scout.svc');
    c.spec.commonName = 'scout-collector';
  }, 'cert-manager.yaml'],
  ['grafana: token inline in the data source', 'not an environment reference', (s) => {
    editConfig(s, 'scout-grafana-datasource', 'scout-datasource.yaml', (t) => t.replace('$SCOUT_GRAFANA_TOKEN', 'hunter2'));
  }, 'grafana.yaml'],
  ['grafana: CA not verified', 'tlsAuthWithCACert', (s) => {
    editConfig(s, 'scout-grafana-datasource', 'scout-datasource.yaml', (t) => t.replace('tlsAuthWithCACert: true', 'tlsAuthWithCACert: false'));
  }, 'grafana.yaml'],
  ['grafana: data source on the gRPC port', 'is not a Service port aimed at', (s) => {
    editConfig(s, 'scout-grafana-datasource', 'scout-datasource.yaml', (t) => t.replace(':9470', ':7070'));
  }, 'grafana.yaml'],
  ['grafana: collector without http.listen', 'no http.listen', (s) => {
    editConfig(s, 'scout-collector-config', 'collector.yaml', (t) => t.replace(/^http:\n(  .*\n)+/m, ''));
  }, 'grafana.yaml'],
  ['grafana: token unknown to the collector', 'its token is not in tokens.yaml', (s) => {
    editSecret(s, 'scout-grafana', 'token', () => 'not-the-token');
  }, 'grafana.yaml'],
  ['grafana: wrong CA', 'did not sign the collector', (s) => { editSecret(s, 'scout-grafana', 'ca.crt', () => otherCertificate()); }, 'grafana.yaml'],
  ['grafana: dashboard not JSON', 'is not JSON', (s) => { editConfig(s, 'scout-dashboard-host', 'scout-host.json', (t) => t.slice(1)); }, 'grafana.yaml'],
  ['grafana: not admitted', 'no NetworkPolicy admits Grafana', (s) => {
    s.splice(s.findIndex((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'scout-collector-grafana'), 1);
  }, 'grafana.yaml'],
  ['grafana objects without --grafana', 'namespace is monitoring', (s) => { s.find((o) => o.metadata.name === 'scout-dashboard-host').metadata.labels = {}; }, 'grafana.yaml'],
];
function ds(s) { return podSpecOf(s.find((o) => o.kind === 'DaemonSet')); }
function sts(s) { return s.find((o) => o.kind === 'StatefulSet'); }

// A self-signed certificate for another name (made once with openssl).
let otherCertificateText;
function otherCertificate() {
  if (!otherCertificateText) {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'validate-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c'), '-days', '1', '-subj', '/CN=elsewhere',
      '-addext', 'subjectAltName=DNS:elsewhere.example'], { stdio: 'pipe' });
    otherCertificateText = fs.readFileSync(path.join(dir, 'c'), 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return otherCertificateText;
}

function optionsFor(file) {
  return { base: args.base.has(file), nodeCapabilities: args.nodeCapabilities.has(file), grafana: args.grafana.has(file) };
}

function selfTest(renders) {
  let failed = 0;
  let ran = 0;
  for (const [name, expected, mutate, on = 'example.yaml'] of BREAKS) {
    const render = renders.find((r) => path.basename(r.file) === on);
    if (!render) {
      console.log(`MISSED: ${name}: no ${on} given to --self-test`);
      failed++;
      continue;
    }
    ran++;
    const broken = structuredClone(render.objects);
    mutate(broken);
    let errors = validate(broken, name, render.options).errors;
    if (expected === 'imagePullPolicyy') {
      errors = unknownFieldErrors(broken.map((obj) => ({ obj, label: name })), args.tools);
    }
    const hit = errors.find((e) => e.includes(expected));
    console.log(`${hit ? 'caught' : 'MISSED'}: ${name}${hit ? ` -> ${hit.slice(0, 160)}` : ''}`);
    if (!hit) failed++;
  }
  return { failed, ran };
}

function main() {
  if (args.selfTest) {
    const renders = args.files.map((file) => ({ file, objects: loadDocuments(file), options: optionsFor(file) }));
    for (const r of renders) {
      const clean = validate(r.objects, `unbroken ${path.basename(r.file)}`, r.options).errors;
      if (clean.length) {
        console.error(clean.join('\n'));
        process.exit(1);
      }
    }
    const { failed, ran } = selfTest(renders);
    console.log(failed ? `${failed} break(s) not caught` : `all ${ran} breaks caught`);
    process.exit(failed ? 1 : 0);
  }
  const errors = [];
  const labelled = [];
  for (const file of args.files) {
    const objects = loadDocuments(file);
    const label = path.basename(file);
    const result = validate(objects, label, optionsFor(file));
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
