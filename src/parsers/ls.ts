/**
 * `ls -l DIR`, `ls -la`, and the common `ll` alias (`ls -alF`).
 *
 * A line is `MODE LINKS OWNER GROUP SIZE DATE… NAME`. The date is `Jul 21 13:08`,
 * `Jul 21  2022`, or ` 7月 21 13:08` (ja_JP locale) by default; `2023-07-21 13:08` or
 * `2023-07-21 13:08:01.000 +0000` with `--time-style`/`--full-time`. Device files show
 * `MAJOR, MINOR` instead of a size. The name is the rest of the line verbatim (names may
 * hold spaces); for links, the part before ` -> `. With `-F` (in `ll`), a directory's
 * trailing `/` and an executable's `*` are dropped from the name.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, splitLines, tokenize, toInt, total } from './text.js';

const LS_ENTRY = struct('LsEntry', {
  name: 'string',
  /** `file`, `dir`, `link`, or `other` (devices, sockets, fifos). */
  type: 'string',
  /** Bytes; 0 for device files. */
  size: 'int',
  /** `-rw-r--r--` (ACL/SELinux markers `+`/`.` kept). */
  mode: 'string',
  owner: 'string',
  group: 'string',
  /** A link's target, else `''`. */
  target: 'string',
  line: 'string',
});
export type LsEntry = Infer<typeof LS_ENTRY>;

const LS_LISTING = struct('LsListing', {
  files: list(LS_ENTRY),
  /** `ls: cannot access '…': No such file or directory` and the like. */
  errors: list('string'),
  truncated: 'bool',
});
export type LsListing = Infer<typeof LS_LISTING>;

export const lsParser = parser({
  name: 'ls',
  description: 'Files (name, type, size, mode, owner) from `ls -l` / `ls -la` / `ll`, plus ls errors.',
  type: LS_LISTING,
  parse: (text) => total(text, empty, parseLs),
});

function empty(): LsListing {
  return { files: [], errors: [], truncated: false };
}

function parseLs(text: string): LsListing {
  const out = empty();
  for (const line of splitLines(text)) {
    if (line.startsWith('ls: ')) {
      if (out.errors.length < MAX_ITEMS) out.errors.push(line);
      continue;
    }
    const e = parseLine(line);
    if (!e) continue;
    if (out.files.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.files.push(e);
  }
  return out;
}

const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);

function parseLine(line: string): LsEntry | undefined {
  const t = tokenize(line, 12);
  const mode = t[0]?.text ?? '';
  if (mode.length < 10 || !'-dlcbps'.includes(mode[0]!) || !/^.[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]/.test(mode)) return undefined;
  if (!isDigits(t[1]?.text)) return undefined;
  const owner = t[2]?.text ?? '';
  const group = t[3]?.text ?? '';
  let k = 4;
  let size = 0;
  if (t[k]?.text.endsWith(',')) {
    // A device: `1, 3` is major, minor.
    k += 2;
  } else {
    if (!isDigits(t[k]?.text)) return undefined;
    size = toInt(t[k]!.text);
    k += 1;
  }
  const dateWords = dateLength(t.slice(k).map((x) => x.text));
  if (dateWords === 0) return undefined;
  const last = t[k + dateWords - 1];
  if (!last || last.end >= line.length) return undefined;
  // The name starts after exactly one space following the date.
  let name = line.slice(last.end + 1);
  const type = mode[0] === '-' ? 'file' : mode[0] === 'd' ? 'dir' : mode[0] === 'l' ? 'link' : 'other';
  let target = '';
  if (type === 'link') {
    const arrow = name.indexOf(' -> ');
    if (arrow >= 0) {
      target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  if (type === 'dir' && name.length > 1 && name.endsWith('/')) name = name.slice(0, -1);
  if (type === 'file' && name.length > 1 && name.endsWith('*') && /x/.test(mode.slice(1, 10))) name = name.slice(0, -1);
  if (name === '') return undefined;
  return { name, type, size, mode, owner, group, target, line };
}

/** How many words the date takes: 3 (`Jul 21 13:08`), 2 (`2023-07-21 13:08`), 3 (`--full-time`), or 0. */
function dateLength(w: readonly string[]): number {
  const a = w[0] ?? '';
  // Japanese and Chinese locales print the month as ` 7月` (escaped: one non-Latin-1 character
  // in the source makes V8 hold and scan the whole bundle chunk as two-byte text).
  if ((MONTHS.has(a) || /^\d{1,2}\u6708$/.test(a)) && isDigits(w[1]) && w[2] !== undefined) return 3;
  if (/^\d{4}-\d\d-\d\d$/.test(a)) {
    if (w[2] !== undefined && /^[+-]\d{4}$/.test(w[2])) return 3;
    return 2;
  }
  return 0;
}
