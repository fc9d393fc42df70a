/**
 * Will a flow's regex backtrack for ever on hostile output? V8's regex engine backtracks, so
 * `(a+)+$`, `(a|a)*$` or `(.*a){20}` take exponential time on a line that almost matches —
 * and a flow's `extract` regexes run on whatever a host prints. This reads the regex source
 * and refuses the shapes that backtrack exponentially (or with a high polynomial degree):
 *
 * - a repetition inside a repetition (star height > 1), unless each round of the outer one
 *   must match a character the inner ones cannot (`(\d+\.){3}`, `(a+b)+` are fine);
 * - alternatives that can start with the same character, under a repetition (`(a|ab)*`);
 * - three or more unbounded repetitions in a row over overlapping characters with nothing
 *   they cannot match between them (`.*:.*:.*`, cubic).
 *
 * Two overlapping ones in a row (`.*:(\d+)`) are common and quadratic at worst: the engine
 * caps the text a flow regex sees (engine.ts) to keep those bounded.
 * Compare the star-height analysis of safe-regex (substack) and the overlap checks of
 * https://github.com/davisjam/vuln-regex-detector; this is a conservative subset of both.
 */

/** Why the regex can backtrack catastrophically, or null when it cannot (as far as this sees). */
export function unsafeRegex(source: string): string | null {
  let ast: Seq[];
  try {
    ast = new Parser(source).parseAlt();
  } catch {
    return null; // whatever `new RegExp` accepted but this cannot read is left to the runtime cap
  }
  return checkAlt(ast, false);
}

/** A repetition this large counts as unbounded: `(.*a){20}` is a polynomial of degree 20. */
const BIG = 10;

type Item =
  | { t: 'atom'; src: string }
  | { t: 'any' } // a back-reference: could match anything
  | { t: 'assert' }
  | { t: 'group'; alts: Seq[]; look: boolean }
  | { t: 'quant'; body: Item; min: number; max: number };
type Seq = Item[];

const big = (q: { max: number }) => q.max >= BIG;

function checkAlt(alts: Seq[], underBig: boolean): string | null {
  if (underBig && alts.length > 1) {
    for (let i = 0; i < alts.length; i++) {
      for (let j = i + 1; j < alts.length; j++) {
        if (intersects(firstSeq(alts[i]!), firstSeq(alts[j]!))) return 'alternatives that can match the same text are repeated (like (a|ab)*): backtracking is exponential';
      }
    }
  }
  for (const seq of alts) {
    const why = checkSeq(seq);
    if (why) return why;
  }
  return null;
}

function checkSeq(seq: Seq): string | null {
  // Chains of unbounded repetitions over overlapping characters, with no separator between.
  let chain = 0;
  let last: Set | null = null;
  for (const it of seq) {
    if (it.t === 'quant' && big(it)) {
      const cs = chars(it.body);
      chain = last && intersects(last, cs) ? chain + 1 : 1;
      last = cs;
      if (chain >= 3) return 'three or more repetitions in a row can match the same characters (like .*:.*:.*): backtracking is polynomial of high degree; use [^:]* and the like';
    } else if (last && mandatory(it) && !intersects(last, chars(it))) {
      chain = 0;
      last = null;
    }
  }
  for (const it of seq) {
    const why = checkItem(it);
    if (why) return why;
  }
  return null;
}

function checkItem(it: Item): string | null {
  if (it.t === 'group') return checkAlt(it.alts, false);
  if (it.t !== 'quant') return null;
  if (big(it)) {
    const inner = innerBig(it.body);
    if (inner.length > 0 && !separated(it.body, inner)) return 'a repetition inside a repetition (like (a+)+ or (.*a){20}): backtracking is exponential; repeat a single character class, or make each round end with a character the inner part cannot match';
    const body = it.body.t === 'group' && !it.body.look ? it.body.alts : [[it.body]];
    return checkAlt(body, true);
  }
  return checkItem(it.body);
}

/** The unbounded repetitions inside an item (not counting the item itself). */
function innerBig(it: Item): Array<Extract<Item, { t: 'quant' }>> {
  if (it.t === 'quant') return [...(big(it) ? [it] : []), ...innerBig(it.body)];
  if (it.t === 'group' && !it.look) return it.alts.flatMap((s) => s.flatMap(innerBig));
  return [];
}

/** Each round must match a character none of the inner repetitions can: then rounds cannot trade text. */
function separated(body: Item, inner: ReadonlyArray<Extract<Item, { t: 'quant' }>>): boolean {
  if (body.t !== 'group' || body.alts.length !== 1) return false;
  const innerChars = inner.map((q) => chars(q.body));
  return body.alts[0]!.some((it) => mandatory(it) && (it.t === 'atom' || (it.t === 'quant' && it.body.t === 'atom')) && innerChars.every((cs) => !intersects(cs, chars(it))));
}

const mandatory = (it: Item): boolean => !nullable(it);

function nullable(it: Item): boolean {
  switch (it.t) {
    case 'atom':
      return false;
    case 'any':
    case 'assert':
      return true;
    case 'group':
      return it.look || it.alts.some((s) => s.every(nullable));
    case 'quant':
      return it.min === 0 || nullable(it.body);
  }
}

// Character sets, approximated by membership of sample characters: every ASCII one and a few
// beyond (enough to tell `\d` from `\s` from `.`, and `[^x]` from `x`).
const SAMPLES = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), '\u00a0', '\u00e9', '\u2028', '\u65e5', '\ufeff'];
type Set = boolean[];
const FULL: Set = SAMPLES.map(() => true);
const EMPTY: Set = SAMPLES.map(() => false);
const intersects = (a: Set, b: Set) => a.some((x, i) => x && b[i]);
const union = (a: Set, b: Set): Set => a.map((x, i) => x || b[i]!);
const setCache = new Map<string, Set>();

function atomSet(src: string): Set {
  let s = setCache.get(src);
  if (!s) {
    try {
      const re = new RegExp(`^(?:${src})$`);
      s = SAMPLES.map((c) => re.test(c));
    } catch {
      s = FULL;
    }
    setCache.set(src, s);
  }
  return s;
}

/** Every character the item can match somewhere. */
function chars(it: Item): Set {
  switch (it.t) {
    case 'atom':
      return atomSet(it.src);
    case 'any':
      return FULL;
    case 'assert':
      return EMPTY;
    case 'group':
      return it.look ? EMPTY : it.alts.flat().map(chars).reduce(union, EMPTY);
    case 'quant':
      return chars(it.body);
  }
}

/** The characters a sequence can start with. */
function firstSeq(seq: Seq): Set {
  let s = EMPTY;
  for (const it of seq) {
    s = union(s, first(it));
    if (!nullable(it)) return s;
  }
  return s;
}

function first(it: Item): Set {
  switch (it.t) {
    case 'atom':
      return atomSet(it.src);
    case 'any':
      return FULL;
    case 'assert':
      return EMPTY;
    case 'group':
      return it.look ? EMPTY : it.alts.map(firstSeq).reduce(union, EMPTY);
    case 'quant':
      return first(it.body);
  }
}

/** JS regex syntax (without the `u` flag, as compile.ts compiles it), read leniently. */
class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAlt(): Seq[] {
    const alts: Seq[] = [this.parseSeq()];
    while (this.s[this.i] === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts;
  }

  private parseSeq(): Seq {
    const seq: Seq = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      let it = this.parseTerm();
      for (let q = this.quantifier(); q; q = this.quantifier()) it = { t: 'quant', body: it, ...q };
      seq.push(it);
    }
    return seq;
  }

  private parseTerm(): Item {
    const s = this.s;
    const c = s[this.i]!;
    if (c === '(') {
      let look = false;
      this.i++;
      if (s.startsWith('?:', this.i)) this.i += 2;
      else if (s.startsWith('?=', this.i) || s.startsWith('?!', this.i)) (this.i += 2), (look = true);
      else if (s.startsWith('?<=', this.i) || s.startsWith('?<!', this.i)) (this.i += 3), (look = true);
      else if (s.startsWith('?<', this.i)) this.i = s.indexOf('>', this.i) + 1;
      const alts = this.parseAlt();
      if (s[this.i] !== ')') throw new Error('unclosed group');
      this.i++;
      return { t: 'group', alts, look };
    }
    if (c === '[') {
      const start = this.i++;
      if (s[this.i] === '^') this.i++;
      while (this.i < s.length && s[this.i] !== ']') this.i += s[this.i] === '\\' ? 2 : 1;
      if (this.i >= s.length) throw new Error('unclosed class');
      this.i++;
      return { t: 'atom', src: s.slice(start, this.i) };
    }
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'assert' };
    }
    if (c === '\\') {
      const start = this.i;
      const d = s[this.i + 1] ?? '';
      this.i += 2;
      if (d === 'b' || d === 'B') return { t: 'assert' };
      if (/[1-9]/.test(d)) {
        while (/[0-9]/.test(s[this.i] ?? '')) this.i++;
        return { t: 'any' };
      }
      if (d === 'k' && s[this.i] === '<') {
        this.i = s.indexOf('>', this.i) + 1;
        return { t: 'any' };
      }
      if (d === 'x' && /^[0-9a-fA-F]{2}/.test(s.slice(this.i))) this.i += 2;
      else if (d === 'u' && /^[0-9a-fA-F]{4}/.test(s.slice(this.i))) this.i += 4;
      else if (d === 'c' && /^[A-Za-z]/.test(s.slice(this.i))) this.i += 1;
      return { t: 'atom', src: s.slice(start, this.i) };
    }
    // A surrogate pair is two atoms without the `u` flag, as the engine sees it.
    this.i++;
    return { t: 'atom', src: c === '.' ? '.' : escapeChar(c) };
  }

  private quantifier(): { min: number; max: number } | null {
    const s = this.s;
    const c = s[this.i];
    let q: { min: number; max: number } | null = null;
    if (c === '*') (q = { min: 0, max: Infinity }), this.i++;
    else if (c === '+') (q = { min: 1, max: Infinity }), this.i++;
    else if (c === '?') (q = { min: 0, max: 1 }), this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i, this.i + 40));
      if (m) {
        const min = Number(m[1]);
        q = { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]) };
        this.i += m[0].length;
      }
    }
    if (q && s[this.i] === '?') this.i++; // lazy: backtracks all the same
    return q;
  }
}

const escapeChar = (c: string) => (/[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c);
