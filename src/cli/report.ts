/**
 * `tshoot report [FILE | --latest] [--format md|html] [-o OUT]`: a recorded session as a report
 * to attach to a ticket. The flow's graph comes from today's flows when the flow is still there.
 * Without FILE it is the newest session in `$XDG_STATE_HOME/tshoot/sessions/`, the folder run
 * records into, read through the same checks (safe-fs.ts: ours, no links).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openSafeDir } from '../safe-fs.js';
import { parseTranscript, TranscriptError, type Transcript } from '../transcript/format.js';
import { sessionsDir } from '../transcript/recorder.js';
import { renderReport, type ReportFormat } from '../transcript/report.js';
import { openCatalog } from './catalog.js';
import type { CliIO } from './io.js';
import { flowsFor, readTranscript } from './replay.js';
import { UsageError } from './target.js';
import { detectLang } from '../flow/template.js';
import { NOTE_TEXT } from '../ui/messages.js';

export interface ReportOptions {
  format?: string;
  output?: string;
  flows?: string[];
  latest?: boolean;
}

export function reportCommand(io: CliIO, file: string | undefined, opts: ReportOptions): number {
  const format = (opts.format ?? (opts.output?.endsWith('.md') ? 'md' : 'html')) as ReportFormat;
  if (format !== 'md' && format !== 'html') throw new UsageError((t) => t.badChoice('--format', String(opts.format), ['md', 'html']));
  if (file !== undefined && opts.latest) throw new UsageError((t) => t.fileAndLatest(file));
  // An HTML page is a file to open in a browser: on a terminal it is a screenful of markup.
  // Refused (rather than written somewhere the user did not name) with the two ways on.
  const toStdout = !opts.output || opts.output === '-';
  if (format === 'html' && toStdout && opts.output !== '-' && io.stdout.isTTY) {
    throw new UsageError((t) => t.htmlOnTerminal);
  }
  const t = file === undefined ? latestTranscript(io) : readTranscript(io, file);
  const cat = openCatalog(io, flowsFor(t, opts.flows));
  const text = renderReport(t, cat.flows.get(t.header.flow), format);
  if (!toStdout) {
    const out = resolve(io.cwd, opts.output!);
    try {
      writeFileSync(out, text, { mode: 0o600 });
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UsageError((t) => t.cannotWriteOutput(opts.output!, why));
    }
    io.stderr.write(`${NOTE_TEXT[detectLang(undefined, io.env)].reportWritten(opts.output!)}\n`);
  } else io.stdout.write(text);
  return 0;
}

/** The session written to last in the sessions folder (a resumed one counts from its resumption). */
function latestTranscript(io: CliIO): Transcript {
  const folder = sessionsDir(io.env);
  let dir;
  try {
    // `tshoot/sessions`: no link in tshoot's own folders (as the recorder opens it).
    dir = openSafeDir(folder, { own: 2 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError((t) => t.noSessionYet(folder));
    throw new UsageError(`${folder}: ${code ?? (e as Error).message}`);
  }
  try {
    const newest = dir
      .list()
      .filter((n) => n.endsWith('.ndjson'))
      .map((name) => ({ name, stat: dir.stat(name) }))
      .filter((f) => f.stat.isFile())
      .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs || (a.name < b.name ? 1 : -1))[0];
    if (!newest) throw new UsageError((t) => t.noSessionIn(folder));
    const path = resolve(folder, newest.name);
    const bytes = dir.read(newest.name);
    if (!bytes) throw new UsageError((t) => t.notYours(path));
    io.stderr.write(`${NOTE_TEXT[detectLang(undefined, io.env)].reportOf(path)}\n`);
    try {
      return parseTranscript(path, bytes.toString('utf8'));
    } catch (e) {
      if (e instanceof TranscriptError) throw new UsageError((u) => e.in(u.transcript));
      throw e;
    }
  } finally {
    dir.close();
  }
}
