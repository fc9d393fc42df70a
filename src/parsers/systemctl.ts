/**
 * `systemctl status UNIT` and/or `systemctl is-active UNIT`.
 *
 * Only the status header is read (the unit line, `Loaded:`, `Active:`): the journal lines
 * printed below it are program output and may say anything.
 */
import { parser, struct, type Infer } from './types.js';
import { splitLines, words, total } from './text.js';

const SYSTEMCTL_STATUS = struct('SystemctlStatus', {
  /** `nginx.service`, or `''` when only `is-active` output was given. */
  unit: 'string',
  /** `loaded`, `not-found`, `masked`, `error`…, or `''` if no `Loaded:` line. */
  loaded: 'string',
  /** The unit file state: `enabled`, `disabled`, `static`, `masked`…, or `''`. */
  enabled: 'string',
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`,
   * `maintenance`, `refreshing`, or `unknown` when no state was found. */
  active: 'string',
  /** `running`, `dead`, `exited`, `failed`, `auto-restart`…, or `''`. */
  sub: 'string',
  /** For failed units: `exit-code`, `signal`, `timeout`… (from `(Result: …)`), else `''`. */
  result: 'string',
  /** The raw `Active:` line (or the `is-active` word's line), `''` if none. */
  active_line: 'string',
  /** A state for the unit was reported and the unit is not `not-found`. */
  found: 'bool',
  /** systemd is not running here (containers, WSL1): use `ps` instead. */
  no_systemd: 'bool',
});
export type SystemctlStatus = Infer<typeof SYSTEMCTL_STATUS>;

export const systemctlParser = parser({
  name: 'systemctl',
  description: 'Unit state from `systemctl status UNIT` and/or `systemctl is-active UNIT`.',
  type: SYSTEMCTL_STATUS,
  parse: (text) => total(text, empty, parseSystemctl),
});

function empty(): SystemctlStatus {
  return { unit: '', loaded: '', enabled: '', active: 'unknown', sub: '', result: '', active_line: '', found: false, no_systemd: false };
}

// ActiveState values (systemd's unit-def.h, unit_active_state_table).
const ACTIVE_STATES = new Set(['active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading', 'maintenance', 'refreshing']);
// Unit-name suffixes systemd knows (man systemd.unit).
const UNIT_SUFFIX = /\.(?:service|socket|target|device|mount|automount|swap|path|timer|slice|scope)$/;

function parseSystemctl(text: string): SystemctlStatus {
  const out = empty();
  let notFound = false;
  let stateFromIsActive = '';
  let isActiveLine = '';
  let sawActive = false;
  let sawLoaded = false;
  for (const line of splitLines(text)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (
      trimmed.startsWith('System has not been booted with systemd') ||
      trimmed.startsWith('Failed to connect to bus') ||
      trimmed.startsWith('Running in chroot')
    ) {
      out.no_systemd = true;
      continue;
    }
    // `Unit nosuch.service could not be found.`
    if (trimmed.startsWith('Unit ') && trimmed.endsWith(' could not be found.')) {
      notFound = true;
      if (!out.unit) out.unit = trimmed.slice(5, -' could not be found.'.length);
      continue;
    }
    if (!sawLoaded && trimmed.startsWith('Loaded: ')) {
      sawLoaded = true;
      readLoaded(trimmed.slice(8), out);
      if (out.loaded === 'not-found') notFound = true;
      continue;
    }
    if (!sawActive && trimmed.startsWith('Active: ')) {
      sawActive = true;
      out.active_line = line;
      readActive(trimmed.slice(8), out);
      continue;
    }
    if (!out.unit && !sawLoaded && !sawActive) {
      const unit = unitFromHeader(trimmed);
      if (unit) {
        out.unit = unit;
        continue;
      }
    }
    // `systemctl is-active` prints one state word per unit.
    if (!stateFromIsActive && ACTIVE_STATES.has(trimmed)) {
      stateFromIsActive = trimmed;
      isActiveLine = line;
    } else if (!stateFromIsActive && trimmed === 'unknown') {
      stateFromIsActive = 'unknown';
      isActiveLine = line;
    }
  }
  if (!sawActive && stateFromIsActive) {
    out.active = stateFromIsActive;
    out.active_line = isActiveLine;
  }
  out.found = !notFound && !out.no_systemd && (sawActive || sawLoaded || (stateFromIsActive !== '' && stateFromIsActive !== 'unknown'));
  return out;
}

/** `● nginx.service - A high performance…`: the bullet differs by state and locale (●, ○, ×, *). */
function unitFromHeader(trimmed: string): string {
  const w = words(trimmed, 3);
  for (const cand of [w[0], w[1]]) {
    if (cand && UNIT_SUFFIX.test(cand)) return cand;
  }
  return '';
}

/** `loaded (/lib/systemd/system/nginx.service; disabled; vendor preset: enabled)` */
function readLoaded(rest: string, out: SystemctlStatus): void {
  const w = words(rest, 1);
  out.loaded = w[0] ?? '';
  const open = rest.indexOf('(');
  if (open < 0) return;
  const close = rest.indexOf(')', open);
  const inner = rest.slice(open + 1, close < 0 ? rest.length : close);
  if (inner.startsWith('Reason:')) return;
  const parts = inner.split(';', 3);
  out.enabled = (parts[1] ?? '').trim();
}

/** `active (running) since …`, `inactive (dead)`, `failed (Result: exit-code) since …` */
function readActive(rest: string, out: SystemctlStatus): void {
  const w = words(rest, 1);
  const state = w[0] ?? '';
  out.active = ACTIVE_STATES.has(state) ? state : 'unknown';
  const open = rest.indexOf('(');
  if (open < 0) return;
  const close = rest.indexOf(')', open);
  const inner = rest.slice(open + 1, close < 0 ? rest.length : close).trim();
  if (inner.startsWith('Result:')) {
    out.result = inner.slice(7).trim();
    // systemd shows the result instead of the sub-state, which is `failed` then.
    out.sub = out.active === 'failed' ? 'failed' : '';
  } else {
    out.sub = inner;
    // `activating (auto-restart) (Result: exit-code) since …`
    const r = close < 0 ? -1 : rest.indexOf('(Result:', close);
    if (r >= 0) {
      const e = rest.indexOf(')', r);
      out.result = rest.slice(r + 8, e < 0 ? rest.length : e).trim();
    }
  }
}
