/**
 * The Dockerfile and deploy/kubernetes/ as they are: porta is started with exactly the
 * arguments they give it (parsed out of the files, so this fails when they drift; only the
 * document root, the port and the bind address are swapped for a temporary directory, a
 * free port and 127.0.0.1 (a shared test machine), and
 * Kubernetes' $(PORTA_SECRET) for the Secret's value), and what the probes and the
 * HEALTHCHECK ask for is asked. Where a Docker daemon answers, the image is built and run;
 * elsewhere that test is skipped and says why.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';
import { startPorta as spawnPorta } from '../helpers/spawn-porta.js';
import { eventually } from '../helpers/eventually.js';

/** dist/test/deploy/ -> the checkout. */
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (relative: string): string => readFileSync(`${CHECKOUT}${relative}`, 'utf8');
const T = { timeout: 20_000 };

// ---- What the files say ----

/** The JSON array of a Dockerfile instruction in exec form (`CMD [...]`, `HEALTHCHECK ... CMD [...]`). */
function dockerExecForm(dockerfile: string, instruction: RegExp): string[] {
  const line = dockerfile.split('\n').find((l) => instruction.test(l));
  assert.ok(line !== undefined, `Dockerfile has no ${instruction} line`);
  const json = line.slice(line.lastIndexOf('['));
  return JSON.parse(json) as string[];
}

function match(text: string, pattern: RegExp, what: string): RegExpMatchArray {
  const found = pattern.exec(text);
  assert.ok(found !== null, `${what} not found (${pattern})`);
  return found;
}

const dockerfile = read('Dockerfile');
const entrypoint = dockerExecForm(dockerfile, /^ENTRYPOINT /);
const cmd = dockerExecForm(dockerfile, /^CMD /);
const healthcheck = dockerExecForm(dockerfile, /^HEALTHCHECK /);
const deployment = read('deploy/kubernetes/deployment.yaml');
// The manifest writes args as a one-line flow sequence, which is JSON.
const k8sArgs = JSON.parse(match(deployment, /^\s+args: (\[.*\])$/m, 'Deployment args')[1] ?? '[]') as string[];
const containerPort = Number(match(deployment, /- name: http\n\s+containerPort: (\d+)/, 'the http containerPort')[1]);
const probes = [...deployment.matchAll(/(readinessProbe|livenessProbe):\n\s+httpGet:\n\s+path: (\S+)\n\s+port: (\S+)/g)].map((m) => ({ kind: m[1], path: m[2] ?? '', port: m[3] }));
const redirectsMount = match(deployment, /- name: redirects\n\s+mountPath: (\S+)/, 'the redirects mount')[1] ?? '';
const redirectsText = match(read('deploy/kubernetes/configmap.yaml'), /redirects\.txt: \|\n((?: {4}.*\n)+)/, 'redirects.txt in the ConfigMap')[1]?.replace(/^ {4}/gm, '') ?? '';
const secretValue = match(read('deploy/kubernetes/secret.yaml'), /^stringData:\n\s+secret: (\S+)$/m, 'the Secret value')[1] ?? '';

/** The arguments with the root, the port and paths inside the container mapped to this machine. */
function localise(args: readonly string[], map: Readonly<Record<string, string>>): string[] {
  return args.map((arg) => map[arg] ?? arg);
}

/** Runs the HEALTHCHECK command (node dist/src/cli/main.js get URL) against `port`. */
function runHealthcheck(port: number): Promise<{ code: number | null; stdout: string }> {
  const [program, ...rest] = healthcheck;
  assert.equal(program, 'node');
  const args = rest.map((arg) => arg.replace(/^http:\/\/127\.0\.0\.1:8080\//, `http://127.0.0.1:${port}/`));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: CHECKOUT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout });
    });
  });
}

let site: TempSite;
before(async () => {
  site = await makeTempSite({ 'index.html': 'in a container\n', 'new/page.html': 'moved here\n' });
});
after(async () => site.cleanup());

describe('the Dockerfile', () => {
  test('runs porta serve /srv --host 0.0.0.0 --port 8080 as a non-root user, its HEALTHCHECK asking the health resource', () => {
    assert.deepEqual(entrypoint, ['node', 'dist/src/cli/main.js']);
    assert.deepEqual(cmd.slice(0, 6), ['serve', '/srv', '--host', '0.0.0.0', '--port', '8080']);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^FROM .* AS build$/m);
    assert.match(healthcheck.join(' '), /^node dist\/src\/cli\/main\.js get .*http:\/\/127\.0\.0\.1:8080\/\.well-known\/health$/);
    assert.ok(cmd.join(' ').includes('--health /.well-known/health'), 'the health resource the HEALTHCHECK asks for is enabled');
  });

  test('.dockerignore keeps out what the build does not need and nothing it copies', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    const copied = dockerfile.split('\n').filter((line) => /^COPY (?!--from)/.test(line)).flatMap((line) => line.split(/\s+/).slice(1, -1));
    assert.ok(copied.includes('src') && copied.includes('package-lock.json'), `COPY sources: ${copied.join(' ')}`);
    for (const source of copied) {
      for (const pattern of ignored) assert.ok(!(source === pattern || source.startsWith(`${pattern}/`)), `${source} is copied but ignored by '${pattern}'`);
    }
    for (const heavy of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(heavy), `${heavy} is sent to the build`);
  });

  test('with its exact arguments porta serves the root and its HEALTHCHECK passes; with porta gone it fails', T, async () => {
    const port = await freePort();
    const running = spawnPorta([...entrypoint.slice(2), ...localise(cmd, { '/srv': site.root, '8080': String(port), '0.0.0.0': '127.0.0.1' })]);
    try {
      await running.waitForStderr(/Local:\s+http:\/\//, 8000);
      assert.equal((await fetchOne(port, request('GET', '/'))).text, 'in a container\n');
      const healthy = await runHealthcheck(port);
      assert.equal(healthy.code, 0);
      assert.equal(healthy.stdout, 'ok\n');
      // The access log goes to standard output, as the container's log.
      assert.match(running.stdout().toString('utf8'), /"GET \/ HTTP\/1\.1" 200 15\n/);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
    const unhealthy = await runHealthcheck(port);
    assert.notEqual(unhealthy.code, 0);
  });
});

describe('deploy/kubernetes', () => {
  test('the probes ask the health resource on the port porta listens on', () => {
    assert.deepEqual(probes.map((p) => p.kind).sort(), ['livenessProbe', 'readinessProbe']);
    for (const probe of probes) assert.equal(probe.port, 'http');
    assert.equal(String(containerPort), k8sArgs[k8sArgs.indexOf('--port') + 1]);
    const health = k8sArgs[k8sArgs.indexOf('--health') + 1];
    for (const probe of probes) assert.equal(probe.path, health);
    assert.deepEqual(k8sArgs.slice(0, 6), ['serve', '/srv', '--host', '0.0.0.0', '--port', '8080']);
    assert.equal(k8sArgs[k8sArgs.indexOf('--secret') + 1], '$(PORTA_SECRET)');
    assert.match(deployment, /name: PORTA_SECRET\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: porta-digest\n\s+key: secret/);
    assert.match(deployment, /mountPath: \/srv\n\s+readOnly: true/);
  });

  test('with the Deployment\'s exact arguments, the ConfigMap\'s rules and the Secret, the probes get 200 and the rules apply', T, async () => {
    const port = await freePort();
    const rulesFile = site.path('../redirects.txt');
    await writeFile(rulesFile, redirectsText);
    const args = localise(k8sArgs, {
      '/srv': site.root,
      '8080': String(port),
      '0.0.0.0': '127.0.0.1',
      [`${redirectsMount}/redirects.txt`]: rulesFile,
      '$(PORTA_SECRET)': secretValue,
    });
    const running = spawnPorta(args);
    try {
      await running.waitForStderr(/Local:\s+http:\/\//, 8000);
      for (const probe of probes) {
        const response = await fetchOne(port, request('GET', probe.path));
        assert.equal(response.status, 200, `${probe.kind} ${probe.path}`);
        assert.equal(response.text, 'ok\n');
      }
      const moved = await fetchOne(port, request('GET', '/old/page.html'));
      assert.equal(moved.status, 301);
      assert.equal(moved.get('Location'), '/new/page.html');
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });
});

describe('the image', () => {
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  const daemon = docker.status === 0 ? undefined : (docker.error?.message ?? docker.stderr.trim().split('\n').pop() ?? 'docker info failed');
  const skip = daemon === undefined ? false : `no Docker daemon here (${daemon}): the image was not built or run`;

  test('builds, runs as non-root and becomes healthy, serving the bundled site on 8080', { skip, timeout: 600_000 }, async () => {
    const tag = `porta-test:${process.pid}`;
    const sh = (args: string[], timeout = 60_000): string => {
      const result = spawnSync('docker', args, { cwd: CHECKOUT, encoding: 'utf8', timeout });
      assert.equal(result.status, 0, `docker ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim();
    };
    sh(['build', '-t', tag, '.'], 540_000);
    const id = sh(['run', '-d', '-p', '127.0.0.1::8080', tag]);
    try {
      assert.equal(sh(['exec', id, 'id', '-u']), '1000');
      const published = sh(['port', id, '8080/tcp']).split('\n')[0] ?? '';
      const port = Number(published.slice(published.lastIndexOf(':') + 1));
      await eventually(async () => (await runHealthcheck(port)).code === 0, 'the container to answer its health resource', 30_000);
      assert.equal((await fetchOne(port, request('GET', '/hello.txt'))).status, 200);
    } finally {
      spawnSync('docker', ['rm', '-f', id], { timeout: 30_000 });
      spawnSync('docker', ['rmi', tag], { timeout: 30_000 });
    }
  });
});
