/**
 * `ps -eo pid,comm,args` (header `  PID COMMAND         COMMAND`), used where systemd is
 * absent to see whether a daemon runs.
 *
 * `comm` may contain spaces (`Web Content`), so with the header present the columns are
 * cut where the header's words start: ps pads `comm` to its header's width. Without a
 * header (`ps -eo pid=,comm=,args=`, or piped through grep) `comm` is taken as one word.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, splitLines, tokenize, toInt, total } from './text.js';

const PS_PROCESS = struct('PsProcess', {
  pid: 'int',
  /** The executable's name, at most 15 characters (the kernel's TASK_COMM_LEN). */
  comm: 'string',
  /** The full command line; `[kthreadd]` for kernel threads. */
  args: 'string',
  line: 'string',
});
export type PsProcess = Infer<typeof PS_PROCESS>;

const PS_LISTING = struct('PsListing', { processes: list(PS_PROCESS), truncated: 'bool' });
export type PsListing = Infer<typeof PS_LISTING>;

export const psParser = parser({
  name: 'ps',
  description: 'Processes (pid, comm, args) from `ps -eo pid,comm,args`.',
  type: PS_LISTING,
  parse: (text) => total(text, empty, parsePs),
});

function empty(): PsListing {
  return { processes: [], truncated: false };
}

function parsePs(text: string): PsListing {
  const out = empty();
  let argsAt = -1;
  for (const line of splitLines(text)) {
    const t = tokenize(line, 3);
    if (t[0]?.text === 'PID') {
      // The args column starts where the header's third word does.
      argsAt = t[2]?.start ?? -1;
      continue;
    }
    const pidTok = t[0];
    if (!pidTok || !isDigits(pidTok.text) || !t[1]) continue;
    let comm: string;
    let args: string;
    if (argsAt > pidTok.end && line.length > argsAt && line[argsAt - 1] === ' ') {
      comm = line.slice(pidTok.end, argsAt).trim();
      args = line.slice(argsAt);
    } else {
      comm = t[1].text;
      args = t[2] ? line.slice(t[2].start) : '';
    }
    if (out.processes.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.processes.push({ pid: toInt(pidTok.text), comm, args, line });
  }
  return out;
}
