/**
 * From flow sources to flows the engine can step: the variables each node contributes and
 * their types, the CEL environment, every expression type-checked, every regex compiled,
 * and the graph checked (missing targets, defaults, unreachable nodes, cycles with no way
 * out). Every problem is collected; a flow with an error is not handed to the engine.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { buildEnvironment, checkExpression, GLOBALS, typeName, type StructType, type ValueType } from './expr.js';
import { outlineOf, type FlowSource, type Path } from './load.js';
import type { FlowOutline } from './shipped-docs.js';
import { didYouMean, guessHint, type Loc, type Problem } from './problem.js';
import type { FlowDocT, FlowNodeT, NextT, RunNodeT, TextT } from './schema.js';
import { LANGS, parseTemplate, TemplateError, textVariants } from './template.js';
import { PARSERS } from '../parsers/index.js';
import { changesHost } from './read-only.js';
import { unsafeRegex } from './regex-safety.js';
import { checkTogether } from './together.js';

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** The condition, `default`, or `unreachable` (a run node's host could not be reached). */
  readonly label: string;
  /** Index in the node's `next` list, -1 for a plain `next` or `on_unreachable`. */
  readonly index: number;
}

export interface Flow {
  readonly id: string;
  readonly file: string;
  readonly doc: FlowDocT;
  readonly env: Environment;
  readonly types: Readonly<Record<string, ValueType>>;
  /** `let` names in order, with their CEL type names; evaluated in that order for every context. */
  readonly lets: ReadonlyArray<readonly [name: string, expr: string, type: string]>;
  readonly edges: readonly Edge[];
  node(id: string): FlowNodeT | undefined;
  loc(path: Path): Loc;
}

export interface FlowSet {
  readonly flows: ReadonlyMap<string, Flow>;
  /** sha256 over the sources, for transcripts. */
  readonly digest?: string;
}

export interface CompileResult {
  readonly flows: Map<string, Flow>;
  readonly problems: Problem[];
}

/** Base fields of every run node's result, beside its extracted values. */
export const RUN_FIELDS: Readonly<Record<string, ValueType>> = {
  ran: 'bool',
  ok: 'bool',
  exit: 'int',
  stdout: 'string',
  stderr: 'string',
  output: 'string',
  error: 'string',
  timed_out: 'bool',
  truncated: 'bool',
  duration_ms: 'int',
};

const NAMED_GROUP = /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g;

/** What the person running tshoot adds to the checks (never a flow's say). */
export interface CompileOptions {
  /** `TSHOOT_READ_ONLY_PROGRAMS`: programs declared read-only (flow/read-only.ts). */
  readonly programs?: ReadonlySet<string>;
  /** Ids of flow files that did not load (their own problems say why): naming one is not reported again. */
  readonly unloaded?: ReadonlySet<string>;
}

export function compileFlows(sources: readonly FlowSource[], opts: CompileOptions = {}): CompileResult {
  const problems: Problem[] = [];
  const flows = new Map<string, Flow>();
  const fixIds = new Map<string, { flow: string; loc: () => Loc }>();
  const checked = new Set<string>();
  const outlines = new Map<Flow, FlowOutline>();
  for (const src of sources) {
    // A record's outline, else the document's (a file loaded now): the same, without parsing a record's document.
    const outline = src.outline ?? outlineOf(src.doc);
    const id = outline.id;
    const prior = flows.get(id);
    if (prior) {
      problems.push({
        code: 'duplicate-flow-id',
        ...src.loc(['id']),
        message: `flow id "${id}" is also used by ${prior.file}`,
        hint: 'give each flow its own id',
      });
      continue;
    }
    // A flow whose own problems the build already knows (catalog.ts) is compiled when first used.
    const flow = src.checked ? lazyFlow(src, id) : compileOne(src, problems, opts);
    flows.set(id, flow);
    outlines.set(flow, outline);
    if (src.checked) checked.add(id);
    for (const [nid, fixId] of outline.fixes) {
      const seen = fixIds.get(fixId);
      // A position only for a duplicate (a checked flow's is looked up in its record's text).
      const here = () => src.loc(['nodes', nid, 'id']);
      if (seen) {
        const first = seen.loc();
        problems.push({
          code: 'duplicate-fix-id',
          ...here(),
          node: nid,
          message: `fix id "${fixId}" is already used at ${first.file}:${first.line}`,
          hint: 'fix ids are stable and unique across all flows',
        });
      } else fixIds.set(fixId, { flow: id, loc: here });
    }
  }
  // Calls can only be checked once every flow is known.
  for (const flow of flows.values()) {
    for (const [nid, called] of outlines.get(flow)!.calls) {
      if (!flows.has(called) && !opts.unloaded?.has(called)) {
        const guess = didYouMean(called, flows.keys());
        problems.push({
          code: 'unknown-flow',
          ...flow.loc(['nodes', nid, 'flow']),
          node: nid,
          message: `calls flow "${called}", which does not exist`,
          hint: guess ? `did you mean "${guess}"?` : `known flows: ${[...flows.keys()].join(', ')}`,
        });
      }
    }
  }
  checkTogether(flows, (f) => !checked.has(f.id), problems, opts.unloaded);
  return { flows, problems };
}

/** One flow on its own: its problems (all but those between flows) and what the engine needs. */
export function compileOne(src: FlowSource, problems: Problem[], opts: CompileOptions = {}): Flow {
  const doc = src.doc;
  const nodes = doc.nodes;
  const ids = Object.keys(nodes);
  const prefix = doc.id.replace(/-/g, '_');

  // 1. The variables: one per node that produces a value.
  const types: Record<string, ValueType> = { ...GLOBALS };
  // Lets and extract fields whose definition is an error (reported there): an expression that
  // fails only for naming one is not reported again — one problem per mistake.
  const poisoned = new Set<string>();
  const dependant = (message: string) => {
    const u = unknownName(message);
    return u !== undefined && u.kind !== 'function' && poisoned.has(u.name);
  };
  const shapes = new Map<string, StructType>();
  for (const [id, node] of Object.entries(nodes)) {
    if (id in GLOBALS) {
      problems.push({ code: 'schema', ...src.keyLoc(['nodes', id]), node: id, message: `"${id}" is reserved`, hint: 'rename the node' });
    }
    if (node.kind === 'ask') types[id] = node.input === 'confirm' ? 'bool' : 'string';
    if (node.kind === 'run') types[id] = runType(prefix, id, node, src, problems, shapes, poisoned);
  }
  // The models the flow names anywhere (conditions, lets, texts): the others are not registered.
  const text = JSON.stringify(doc);
  const env = buildEnvironment(types, (name) => text.includes(name));
  const lets: Array<[string, string, string]> = [];
  for (const [name, expr] of Object.entries(doc.let ?? {})) {
    if (name in types) {
      problems.push({ code: 'schema', ...src.keyLoc(['let', name]), message: `let "${name}" has the name of a node or global`, hint: 'rename it' });
      continue;
    }
    // A checked flow's let types come from its record; cel-js checks each let when first evaluated.
    const known = src.checked?.[name];
    const r = known !== undefined ? ({ ok: true, type: known } as const) : checkExpression(env, expr);
    if (!r.ok) {
      if (!dependant(r.message)) problems.push({ code: 'bad-expression', ...src.loc(['let', name]), message: `let ${name}: ${r.message}`, hint: celHint(r.message, env, types, lets) });
      poisoned.add(name); // its uses are not reported again: one problem per mistake
      continue;
    }
    env.registerVariable(name, r.type);
    lets.push([name, expr, r.type]);
  }

  const at = (id: string, ...rest: Array<string | number>) => src.loc(id ? ['nodes', id, ...rest] : rest);
  // A checked flow (src.checked) has no problems left to find: its conditions, texts
  // and evidence are type-checked by cel-js on first evaluation instead of all of them here.
  const verify = src.checked === undefined;
  // CEL's `matches()` runs a regex on host output too: hold its pattern to the same rule as
  // `extract` regexes. Only a literal can be checked, so only a literal is allowed.
  const checkMatches = (id: string, path: Array<string | number>, expr: string) => {
    for (const m of expr.matchAll(MATCHES_CALL)) {
      const lit = celStringLiteral(m[1] ?? '');
      const why = lit === null ? 'its pattern must be a string literal, so that lint can check it' : unsafeRegex(lit);
      if (why) problems.push({ code: 'unsafe-regex', ...at(id, ...path), node: id, message: `matches(): ${why}`, hint: 'use a pattern without nested or overlapping repetition' });
    }
  };
  const checkBool = (id: string, path: Array<string | number>, expr: string) => {
    if (!verify) return;
    checkMatches(id, path, expr);
    const r = checkExpression(env, expr);
    if (!r.ok) {
      if (!dependant(r.message)) problems.push({ code: 'bad-expression', ...at(id, ...path), node: id, message: r.message, hint: celHint(r.message, env, types, lets) ?? 'see `tshoot flows vars FLOW` for the names and types in scope' });
    } else if (r.type !== 'bool') problems.push({ code: 'not-boolean', ...at(id, ...path), node: id, message: `condition is ${r.type}, not bool`, hint: `compare it, e.g. \`${expr} == …\`` });
  };
  const checkTemplate = (id: string, path: Array<string | number>, s: string) => {
    if (!verify) return;
    try {
      for (const part of parseTemplate(s).parts) {
        if (!('expr' in part)) continue;
        checkMatches(id, path, part.expr);
        const r = checkExpression(env, part.expr);
        if (!r.ok && !dependant(r.message)) problems.push({ code: 'bad-expression', ...at(id, ...path), node: id, message: `in {{ ${part.expr} }}: ${r.message}`, hint: celHint(r.message, env, types, lets) });
      }
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      problems.push({ code: 'bad-template', ...at(id, ...path), node: id, message: e.message });
    }
  };
  const checkText = (id: string, path: Array<string | number>, t: TextT | undefined) => {
    if (t === undefined || !verify) return;
    const variants = textVariants(t);
    for (const [lang, s] of variants) checkTemplate(id, typeof t === 'string' ? path : [...path, lang], s);
    const missing = LANGS.filter((l) => !variants.some(([v]) => v === l));
    if (missing.length) {
      problems.push({ code: 'missing-translation', ...at(id, ...path), node: id, message: `no ${missing.join(', ')} text`, hint: 'write it as {en: …, ja: …}', severity: 'warning' });
    }
  };

  // 2. Each node: its references, expressions, texts.
  const edges: Edge[] = [];
  // A goto to a missing node is one mistake: the graph checks go on as if it named the node
  // it most likely meant (or, with no guess, as if it were a way out), so that node is not
  // also "unreachable" nor this one "in a cycle with no way out".
  const meant: Edge[] = [];
  const unresolved = new Set<string>();
  const exists = (id: string, target: string, path: Array<string | number>) => {
    if (target in nodes) return true;
    const guess = didYouMean(target, ids);
    if (guess !== undefined) meant.push({ from: id, to: guess, label: 'meant', index: -1 });
    else unresolved.add(id);
    problems.push({
      code: 'missing-node',
      ...at(id, ...path),
      node: id,
      message: `goto "${target}" does not exist`,
      hint: guess ? `did you mean "${guess}"?` : 'add the node or fix the id',
    });
    return false;
  };
  const checkNext = (id: string, next: NextT | undefined) => {
    if (next === undefined) return;
    if (typeof next === 'string') {
      if (exists(id, next, ['next'])) edges.push({ from: id, to: next, label: 'next', index: -1 });
      return;
    }
    next.forEach((b, i) => {
      if (b.when === undefined && i < next.length - 1) {
        problems.push({ code: 'default-not-last', ...at(id, 'next', i), node: id, message: 'a default (no `when`) before the end of the list: the entries after it are never tried', hint: 'move the default last' });
      }
      if (b.when !== undefined) checkBool(id, ['next', i, 'when'], b.when);
      if (exists(id, b.goto, ['next', i, 'goto'])) edges.push({ from: id, to: b.goto, label: b.when ?? 'default', index: i });
    });
    const last = next[next.length - 1];
    if (last && last.when !== undefined) {
      problems.push({ code: 'no-default', ...at(id, 'next'), node: id, message: 'the `next` list has no default', hint: 'end it with an entry that has only `goto`' });
    }
  };

  const startGuess = doc.start in nodes ? doc.start : didYouMean(doc.start, ids);
  if (!(doc.start in nodes)) {
    const guess = startGuess;
    problems.push({ code: 'missing-node', ...src.loc(['start']), message: `start node "${doc.start}" does not exist`, hint: guess ? `did you mean "${guess}"?` : 'name an existing node' });
  }
  for (const [id, node] of Object.entries(nodes)) {
    switch (node.kind) {
      case 'ask':
        checkText(id, ['text'], node.text);
        checkText(id, ['help'], node.help);
        node.choices?.forEach((c, i) => checkText(id, ['choices', i, 'label'], c.label));
        if (node.input === 'select' && !node.choices) problems.push({ code: 'schema', ...at(id), node: id, message: 'a select question needs `choices`' });
        if (verify && node.pattern !== undefined && compileRegex(node.pattern, () => at(id, 'pattern'), id, problems)) {
          // Answers are checked with the `u` flag (engine/answer.ts), which is stricter: `[\w-.]`.
          try {
            new RegExp(`^(?:${node.pattern})$`, 'u');
          } catch (e) {
            problems.push({ code: 'bad-regex', ...at(id, 'pattern'), node: id, message: `pattern does not compile as a Unicode regex: ${(e as Error).message}`, hint: 'answers are checked in Unicode mode, which refuses loose escapes, lone braces and ranges like [\\w-.] (write [\\w.-])' });
          }
        }
        checkNext(id, node.next);
        break;
      case 'run': {
        const why = verify ? changesHost(node.argv, { trusted: new Set(lets.map(([name]) => name)), programs: opts.programs }) : null;
        if (why) problems.push({ code: 'changes-host', ...at(id, 'argv'), node: id, message: `this command is not known to be read-only: ${why}`, hint: "use a listed read-only program and option (README: Read-only unless you approve), or move the command into a fix's `apply`, which runs only with the user's consent" });
        checkText(id, ['title'], node.title);
        checkText(id, ['summary'], node.summary);
        node.argv.forEach((a, i) => checkTemplate(id, ['argv', i], a));
        checkNext(id, node.next);
        if (node.on_unreachable !== undefined && exists(id, node.on_unreachable, ['on_unreachable'])) {
          edges.push({ from: id, to: node.on_unreachable, label: 'unreachable', index: -1 });
        }
        break;
      }
      case 'branch':
        checkText(id, ['title'], node.title);
        checkNext(id, node.next);
        break;
      case 'fix':
        checkText(id, ['title'], node.title);
        checkText(id, ['cause'], node.cause);
        if (node.requires) {
          checkBool(id, ['requires', 'when'], node.requires.when);
          if (exists(id, node.requires.otherwise, ['requires', 'otherwise'])) edges.push({ from: id, to: node.requires.otherwise, label: `not (${node.requires.when})`, index: -1 });
        } else {
          problems.push({ code: 'no-requires', ...at(id), node: id, message: `fix "${node.id}" states no condition under which it clears the symptom`, hint: 'add `requires: {when: CONDITION, otherwise: NODE}`: the fix is concluded only when the evidence shows it would make the address and port answer', severity: 'warning' });
        }
        node.fix.forEach((t, i) => checkText(id, ['fix', i], t));
        node.verify.forEach((t, i) => checkText(id, ['verify', i], t));
        checkText(id, ['config'], node.config);
        if (node.apply) {
          const ap = node.apply;
          for (const c of typeof ap.check === 'string' ? [ap.check] : ap.check) {
            if (exists(id, c, ['apply', 'check']) && nodes[c]?.kind !== 'run') {
              problems.push({ code: 'bad-apply', ...at(id, 'apply', 'check'), node: id, message: `apply.check must name run nodes; "${c}" is a ${nodes[c]?.kind} node` });
            }
          }
          const steps: Array<['steps' | 'rollback', number, (typeof ap.steps)[number]]> = [
            ...ap.steps.map((st, i) => ['steps', i, st] as ['steps', number, typeof st]),
            ...(ap.rollback ?? []).map((st, i) => ['rollback', i, st] as ['rollback', number, typeof st]),
          ];
          for (const [list, i, st] of steps) {
            checkText(id, ['apply', list, i, 'title'], st.title);
            st.argv.forEach((a, k) => checkTemplate(id, ['apply', list, i, 'argv', k], a));
            if (st.when !== undefined) checkBool(id, ['apply', list, i, 'when'], st.when);
            if (st.backup !== undefined) checkTemplate(id, ['apply', list, i, 'backup'], st.backup);
          }
        }
        node.evidence?.forEach((ev, i) => {
          const from = nodes[ev.from];
          if (!exists(id, ev.from, ['evidence', i, 'from'])) return;
          if (from?.kind !== 'run') {
            problems.push({ code: 'bad-evidence', ...at(id, 'evidence', i, 'from'), node: id, message: `evidence comes from run nodes; "${ev.from}" is a ${from?.kind} node` });
          }
          if (ev.lines !== undefined) {
            const r = verify ? checkExpression(env, ev.lines) : ({ ok: true, type: 'list<string>' } as const);
            if (!r.ok) {
              if (!dependant(r.message)) problems.push({ code: 'bad-expression', ...at(id, 'evidence', i, 'lines'), node: id, message: r.message, hint: celHint(r.message, env, types, lets) });
            }
            else if (r.type !== 'list<string>') problems.push({ code: 'bad-evidence', ...at(id, 'evidence', i, 'lines'), node: id, message: `evidence lines are ${r.type}, not list<string>`, hint: 'e.g. `x.sockets.map(s, s.line)`' });
          }
        });
        break;
      case 'end':
        checkText(id, ['title'], node.title);
        node.checked?.forEach((t, i) => checkText(id, ['checked', i], t));
        node.next_steps.forEach((t, i) => checkText(id, ['next_steps', i], t));
        break;
      case 'call':
        checkNext(id, node.next);
        break;
    }
  }
  checkText('', ['title'], doc.title);
  checkText('', ['description'], doc.description);

  // 3. The graph: every node reachable from the start, every reachable node with a way out.
  // A checked flow has none of these problems (its record says so): only its edges are needed.
  if (verify) {
    const out = new Map<string, string[]>();
    const into = new Map<string, string[]>();
    for (const e of [...edges, ...meant]) {
      (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
      (into.get(e.to) ?? into.set(e.to, []).get(e.to)!).push(e.from);
    }
    const reach = new Set<string>();
    const stack = startGuess !== undefined ? [startGuess] : [];
    while (stack.length) {
      const n = stack.pop()!;
      if (reach.has(n)) continue;
      reach.add(n);
      stack.push(...(out.get(n) ?? []));
    }
    for (const id of ids) {
      if (!reach.has(id) && startGuess !== undefined && unresolved.size === 0) {
        problems.push({ code: 'unreachable', ...src.keyLoc(['nodes', id]), node: id, message: 'no path from the start reaches this node', hint: 'link it with a goto, or remove it' });
      }
    }
    const terminal = (id: string) => {
      const k = nodes[id]?.kind;
      return k === 'fix' || k === 'end' || k === 'call';
    };
    // Walked backwards from the fixes and ends: linear in the edges (a fixpoint over all edges
    // is quadratic on a long chain).
    const exits = new Set(ids.filter((id) => terminal(id) || unresolved.has(id)));
    const back = [...exits];
    while (back.length) {
      for (const from of into.get(back.pop()!) ?? []) {
        if (exits.has(from)) continue;
        exits.add(from);
        back.push(from);
      }
    }
    for (const id of ids) {
      if (reach.has(id) && !exits.has(id)) {
        problems.push({ code: 'no-exit', ...src.keyLoc(['nodes', id]), node: id, message: 'this node is in a cycle with no way out to a fix or an end', hint: 'add a branch that leaves the loop' });
      }
    }
  }

  return {
    id: doc.id,
    file: src.file,
    doc,
    env,
    types,
    lets,
    edges,
    node: (id) => (Object.hasOwn(nodes, id) ? nodes[id] : undefined),
    loc: src.loc,
  };
}

/**
 * A flow whose problems are already known: the same `Flow`, compiled (CEL environment,
 * types, edges) on first use. The symptom menu needs only ids and titles.
 */
function lazyFlow(src: FlowSource, id: string): Flow {
  let full: Flow | undefined;
  const get = (): Flow => (full ??= compileOne(src, []));
  return {
    id,
    file: src.file,
    get doc() {
      return src.doc;
    },
    get env() {
      return get().env;
    },
    get types() {
      return get().types;
    },
    get lets() {
      return get().lets;
    },
    get edges() {
      return get().edges;
    },
    node: (nid) => (Object.hasOwn(src.doc.nodes, nid) ? src.doc.nodes[nid] : undefined),
    loc: src.loc,
  };
}

function runType(prefix: string, id: string, node: RunNodeT, src: FlowSource, problems: Problem[], shapes: Map<string, StructType>, poisoned: Set<string>): ValueType {
  const fields: Record<string, ValueType> = { ...RUN_FIELDS };
  for (const [name, ex] of Object.entries(node.extract ?? {})) {
    if (name in RUN_FIELDS) {
      problems.push({ code: 'schema', ...src.keyLoc(['nodes', id, 'extract', name]), node: id, message: `"${name}" is a built-in field of a run result`, hint: 'pick another name' });
      continue;
    }
    if ('parser' in ex) {
      const p = PARSERS.get(ex.parser);
      if (!p) {
        const guess = didYouMean(ex.parser, PARSERS.keys());
        problems.push({ code: 'unknown-parser', ...src.loc(['nodes', id, 'extract', name, 'parser']), node: id, message: `unknown parser "${ex.parser}"`, hint: guess ? `did you mean "${guess}"?` : `known: ${[...PARSERS.keys()].join(', ')}` });
        poisoned.add(name); // its uses are not reported again
        continue;
      }
      fields[name] = p.type;
    } else {
      // A flow the build checked has safe regexes: only their groups are needed here.
      if (src.checked === undefined && !compileRegex(ex.regex, () => src.loc(['nodes', id, 'extract', name, 'regex']), id, problems)) {
        poisoned.add(name);
        continue;
      }
      const groups: Record<string, ValueType> = { matched: 'bool' };
      for (const m of ex.regex.matchAll(NAMED_GROUP)) groups[m[1]!] = 'string';
      fields[name] = shared(shapes, `Rx_${prefix}_${id}_${name}`, groups);
    }
  }
  return shared(shapes, `Run_${prefix}_${id}`, fields);
}

/**
 * One struct type per shape in a flow, named after the first node that has it: cel-js checks
 * each new type's `type()` overload against every one before it, so a type per node made a
 * 5,000-node flow's environment quadratic.
 */
function shared(shapes: Map<string, StructType>, name: string, fields: Record<string, ValueType>): StructType {
  const key = `${name.slice(0, name.indexOf('_'))}{${Object.entries(fields).map(([k, t]) => `${k}:${typeName(t)}`).join(',')}}`;
  let t = shapes.get(key);
  if (!t) shapes.set(key, (t = { struct: name, fields }));
  return t;
}

/** CEL's macros: not functions in the environment's definitions. */
const MACROS = ['has', 'all', 'exists', 'exists_one', 'map', 'filter'];

/** Did-you-mean for the name cel-js did not know: a variable (node, let, global), a field of any struct in scope, a function. */
function celHint(message: string, env: Environment, types: Readonly<Record<string, ValueType>>, lets: ReadonlyArray<readonly [string, ...unknown[]]>): string | undefined {
  const unknown = unknownName(message);
  if (unknown?.kind === 'variable') return guessHint(unknown.name, [...Object.keys(types), ...lets.map(([n]) => n)]);
  if (unknown?.kind === 'function') {
    const names = new Set([...env.getDefinitions().functions.map((f) => f.name), ...MACROS]);
    // A known function with other argument types: a name to suggest would be itself.
    return names.has(unknown.name) ? undefined : guessHint(unknown.name, names);
  }
  if (!unknown) return undefined;
  const fields = new Set<string>();
  const walk = (t: ValueType): void => {
    if (typeof t === 'string') return;
    if ('list' in t) return walk(t.list);
    for (const [f, ft] of Object.entries(t.fields)) if (!fields.has(f)) fields.add(f), walk(ft);
  };
  Object.values(types).forEach(walk);
  return guessHint(unknown.name, fields);
}

/** The name a cel-js type-check error says it does not know: a variable, a field ("No such key"), a function (no overload). */
function unknownName(message: string): { kind: 'variable' | 'field' | 'function'; name: string } | undefined {
  const m = /^(?:Unknown variable|(No such key)): ([A-Za-z_]\w*)/.exec(message);
  if (m) return { kind: m[1] ? 'field' : 'variable', name: m[2]! };
  const f = /^found no matching overload for '(?:[\w<>, ]+\.)?([A-Za-z_]\w*)\(/.exec(message);
  return f ? { kind: 'function', name: f[1]! } : undefined;
}

/** `x.matches(ARG)` / `matches(x, ARG)`: ARG up to the closing parenthesis. */
const MATCHES_CALL = /\bmatches\(\s*(?:[^,()]*,\s*)?(r?"(?:[^"\\]|\\.)*"|r?'(?:[^'\\]|\\.)*'|[^)]*)\s*\)/g;

/** The value of a CEL string literal (`"a\\.b"`, `r"a\.b"`), or null when ARG is not one. */
function celStringLiteral(arg: string): string | null {
  const m = /^(r?)(["'])([\s\S]*)\2$/.exec(arg.trim());
  if (!m) return null;
  return m[1] ? m[3]! : m[3]!.replace(/\\(.)/g, '$1');
}

export function compileRegex(source: string, where: () => Loc, node: string, problems: Problem[]): RegExp | null {
  let re: RegExp;
  try {
    re = new RegExp(source, 'm');
  } catch (e) {
    problems.push({ code: 'bad-regex', ...where(), node, message: `regex does not compile: ${(e as Error).message}` });
    return null;
  }
  // It runs on whatever a host prints (or a user types): refuse shapes that backtrack for ever.
  const why = unsafeRegex(source);
  if (why) {
    problems.push({ code: 'unsafe-regex', ...where(), node, message: `regex /${source}/ is unsafe: ${why}` });
    return null;
  }
  return re;
}

export { typeName };
