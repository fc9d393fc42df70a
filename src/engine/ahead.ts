/**
 * Results the session already has (issue 17): a run node whose command ran earlier takes that
 * result instead of running it again, and a run node's `together` list runs ahead beside its own
 * command, kept in `ran` for the node it was run for. Pure.
 */
import type { CommandResult } from '../exec/types.js';
import type { Flow, FlowSet } from '../flow/compile.js';
import { GLOBALS } from '../flow/globals.js';
import { readOnly } from '../flow/read-only.js';
import { fixedArgvEnv } from '../flow/together.js';
import type { RunNodeT } from '../flow/schema.js';
import { context } from './context.js';
import { celValue } from './values.js';
import { commandOf, renderArgv } from './render.js';
import { hostOf, qualify } from './state.js';
import type { Command, Frame, Prefetched, RanCommand, SessionState } from './types.js';

/**
 * Commands one exec runs at once on one host (role): what runs together is work on different
 * hosts (the client's probe beside the server's reads). Two ways of running more were measured
 * and lost in the lab (issue 17): a shell each (their login-shell starts cost more than running
 * the reads one after another on a warm shell: refused's card 2.5 s later), and several sent
 * in one script (one round trip; side by side, `nginx -T` binding the port it tests made an `ss`
 * beside it see nginx on a stopped host; one after another, with `timeout` each, the cards came
 * 0.1 s later, as reads the flow would not need ran too: at no delay between the hosts nothing
 * is saved). The one listed first runs; the others when reached.
 */
export const MAX_TOGETHER_PER_HOST = 1;

/**
 * The same command run earlier in the session (any frame), whose result a run node takes instead
 * of running it again: same role, host, argv and root, a result that came back from the host (a
 * transport failure is no answer of the command's), and the node does not ask to `recheck`.
 */
export function earlier(s: SessionState, node: RunNodeT, argv: readonly string[], id: string): RanCommand | undefined {
  if (node.recheck === true || !s.ran) return undefined;
  const key = keyOf(s, id, node, argv);
  // A host that could not be reached (connect timeout, refused) when a command ran ahead is what
  // the first node to take it finds too: a second wait would tell nothing new. Any other
  // transport failure (a shell that did not start, a lost connection) is no answer of the
  // command's: the node runs it.
  return s.ran.find((r) => sameCommand(r, key) && (!r.result.transport || (r.prefetched === true && UNREACHED.has(r.result.transport.code))));
}

const UNREACHED: ReadonlySet<string> = new Set(['timeout', 'refused']);

/** What makes two commands the same one: role, host, argv, root. */
export function keyOf(s: SessionState, id: string, node: RunNodeT, argv: readonly string[]): Prefetched {
  return { id, role: node.role, host: hostOf(s, node.role), argv, root: node.root === true };
}

function sameCommand(a: Prefetched, b: Prefetched): boolean {
  return a.role === b.role && a.host === b.host && a.root === b.root && a.argv.length === b.argv.length && a.argv.every((x, i) => x === b.argv[i]);
}

/**
 * The commands of a run node's `together` that run beside its own (issue 17), in their declared
 * order, then those their nodes list (a node run ahead starts no exec of its own when reached),
 * at most `MAX_TOGETHER_PER_HOST` on one host: read-only run nodes of this flow or of a flow it calls, whose argv lint allows
 * to use only `target` and literals, so each is the command its node runs when the flow reaches
 * it. Left out: a node whose role has no host yet (a prefetch never asks for one, issue 16), one
 * that says `recheck`, a command the session already ran or already runs here.
 */
export function together(flows: FlowSet, s: SessionState, flow: Flow, frame: Frame, node: RunNodeT, own: Prefetched): Array<{ readonly cmd: Command; readonly key: Prefetched }> {
  const out: Array<{ cmd: Command; key: Prefetched }> = [];
  const seen = new Set([`${flow.id}.${frame.node}`]);
  // Breadth first: the listed nodes, then what they list, and so on.
  const todo: Array<{ from: Flow; ref: string }> = (node.together ?? []).map((ref) => ({ from: flow, ref }));
  for (let i = 0; i < todo.length; i++) {
    const { from, ref } = todo[i]!;
    const dot = ref.indexOf('.');
    const f = dot < 0 ? from : flows.flows.get(ref.slice(0, dot));
    const id = dot < 0 ? ref : ref.slice(dot + 1);
    const n = f?.node(id);
    if (!f || n?.kind !== 'run' || seen.has(`${f.id}.${id}`)) continue;
    seen.add(`${f.id}.${id}`);
    for (const r of n.together ?? []) todo.push({ from: f, ref: r });
    if (n.recheck === true || (n.role !== 'local' && hostOf(s, n.role) === '')) continue;
    const fr: Frame = f === flow ? { ...frame, node: id } : { flow: f.id, node: id, vars: {}, runs: {} };
    const qid = f === flow ? qualify(s, id) : `${f.id}.${id}`;
    // Another flow's node, not entered yet: its argv reads only `target` (lint), so it renders
    // against `target` alone, and that flow is compiled only if the session enters it.
    const g = s.globals;
    const argv =
      f === flow || !g
        ? renderArgv(f, n.argv, () => context(f, s, fr))
        : renderArgv({ get env() { return fixedArgvEnv(n.argv); } }, n.argv, () => ({ target: celValue(g.target, GLOBALS.target) }));
    if (!argv.ok || earlier(s, n, argv.value, qid)) continue;
    const key = keyOf(s, qid, n, argv.value);
    const keys = [own, ...out.map((o) => o.key)];
    if (keys.some((k) => k.id === qid || sameCommand(k, key))) continue;
    if (keys.filter((k) => k.role === key.role && k.host === key.host).length >= MAX_TOGETHER_PER_HOST) continue;
    if (!mayRunAhead(own, key)) continue;
    out.push({ cmd: { ...commandOf(f, s, fr, n, key.argv), id: qid }, key });
  }
  return out;
}

/**
 * Whether a command may run ahead beside `own` (issue 17). Commands of one role run one after
 * another; another role's run at the same time, so what one does must not change what the
 * other sees: a command that sends traffic (curl, nc, ping: read-only.ts `sends`) never runs
 * ahead (another host's logs and sockets would see it, or not, by timing), and one that runs
 * code (`nginx -T` binds the ports it tests, for a moment) not while `own`, on another role,
 * sends: the probe could meet that moment. A program read-only.ts does not know is not run ahead.
 */
function mayRunAhead(own: Prefetched, ahead: Prefetched): boolean {
  const fx = readOnly(ahead.argv);
  if (fx.refused !== null || fx.sends) return false;
  return !fx.runsCode || ahead.role === own.role || !readOnly(own.argv).sends;
}

/** A command run ahead came back: kept in `ran` for its node (of transport failures, only a host not reached: `earlier`). */
export function keptAhead(s: SessionState, ahead: Prefetched, result: CommandResult): SessionState {
  const keep = !result.transport || UNREACHED.has(result.transport.code);
  const ran = keep ? [...(s.ran ?? []), { ...ahead, result, prefetched: true as const }] : s.ran;
  return withPrefetch({ ...s, commands: s.commands + 1, ...(ran ? { ran } : {}) }, (s.prefetch ?? []).filter((p) => p !== ahead));
}

/** The state with these commands waited for beside the pending one (none: the field left out, as before issue 17). */
export function withPrefetch(s: SessionState, prefetch: readonly Prefetched[]): SessionState {
  const { prefetch: _, ...rest } = s;
  return prefetch.length ? { ...rest, prefetch } : rest;
}
