/**
 * `tshoot report FILE [--format md|html] [-o OUT]`: a recorded session as a report to
 * attach to a ticket. The flow's graph comes from today's flows when the flow is still there.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderReport, type ReportFormat } from '../transcript/report.js';
import { openCatalog } from './catalog.js';
import type { CliIO } from './io.js';
import { readTranscript } from './replay.js';
import { UsageError } from './target.js';

export function reportCommand(io: CliIO, file: string, opts: { format?: string; output?: string; flows?: string[] }): number {
  const format = (opts.format ?? (opts.output?.endsWith('.md') ? 'md' : 'html')) as ReportFormat;
  if (format !== 'md' && format !== 'html') throw new UsageError(`--format ${JSON.stringify(opts.format)}: use md or html`);
  const t = readTranscript(io, file);
  const cat = openCatalog(io, opts.flows);
  const text = renderReport(t, cat.flows.get(t.header.flow), format);
  if (opts.output && opts.output !== '-') {
    const out = resolve(io.cwd, opts.output);
    try {
      writeFileSync(out, text, { mode: 0o600 });
    } catch (e) {
      throw new UsageError(`-o ${opts.output}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    io.stderr.write(`report: ${opts.output}\n`);
  } else io.stdout.write(text);
  return 0;
}
