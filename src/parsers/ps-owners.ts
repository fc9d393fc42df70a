/**
 * `ps -o pid=,ruid=,euid=,args= -p PIDS`: who owns each process and how it was started. The
 * real and effective uids both count: a set-uid program (`su`, `passwd`) run by a user has
 * euid 0 but that user's ruid, and its `args` are whatever the user passed as argv[0…].
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, splitLines, tokenize, toInt, total } from './text.js';

const PS_OWNER = struct('PsOwner', {
  pid: 'int',
  ruid: 'int',
  euid: 'int',
  /** The command line as the process shows it (a process can rewrite it: not evidence of what it runs). */
  args: 'string',
  line: 'string',
});
export type PsOwner = Infer<typeof PS_OWNER>;

const PS_OWNERS = struct('PsOwners', { processes: list(PS_OWNER), truncated: 'bool' });
export type PsOwners = Infer<typeof PS_OWNERS>;

export const psOwnersParser = parser({
  name: 'ps-owners',
  description: 'Processes with their real and effective uid from `ps -o pid=,ruid=,euid=,args=`.',
  type: PS_OWNERS,
  parse: (text) => total(text, empty, parse),
});

function empty(): PsOwners {
  return { processes: [], truncated: false };
}

function parse(text: string): PsOwners {
  const out = empty();
  for (const line of splitLines(text)) {
    const t = tokenize(line, 4);
    const [pid, ruid, euid, args] = t;
    if (!pid || !ruid || !euid || !isDigits(pid.text) || !isDigits(ruid.text) || !isDigits(euid.text)) continue;
    if (out.processes.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.processes.push({ pid: toInt(pid.text), ruid: toInt(ruid.text), euid: toInt(euid.text), args: args ? line.slice(args.start) : '', line });
  }
  return out;
}
