/**
 * A synthetic flow of N nodes for the flow-tooling benchmark: stages of a run node (regex and
 * parser extracts, templated argv, en/ja texts), a branch on its result and an end, chained
 * so that every node is reachable and every condition names earlier results. Valid: lint
 * reports nothing.
 */
export function generateFlow(nodes: number, id = 'bench-big'): string {
  const stages = Math.max(1, Math.floor((nodes - 1) / 3));
  const out: string[] = [
    '# yaml-language-server: $schema=./flow.schema.json',
    `id: ${id}`,
    'title: { en: A generated flow, ja: 生成されたフロー }',
    'menu: false',
    'start: r_0',
    'nodes:',
  ];
  for (let k = 0; k < stages; k++) {
    const prev = k > 0 ? `r_${k - 1}` : null;
    const next = k + 1 < stages ? `r_${k + 1}` : 'done';
    out.push(
      `  r_${k}:`,
      '    kind: run',
      `    title: { en: "Step ${k} on {{ target.host }}", ja: "手順 ${k}: {{ target.host }}" }`,
      `    role: ${k % 2 ? 'server' : 'client'}`,
      `    argv: [echo, "port {{ string(target.port) }}", "${k}"]`,
      '    extract:',
      '      m: { regex: "port (?<port>[0-9]+)" }',
      ...(k % 5 === 0 ? ['      sock: { parser: ss }'] : []),
      `    summary: { en: "{{ r_${k}.m.matched ? 'port ' + r_${k}.m.port : 'no port' }}", ja: "{{ r_${k}.m.matched ? 'ポート ' + r_${k}.m.port : 'ポートなし' }}" }`,
      `    next: b_${k}`,
      `  b_${k}:`,
      '    kind: branch',
      `    title: { en: "Decide ${k}", ja: "判断 ${k}" }`,
      '    next:',
      `      - when: r_${k}.ok && r_${k}.m.matched${prev ? ` && size(${prev}.stdout) >= 0` : ''}`,
      `        goto: ${next}`,
      `      - when: r_${k}.exit == 127 || r_${k}.stderr.contains("not found")`,
      `        goto: e_${k}`,
      `      - goto: e_${k}`,
      `  e_${k}:`,
      '    kind: end',
      `    title: { en: "Stopped at step ${k} ({{ string(r_${k}.exit) }})", ja: "手順 ${k} で停止 ({{ string(r_${k}.exit) }})" }`,
      `    next_steps: [{ en: "Look at step ${k}", ja: "手順 ${k} を確認" }]`,
    );
  }
  out.push('  done:', '    kind: end', '    title: { en: Every step passed, ja: すべて通過 }', '    next_steps: [{ en: Nothing to do, ja: 何もしない }]');
  return out.join('\n') + '\n';
}
