import { describe, it, expect } from 'vitest';
import { lsParser } from '../../src/parsers/ls.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(lsParser, text);

describe('ls parser', () => {
  it('seed: `ll /var/www/html/` has fugafuga, not hogehoge', () => {
    const l = parse(fixture('seed/ll-var-www-html.txt'));
    expect(l.files).toEqual([
      { name: 'fugafuga', type: 'file', size: 3, mode: '-rw-r--r--', owner: 'root', group: 'root', target: '', line: '-rw-r--r-- 1 root root    3 Jul 21 13:08 fugafuga' },
      {
        name: 'index.nginx-debian.html',
        type: 'file',
        size: 612,
        mode: '-rw-r--r--',
        owner: 'root',
        group: 'root',
        target: '',
        line: '-rw-r--r-- 1 root root  612 Jul 21 13:08 index.nginx-debian.html',
      },
    ]);
    expect(l.files.some((f) => f.name === 'hogehoge')).toBe(false);
  });

  it('captured: `ls -l` and `ls -la` with a link and a directory', () => {
    const l = parse(fixture('captured/ls-l.txt'));
    expect(l.files.map((f) => [f.name, f.type, f.size, f.target])).toEqual([
      ['big.html', 'file', 612, ''],
      ['index.html', 'file', 3, ''],
      ['link.html', 'link', 10, 'index.html'],
      ['sub', 'dir', 4096, ''],
    ]);
    const la = parse(fixture('captured/ls-la.txt'));
    expect(la.files.map((f) => f.name)).toEqual(['.', '..', 'big.html', 'index.html', 'link.html', 'sub']);
  });

  it('reads names with spaces, -F suffixes, devices, years, ISO dates, ja_JP dates and errors', () => {
    const l = parse(
      [
        'total 8',
        '-rw-r--r--  1 www-data www-data  10 Jan  2  2022 old  file.txt',
        'drwxr-xr-x. 2 root     root     4096 Jul 21 13:08 static/',
        '-rwxr-xr-x+ 1 root     root      100 Jul 21 13:08 run.sh*',
        'crw-rw-rw-  1 root     root     1, 3 Jul 21 13:08 null',
        '-rw-r--r--  1 root     root       5 2023-07-21 13:08 iso.txt',
        '-rw-r--r--  1 root     root       5 2023-07-21 13:08:01.000000000 +0000 full.txt',
        '-rw-r--r--  1 root     root       5  7月 21 13:08 ja.txt',
        "ls: cannot access '/var/www/htm': No such file or directory",
        '/var/www/html:',
      ].join('\n'),
    );
    expect(l.files.map((f) => [f.name, f.type, f.size])).toEqual([
      ['old  file.txt', 'file', 10],
      ['static', 'dir', 4096],
      ['run.sh', 'file', 100],
      ['null', 'other', 0],
      ['iso.txt', 'file', 5],
      ['full.txt', 'file', 5],
      ['ja.txt', 'file', 5],
    ]);
    expect(l.errors).toEqual(["ls: cannot access '/var/www/htm': No such file or directory"]);
  });

  it('pathological: 100k entries capped, a 2 MB name kept whole', () => {
    const many = parse('-rw-r--r-- 1 root root 3 Jul 21 13:08 f\n'.repeat(100_000));
    expect(many.files).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const long = parse('-rw-r--r-- 1 root root 3 Jul 21 13:08 ' + 'n'.repeat(2_000_000));
    expect(long.files[0]!.name.length).toBe(2_000_000);
    const arrows = parse('l--------- 1 a b 1 Jul 1 1 x' + ' -> '.repeat(500_000));
    expect(arrows.files[0]).toMatchObject({ name: 'x', type: 'link' });
  });
});
