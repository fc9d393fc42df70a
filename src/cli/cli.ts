/**
 * The command line: `cli(argv, io)` parses, dispatches and returns the exit code. It never
 * touches `process`; `main.ts` does that. Every usage or flow error becomes one line on
 * stderr and exit 2, never a stack trace.
 */
import type { Command } from 'commander';
import { EXIT, type CliIO } from './io.js';
import type { RunOptions } from './run.js';
import type { DiagnoseOptions } from './diagnose.js';
import { UsageError } from './target.js';
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

export async function cli(argv: readonly string[], io: CliIO): Promise<number> {
  // Bare `tshoot` has nothing to parse: straight to the symptom menu, without loading commander.
  if (argv.length === 0) return usageErrors(io, () => import('./menu.js').then((m) => m.menuCommand(io, { ...BARE_OPTIONS })));
  const { Command, CommanderError, Option } = await import('commander');
  let code: number = 0;
  const program = new Command('tshoot')
    .description('Find out why a server cannot be reached, and how to fix it.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} })
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);


  sessionOptions(program).action(async (opts: RunOptions) => {
    code = await (await import('./menu.js')).menuCommand(io, opts);
  });

  sessionOptions(program.command('run').description('run a flow').argument('<FLOW>', 'flow id (see `tshoot flows list`)')).action(
    async (flow: string, opts: RunOptions) => {
      code = await (await import('./run.js')).runCommand(io, flow, opts);
    },
  );

  sessionOptions(
    program
      .command('diagnose')
      .description('probe TARGET from the client, classify the failure, and run the matching flow; or start from a pasted error')
      .argument('[TARGET]', 'a URL or HOST:PORT')
      .option('--error <TEXT>', "the error message you saw, as the client printed it (curl, wget, Node, Python, Go, Java, psql, mysql, a browser, the EC2 console…); '-' reads it from stdin"),
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
    .option('-q, --quiet', 'print only the final card')
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
    .action(async (file: string, opts: ResumeOptions) => {
      code = await (await import('./resume.js')).resumeCommand(io, file, opts);
    });
  program
    .command('report')
    .description('a shareable report of a recorded session: Markdown, or one self-contained HTML file')
    .argument('<FILE>', 'a transcript (.ndjson)')
    .addOption(new Option('--format <FORMAT>', 'md or html (default: html, or md when OUT ends in .md)').choices(['md', 'html']))
    .option('-o, --output <OUT>', 'write to OUT instead of stdout')
    .option('--flows <DIR>', 'also load the flows in DIR (repeatable)', collect)
    .action(async (file: string, opts: { format?: string; output?: string; flows?: string[] }) => {
      code = (await import('./report.js')).reportCommand(io, file, opts);
    });

  const flows = program.command('flows').description("flow authors' tools");
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

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      io.stderr.write(`tshoot: ${e.message.replace(/^error: /, '')}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`tshoot: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

async function usageErrors(io: CliIO, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`tshoot: ${e.message}\n`);
    return EXIT.usage;
  }
}
