#!/usr/bin/env node
/**
 * The Debian packages the lab and the terminal/browser tests need: the one list, and the step
 * `npm test` runs first (so CI's `.ci/run` and a fresh machine need nothing else).
 *
 *   node test/tools/lab-packages.mjs            which are missing (exit 0 when none, 1 otherwise)
 *   node test/tools/lab-packages.mjs --ensure   as root: installs the missing ones with apt-get,
 *                                               saying so (exit 1 if that fails); not root: says
 *                                               the lab tests will not run and the one command
 *                                               that runs them (exit 0)
 *   node test/tools/lab-packages.mjs --install  as root: installs the missing ones; else exit 1
 *   node test/tools/lab-packages.mjs --list     the list, one a line
 *
 * Installed means dpkg says so (`dpkg-query`, which honours DPKG_ADMINDIR); apt-get and
 * dpkg-query are found on PATH. Standalone (node: modules only): it runs before the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Real sshd, nginx, Apache, firewalls and namespaces for the lab; tmux and Chromium for the terminal and browser tests. */
export const LAB_PACKAGES = Object.freeze([
  'openssh-server',
  'openssh-client',
  'nginx-light',
  'iptables',
  'nftables',
  'iproute2',
  'netcat-openbsd',
  'curl',
  'tmux',
  'procps',
  'time',
  'chromium',
  'python3',
  'sudo',
  'apache2',
]);

/** The one command that runs the tests that need root (it installs the packages itself). */
export const RUN_LAB_TESTS = 'sudo env "PATH=$PATH" npm test';

/** Whether this process may build the lab (network namespaces, iptables, daemons on port 80). */
export function isRoot() {
  return process.getuid?.() === 0;
}

/**
 * The packages of the list that dpkg does not have installed; null when there is no dpkg-query
 * to ask (not Debian, or not on PATH).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string[] | null}
 */
export function missingPackages(env = process.env) {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\\n', ...LAB_PACKAGES], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  if (r.error) return null;
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  return LAB_PACKAGES.filter((p) => !installed.has(p));
}

/**
 * Whether the lab tests can run here, and if not why not.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ root: boolean, missing: string[] | null, ready: boolean, why: string }}
 */
export function labStatus(env = process.env) {
  const root = isRoot();
  const missing = missingPackages(env);
  const reasons = [];
  if (!root) reasons.push('they need root (network namespaces, iptables, real sshd, nginx and Apache)');
  if (missing === null) reasons.push('there is no dpkg-query to check the lab\'s Debian packages');
  else if (missing.length) reasons.push(`the lab's Debian packages are missing: ${missing.join(' ')}`);
  return { root, missing, ready: reasons.length === 0, why: reasons.join('; ') };
}

/** The lines that say the lab tests were not run and how to run them. */
export function notRunNote(status) {
  return [`tshoot: the lab tests are not run here: ${status.why}.`, `tshoot: run them (as root they install the lab's packages first) with:  ${RUN_LAB_TESTS}`];
}

/**
 * apt-get, non-interactive; its output is shown only when it fails.
 * @returns {boolean}
 */
function aptGet(args, env) {
  const r = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status === 0) return true;
  process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  process.stderr.write(`lab-packages: apt-get ${args.join(' ')} failed (${why})\n`);
  return false;
}

/** A package's maintainer script may have started the system's nginx or Apache: the tests start their own. */
function stopSystemDaemons(env) {
  const opts = { stdio: 'ignore', env, timeout: 30_000 };
  if (existsSync('/run/nginx.pid')) spawnSync('nginx', ['-s', 'stop'], opts);
  if (existsSync('/run/apache2/apache2.pid')) spawnSync('apache2ctl', ['stop'], opts);
}

/**
 * As root: installs what is missing (apt-get update, then install), then checks again.
 * @returns {number} the exit code
 */
function install(missing, env) {
  const out = process.stdout;
  out.write(`lab-packages: installing the lab's Debian packages that are missing (${missing.length}): ${missing.join(' ')}\n`);
  out.write('lab-packages: apt-get update; apt-get install --no-install-recommends (a few minutes on a fresh machine)\n');
  if (!aptGet(['update', '-qq'], env)) return 1;
  if (!aptGet(['install', '-y', '-qq', '--no-install-recommends', ...missing], env)) return 1;
  stopSystemDaemons(env);
  const still = missingPackages(env) ?? missing;
  if (still.length) {
    process.stderr.write(`lab-packages: still not installed after apt-get: ${still.join(' ')}\n`);
    return 1;
  }
  out.write(`lab-packages: installed ${missing.length} package${missing.length === 1 ? '' : 's'}\n`);
  return 0;
}

/**
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @returns {number} the exit code
 */
export function main(argv, env = process.env) {
  const mode = argv[0] ?? '--check';
  if (argv.length > 1 || !['--check', '--ensure', '--install', '--list'].includes(mode)) {
    process.stderr.write(`lab-packages: unknown arguments: ${argv.join(' ')}\nusage: node test/tools/lab-packages.mjs [--check | --ensure | --install | --list]\n`);
    return 2;
  }
  if (mode === '--list') {
    process.stdout.write(`${LAB_PACKAGES.join('\n')}\n`);
    return 0;
  }
  const missing = missingPackages(env);
  if (mode === '--check') {
    if (missing === null) {
      process.stderr.write('lab-packages: no dpkg-query on PATH: cannot tell which of the lab\'s Debian packages are installed\n');
      return 1;
    }
    process.stdout.write(missing.length ? `missing: ${missing.join(' ')}\n` : `all ${LAB_PACKAGES.length} installed\n`);
    return missing.length ? 1 : 0;
  }
  if (!isRoot()) {
    if (mode === '--install') {
      process.stderr.write(`lab-packages: installing Debian packages needs root: sudo node test/tools/lab-packages.mjs --install\n`);
      return 1;
    }
    for (const line of notRunNote(labStatus(env))) process.stdout.write(`${line}\n`);
    return 0;
  }
  if (missing === null) {
    process.stderr.write(`lab-packages: no dpkg-query on PATH (not Debian?): install these packages or their equivalents yourself: ${LAB_PACKAGES.join(' ')}\n`);
    return 1;
  }
  if (missing.length === 0) {
    process.stdout.write(`lab-packages: the lab's ${LAB_PACKAGES.length} Debian packages are installed\n`);
    return 0;
  }
  return install(missing, env);
}

// Run as a script, not when imported, nor when bundled into another script (the lab's and the bench's CLIs).
const self = fileURLToPath(import.meta.url);
if (self.endsWith('/lab-packages.mjs') && process.argv[1] === self) process.exitCode = main(process.argv.slice(2));
