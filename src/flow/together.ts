/**
 * `together` (issue 17): the read-only run nodes whose commands run beside a run node's own.
 * Only sound prefetches are allowed: each entry names a run node of this flow, or `FLOW.NODE` of
 * a flow this one calls (directly or through others), that does not `recheck`, and whose argv
 * uses only `target` and literals, so the command run ahead is exactly the one its node runs
 * when the flow reaches it (the engine also leaves out a node whose role has no host yet).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { buildEnvironment, checkExpression, GLOBALS } from './expr.js';
import type { Flow } from './compile.js';
import { didYouMean, type Problem } from './problem.js';
import type { RunNodeT } from './schema.js';
import { parseTemplate, TemplateError } from './template.js';

/** The problems of every `together` list of the flows in `check` (the others were checked by the build). */
export function checkTogether(flows: ReadonlyMap<string, Flow>, check: (flow: Flow) => boolean, problems: Problem[], unloaded?: ReadonlySet<string>): void {
  for (const flow of flows.values()) {
    if (!check(flow)) continue;
    const callable = calledFrom(flows, flow);
    for (const [nid, node] of Object.entries(flow.doc.nodes)) {
      if (node.kind !== 'run' || !node.together) continue;
      const seen = new Set<string>();
      node.together.forEach((ref, i) => {
        const problem = (message: string, hint: string) => problems.push({ code: 'bad-together', ...flow.loc(['nodes', nid, 'together', i]), node: nid, message, hint });
        const dot = ref.indexOf('.');
        const fid = dot < 0 ? flow.id : ref.slice(0, dot);
        const id = dot < 0 ? ref : ref.slice(dot + 1);
        const key = `${fid}.${id}`;
        if (seen.has(key)) return problem(`"${ref}" is listed twice`, 'list each node once');
        seen.add(key);
        const f = flows.get(fid);
        if (!f && unloaded?.has(fid)) return; // that file's own problems said why
        if (!f || (f !== flow && !callable.has(fid))) {
          const guess = didYouMean(fid, callable);
          return problem(
            f ? `flow "${fid}" is not called from flow "${flow.id}": its nodes may never be reached` : `flow "${fid}" does not exist`,
            guess ? `did you mean "${guess}.${id}"?` : callable.size ? `flows this one calls: ${[...callable].join(', ')}` : 'name a node of this flow',
          );
        }
        if (f === flow && id === nid) return problem(`"${ref}" is this node itself`, 'list other nodes');
        const listed = f.doc.nodes[id];
        if (!listed) {
          const guess = didYouMean(id, Object.keys(f.doc.nodes));
          return problem(`node "${id}" does not exist in flow "${f.id}"`, guess ? `did you mean "${dot < 0 ? guess : `${fid}.${guess}`}"?` : 'name a run node');
        }
        if (listed.kind !== 'run') return problem(`"${ref}" is a ${listed.kind} node; only run nodes run together`, 'name a run node; a fix’s apply never runs ahead');
        if (listed.recheck === true) return problem(`"${ref}" says recheck: it runs again when reached, so running it ahead gains nothing`, 'leave it out of together, or drop its recheck');
        const why = notFixed(listed);
        if (why) {
          const at = f.loc(['nodes', id, 'argv']);
          return problem(`"${ref}" cannot run ahead: its argv (${at.file}:${at.line}) ${why}`, 'list only nodes whose argv use `target` and literals: their command is then known before the flow reaches them');
        }
      });
    }
  }
}

/** The flows a flow's call nodes reach, directly or through other flows. */
function calledFrom(flows: ReadonlyMap<string, Flow>, flow: Flow): Set<string> {
  const out = new Set<string>();
  const todo = [flow];
  for (let f = todo.pop(); f; f = todo.pop()) {
    for (const n of Object.values(f.doc.nodes)) {
      if (n.kind !== 'call' || out.has(n.flow) || n.flow === flow.id) continue;
      out.add(n.flow);
      const g = flows.get(n.flow);
      if (g) todo.push(g);
    }
  }
  return out;
}

/**
 * The CEL environment of an argv that reads only `target` (what `together` allows): `target`,
 * and the models the argv names. Lint checks such an argv against it; the engine renders with
 * it a command run ahead from a flow not entered yet, so that flow is not compiled for it.
 */
export function fixedArgvEnv(argv: readonly string[]): Environment {
  const text = argv.join(' ');
  let env = fixedEnvs.get(text);
  if (!env) fixedEnvs.set(text, (env = buildEnvironment({ target: GLOBALS.target! }, (name) => text.includes(name))));
  return env;
}

const fixedEnvs = new Map<string, Environment>();

/** Why a run node's argv is not known before the flow reaches it (a `{{ }}` reading more than `target`), or null. */
function notFixed(node: RunNodeT): string | null {
  let env: Environment | undefined;
  for (const a of node.argv) {
    let parts;
    try {
      parts = parseTemplate(a).parts;
    } catch (e) {
      if (e instanceof TemplateError) return null; // reported at the node itself
      throw e;
    }
    for (const part of parts) {
      if (!('expr' in part)) continue;
      env ??= fixedArgvEnv(node.argv);
      if (!checkExpression(env, part.expr).ok) return `has {{ ${part.expr} }}, which reads more than \`target\``;
    }
  }
  return null;
}
