#!/usr/bin/env node
// Checks the package as a user gets it: `npm pack`, installed globally into an empty prefix,
// must contain no source maps or test files, carry LICENSE and type declarations, and its
// `porta` command must serve a folder; `import('porta-server')` must give the API.
// Run with `npm run check:package` (CI runs it too). Needs the npm registry for mime-db.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'porta-package-'));
const fail = (message) => {
  console.error(`check-package: ${message}`);
  process.exitCode = 1;
};

try {
  const [{ filename, files }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const paths = files.map((file) => file.path);
  console.log(`check-package: ${filename}, ${paths.length} files`);
  for (const path of paths) {
    if (path.endsWith('.map')) fail(`ships a source map: ${path}`);
    if (path.startsWith('dist/test/') || path.startsWith('dist/bench/')) fail(`ships test or bench code: ${path}`);
  }
  for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js']) {
    if (!paths.includes(needed)) fail(`does not ship ${needed}`);
  }

  const prefix = join(work, 'prefix');
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(work, filename)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const site = join(work, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<h1>packed</h1>\n');

  // The installed command serves the folder.
  const child = spawn(join(prefix, 'bin', 'porta'), ['serve', site, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no banner in 15 s: ${stderr}`)), 15_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /Local:\s+http:\/\/[^\s]*:(\d+)\//.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`porta exited (${code}): ${stderr}`)));
  });
  const body = await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(`${response.statusCode} ${text}`));
    }).on('error', reject).end();
  });
  child.kill('SIGTERM');
  if (body !== '200 <h1>packed</h1>\n') fail(`GET / from the installed porta answered ${JSON.stringify(body)}`);
  else console.log('check-package: the installed `porta serve` served the folder');

  // The programmatic API resolves by package name.
  const lib = join(prefix, 'lib', 'node_modules');
  const api = execFileSync(process.execPath, ['--input-type=module', '-e', "const p = await import('porta-server'); console.log(Object.keys(p).sort().join(','))"], { cwd: join(lib, 'porta-server'), encoding: 'utf8' }).trim();
  if (!api.includes('startServer') || !api.includes('startEchoServer') || !api.includes('startHelloServer')) fail(`import('porta-server') gave ${api}`);
  else console.log(`check-package: import('porta-server') -> ${api}`);
  if (!readdirSync(join(lib, 'porta-server', 'dist', 'src')).includes('index.d.ts')) fail('no index.d.ts installed');
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (process.exitCode === 1) console.error('check-package: FAILED');
else console.log('check-package: ok');
