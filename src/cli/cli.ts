/**
 * The command line: `cli(argv, io)` parses, dispatches and returns the exit code. It never
 * touches `process`; `main.ts` does that. Every usage or flow error becomes one line on
 * stderr and exit 2, never a stack trace; with `--json`, stdout carries exactly one object
 * on every path (`jsonContract` below).
 */
import type { Command } from 'commander';
import { EXIT, errorLine, type CliIO } from './io.js';
import { stopFor } from './outcome.js';
import { didYouMean } from '../flow/problem.js';
import type { RunOptions } from './run.js';
import type { DiagnoseOptions } from './diagnose.js';
import { UsageError, usageMessage } from './target.js';
import { detectLang } from '../flow/template.js';
import type { UiLang, UsageText } from '../ui/messages.js';
import type { ReplayOptions } from './replay.js';
import type { ResumeOptions } from './resume.js';
import { VERSION } from '../version.js';

// Each command's module is imported when the command runs, not before: `--version`, `--help`
// and a usage error load no flow, no CEL, no YAML, no UI (issue 8: start within 1.5× of bare
// node). In the one bundle (esbuild.config.mjs) a module's top level runs on its first import.
const flowsCli = () => import('./flows.js');

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The options of `run`, `diagnose` and the bare `tshoot`. */
export function sessionOptions(c: Command): Command {
  return c
    .option('--target <URL|HOST:PORT>', 'what was unreachable: a URL or HOST:PORT')
    .option('--host <ROLE=DEST>', 'who plays a role: client, server or bastion = local or an ssh destination (repeatable)', collect)
    .option('--answers <FILE>', 'answers by question id (YAML or JSON)')
    .option('--non-interactive', 'never prompt: a missing answer ends with exit 4')
    .option('--json', 'print exactly one JSON object on stdout (progress goes to stderr)')
    .option('--transcript <FILE>', 'where to record the session (default: $XDG_STATE_HOME/tshoot/sessions/)')
    .option('--no-transcript', 'record no transcript')
    .option('--redact-hosts', 'write host names and addresses into the transcript as placeholders (host-1, 192.0.2.1)')
    .addOption(c.createOption('--lang <LANG>', 'language of the texts').choices(['en', 'ja']))
    .option('--flows <DIR>', 'also load the flows in DIR (repeatable)', collect)
    .option('--ssh-config <FILE>', 'OpenSSH client config to read instead of ~/.ssh/config')
    .option('--accept-new-host-keys', "trust (and remember) hosts' keys seen for the first time, like OpenSSH's accept-new")
    .option('--apply', "apply the fix's changes without asking (they are shown, backed up, verified, and rolled back if the check fails)")
    .option('--dry-run', 'show what applying the fix would run, and change nothing')
    .option('-v, --verbose', 'show every decision and whole command outputs')
    .option('-q, --quiet', 'print only the final card');
}

/** What commander gives the bare `tshoot` for no arguments (test/cli/bare.test.ts checks it). */
export const BARE_OPTIONS: RunOptions = {};

export async function cli(argv: readonly string[], given: CliIO): Promise<number> {
  const contract = jsonContract(argv, given);
  const io = contract.io;
  try {
    return await dispatch(argv, io);
  } catch (e) {
    // Whatever ends the command, --json still gets its one object (then main.ts says it on stderr).
    if (contract.owed()) contract.error(e);
    throw e;
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const lang = argvLang(argv, io.env);
  // The user reads it in the session's language; `--json` carries the English.
  const usage = (e: Error): number => {
    io.stderr.write(errorLine(usageMessage(e, lang)));
    (io as JsonIO).usageError?.(e.message);
    return EXIT.usage;
  };
  // Bare `tshoot` has nothing to parse: straight to the symptom menu, without loading commander.
  if (argv.length === 0) return usageErrors(usage, () => import('./menu.js').then((m) => m.menuCommand(io, { ...BARE_OPTIONS })));
  const { Command, CommanderError, Option } = await import('commander');
  let code: number = 0;
  const program = new Command('tshoot')
    .description('Find out why a server cannot be reached, and how to fix it.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} })
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    // commander adds `help [command]` only to a program without an action of its own; ours has one (the menu).
    .helpCommand(true)
    .addHelpText('after', examples(['tshoot', 'tshoot diagnose http://web1.invalid/app', 'tshoot diagnose --error "curl: (7) Failed to connect to web1.invalid port 80"', 'tshoot run refused --target web1.invalid:80 --host server=admin@web1.invalid', 'tshoot help run']));

  sessionOptions(program).action(async (opts: RunOptions, cmd: Command) => {
    // Words the program's action gets are no command of ours (commander would say "too many arguments").
    const word = cmd.args[0];
    if (word !== undefined) throw unknownCommand(word, program.commands.map((c) => c.name()));
    code = await (await import('./menu.js')).menuCommand(io, opts);
  });

  sessionOptions(
    program
      .command('run')
      .description('run a flow')
      .argument('<FLOW>', 'flow id (see `tshoot flows list`)')
      .addHelpText('after', examples(['tshoot run refused --target http://web1.invalid/ --host server=admin@web1.invalid', 'tshoot run not-found --target http://web1.invalid/hogehoge --host server=local --non-interactive --json'])),
  ).action(
    async (flow: string, opts: RunOptions) => {
      code = await (await import('./run.js')).runCommand(io, flow, opts);
    },
  );

  sessionOptions(
    program
      .command('diagnose')
      .description('probe TARGET from the client, classify the failure, and run the matching flow; or start from a pasted error')
      .argument('[TARGET]', 'a URL or HOST:PORT')
      .option('--error <TEXT>', "the error message you saw, as the client printed it (curl, wget, Node, Python, Go, Java, psql, mysql, a browser, the EC2 console…); '-' reads it from stdin")
      .addHelpText('after', examples(['tshoot diagnose http://web1.invalid:8080/', 'tshoot diagnose db1.invalid:5432 --host server=admin@db1.invalid', "tshoot diagnose --error 'curl: (28) Failed to connect to web1.invalid port 443'"])),
  ).action(async (target: string | undefined, opts: DiagnoseOptions) => {
    code = await (await import('./diagnose.js')).diagnoseCommand(io, target, opts);
  });

  program
    .command('replay')
    .description("show a recorded session again through today's flows; nothing runs, nothing is asked")
    .argument('<FILE>', 'a transcript (.ndjson)')
    .option('--check', "exit 1 with the differences when today's flows would ask, run or conclude something else")
    .option('--update', 'rewrite the decisions and the outcome from the recorded answers and results')
    .option('--json', 'print exactly one JSON object on stdout')
    .option('--flows <DIR>', 'also load the flows in DIR (repeatable)', collect)
    .option('-v, --verbose', 'show every decision and whole command outputs')
    .option('-q, --quiet', "print only the one-line verdict (FILE: matches today's flows (…, fix ID))")
    .addHelpText('after', examples(['tshoot replay examples/not-found-hogehoge.ndjson', 'tshoot replay --check -q examples/refused-nginx-stopped.ndjson', 'tshoot replay --json examples/refused-nginx-stopped.ndjson']))
    .action(async (file: string, opts: ReplayOptions) => {
      code = await (await import('./replay.js')).replayCommand(io, file, opts);
    });
  program
    .command('resume')
    .description('continue an interrupted session: the recorded steps are replayed, not run again; the rest is appended to FILE')
    .argument('<FILE>', 'the transcript of the interrupted session')
    .option('--target <URL|HOST:PORT>', 'instead of the recorded target')
    .option('--host <ROLE=DEST>', 'instead of a recorded role (repeatable)', collect)
    .option('--answers <FILE>', 'answers by question id (YAML or JSON)')
    .option('--answer <ID=VALUE>', 'correct a recorded answer: replayed up to that question, then taken anew, into FILE-corrected.ndjson (repeatable)', collect)
    .option('--non-interactive', 'never prompt: a missing answer ends with exit 4')
    .option('--json', 'print exactly one JSON object on stdout (progress goes to stderr)')
    .option('--flows <DIR>', 'also load the flows in DIR (repeatable; default: those the session was recorded with)', collect)
    .option('--ssh-config <FILE>', 'OpenSSH client config to read (default: the one the session was recorded with)')
    .option('--accept-new-host-keys', "trust (and remember) hosts' keys seen for the first time, like OpenSSH's accept-new")
    .option('-v, --verbose', 'show every decision and whole command outputs')
    .option('-q, --quiet', 'print only the final card')
    .addHelpText('after', examples(['tshoot resume ~/.local/state/tshoot/sessions/20261201T100000Z-refused-0123456789abcdef.ndjson', 'tshoot resume SESSION.ndjson --host server=admin@web2.invalid']))
    .action(async (file: string, opts: ResumeOptions) => {
      code = await (await import('./resume.js')).resumeCommand(io, file, opts);
    });
  program
    .command('report')
    .description('a shareable report of a recorded session: Markdown, or one self-contained HTML file')
    .argument('[FILE]', 'a transcript (.ndjson); none: the latest session recorded')
    .option('--latest', 'the latest session in $XDG_STATE_HOME/tshoot/sessions (the default without FILE)')
    .addOption(new Option('--format <FORMAT>', 'md or html (default: html, or md when OUT ends in .md)').choices(['md', 'html']))
    .option('-o, --output <OUT>', 'write to OUT instead of stdout (HTML is not printed on a terminal: name a file, or -o - to print it)')
    .option('--flows <DIR>', 'also load the flows in DIR (repeatable)', collect)
    .addHelpText('after', examples(['tshoot report --latest -o report.html', 'tshoot report SESSION.ndjson -o report.html', 'tshoot report SESSION.ndjson --format md > report.md']))
    .action(async (file: string | undefined, opts: { format?: string; output?: string; flows?: string[]; latest?: boolean }) => {
      code = (await import('./report.js')).reportCommand(io, file, opts);
    });

  const flows = program
    .command('flows')
    .description("flow authors' tools")
    .addHelpText('after', examples(['tshoot flows lint --strict', 'tshoot flows list', 'tshoot flows graph refused --format dot', 'tshoot flows test refused']));
  flows
    .command('test')
    .description('replay the sessions recorded beside each flow (FLOW/sessions/*.ndjson); report the edges they cover; exit 1 if one diverges or an edge is not covered')
    .argument('[FLOW]', 'flow id (default: every flow)')
    .option('--flows <DIR>', 'also load the flows in DIR', collect)
    .action(async (id: string | undefined, opts: { flows?: string[] }) => {
      code = await (await import('./replay.js')).flowsTestCommand(io, id, opts);
    });
  flows
    .command('lint')
    .description('check flows; prints FILE:LINE:COL node "ID": message (hint) for every problem, exit 2 if any')
    .argument('[FILE...]', 'flow files (default: every flow)')
    .option('--strict', 'warnings (e.g. a missing translation) fail too')
    .option('--flows <DIR>', 'also load the flows in DIR', collect)
    .action(async (files: string[], opts: { strict?: boolean; flows?: string[] }) => {
      code = (await flowsCli()).lintCommand(io, files, opts);
    });
  flows
    .command('list')
    .description('list the flows')
    .option('--json', 'as JSON')
    .option('--flows <DIR>', 'also load the flows in DIR', collect)
    .action(async (opts: { json?: boolean; flows?: string[] }) => {
      code = (await flowsCli()).listCommand(io, opts);
    });
  flows
    .command('graph')
    .description('draw a flow')
    .argument('<FLOW>', 'flow id')
    .addOption(new Option('--format <FORMAT>', 'mermaid or dot').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--flows <DIR>', 'also load the flows in DIR', collect)
    .action(async (id: string, opts: { format?: string; flows?: string[] }) => {
      code = (await flowsCli()).graphCommand(io, id, opts);
    });
  flows
    .command('vars')
    .description('the variables a flow’s conditions can read, with their types')
    .argument('<FLOW>', 'flow id')
    .option('--flows <DIR>', 'also load the flows in DIR', collect)
    .action(async (id: string, opts: { flows?: string[] }) => {
      code = (await flowsCli()).varsCommand(io, id, opts);
    });
  flows
    .command('parsers')
    .description('the built-in output parsers')
    .action(async () => {
      code = (await flowsCli()).parsersCommand(io);
    });
  flows
    .command('schema')
    .description('print the JSON Schema of the flow language (flows/flow.schema.json)')
    .action(async () => {
      code = (await flowsCli()).schemaCommand(io);
    });

  // The program's own words now have their commands (and `help`); the rest reach its action as unknown.
  program.allowExcessArguments(true);
  // `help WORD` for no command of ours: commander would print the whole help as an error.
  const [first, second] = argv;
  if (first === 'help' && second !== undefined && !second.startsWith('-') && !program.commands.some((c) => c.name() === second)) {
    return usage(unknownCommand(second, program.commands.map((c) => c.name())));
  }
  // `help flows lint` is `flows lint --help` (commander's own help command stops at the first word).
  const words = first === 'help' && second !== undefined && !second.startsWith('-') ? [...argv.slice(1), '--help'] : argv;
  try {
    await program.parseAsync([...words], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return e.exitCode === 0 ? 0 : EXIT.usage;
      return usage(commanderError(e));
    }
    if (isUsage(e)) return usage(e);
    throw e;
  }
}

/** A usage error (a bad answer, a resumed session that diverged too) by the one mapping (outcome.ts), said as one line and exit 2. */
function isUsage(e: unknown): e is Error {
  return stopFor(e)?.json.outcome === 'error';
}

/** `unknown command 'rnu' (did you mean 'run'?)`: the one message for a word that names no command. */
export function unknownCommand(word: string, commands: readonly string[]): UsageError {
  const guess = didYouMean(word, commands) ?? null;
  return new UsageError((t) => t.unknownCommand(word, guess, commands.join(', ')));
}

/** `--lang` as commander will read it (before `--`), else the locale. */
function argvLang(argv: readonly string[], env: CliIO['env']): UiLang {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  const i = words.findIndex((w) => w === '--lang' || w.startsWith('--lang='));
  const w = words[i];
  return detectLang(w === undefined ? undefined : w === '--lang' ? words[i + 1] : w.slice('--lang='.length), env);
}

/**
 * Commander's own usage errors, by their `code`, in our words (USAGE_TEXT); what it names is
 * read from its English message (commander 14, lib/command.js). A message of another shape
 * is said as commander says it.
 */
const COMMANDER: Readonly<Record<string, { re: RegExp; say: (t: UsageText, m: RegExpMatchArray) => string }>> = {
  'commander.unknownOption': { re: /unknown option '([^']*)'(?:\s*\(Did you mean (.+)\?\))?/, say: (t, m) => t.unknownOption(m[1]!, m[2] ?? null) },
  'commander.unknownCommand': { re: /unknown command '([^']*)'(?:\s*\(Did you mean (.+)\?\))?/, say: (t, m) => t.unknownCommand(m[1]!, m[2] ?? null, null) },
  'commander.missingArgument': { re: /missing required argument '([^']*)'/, say: (t, m) => t.missingArgument(m[1]!) },
  'commander.optionMissingArgument': { re: /option '([^']*)' argument missing/, say: (t, m) => t.optionMissingArgument(m[1]!) },
  'commander.missingMandatoryOptionValue': { re: /required option '([^']*)' not specified/, say: (t, m) => t.requiredOption(m[1]!) },
  'commander.conflictingOption': { re: /^error: (.*) cannot be used with (.*)$/, say: (t, m) => t.conflicting(m[1]!, m[2]!) },
  'commander.excessArguments': { re: /too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)/, say: (t, m) => t.excessArguments(m[1] ?? null, Number(m[2]), Number(m[3])) },
  'commander.invalidArgument': {
    re: /option '(\S+)[^']*' argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/,
    say: (t, m) => t.badChoice(m[1]!, m[2]!, m[3]!.split(', ')),
  },
};

function commanderError(e: Error & { code: string }): UsageError {
  const c = COMMANDER[e.code];
  const m = c ? e.message.match(c.re) : null;
  if (!c || !m) return new UsageError(e.message.replace(/^error: /, ''));
  return new UsageError((t) => c.say(t, m));
}

/** The `Examples:` section `--help` ends with. */
function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}\n`).join('')}`;
}

async function usageErrors(usage: (e: Error) => number, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!isUsage(e)) throw e;
    return usage(e);
  }
}

interface JsonIO extends CliIO {
  /** With --json: a usage error becomes the one object, unless the command printed it already. */
  readonly usageError?: (message: string) => void;
}

/**
 * The `--json` contract (README): exactly one JSON object on stdout, whatever ends the command.
 * The commands print their own; a usage error (commander's or ours), an interruption or an
 * internal error that ends a command before it printed one gets
 * `{"outcome":"error","error":{"code":"usage"|"internal","message"}}` or `{"outcome":"interrupted"}` here.
 * Whether the command printed is watched on stdout, which carries nothing else with --json.
 */
function jsonContract(argv: readonly string[], io: CliIO): { io: JsonIO; owed: () => boolean; error: (e: unknown) => void } {
  const end = argv.indexOf('--');
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  if (!json) return { io, owed: () => false, error: () => {} };
  let printed = false;
  const raw = io.stdout;
  const stdout = new Proxy(raw, {
    get(target, key) {
      if (key === 'write') {
        const write = Reflect.get(target, key, target) as (...a: unknown[]) => boolean;
        return (...a: unknown[]) => {
          printed = true;
          return write.apply(target, a);
        };
      }
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  // The object of the one mapping (outcome.ts stopFor), else an internal error's.
  const error = (e: unknown) => {
    if (printed) return;
    const end = stopFor(e)?.json ?? { outcome: 'error', error: { code: 'internal', message: e instanceof Error ? e.message : String(e), at: null }, fix: null, evidence: [] };
    stdout.write(JSON.stringify({ ...end, questions: 0, commands: 0 }) + '\n');
  };
  // A getter, not a copy: `stdin` is made on first use (main.ts).
  const wrapped: JsonIO = Object.create(io, { stdout: { value: stdout }, usageError: { value: (m: string) => error(new UsageError(m)) } });
  return { io: wrapped, owed: () => !printed, error };
}
