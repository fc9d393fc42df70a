/**
 * `lab` CLI: bring a lab up in one process, use it, tear it down from another.
 *
 *   node dist/lab.js up nginx-stopped [--id ID]
 *   node dist/lab.js list
 *   node dist/lab.js inject cloud-drop [--id ID]   |   heal cloud-drop [--id ID]
 *   node dist/lab.js exec client -- curl -sv http://198.18.2.10/   [--id ID before --]
 *   node dist/lab.js down [ID]        (no ID: every lab)
 *   node dist/lab.js sweep            (labs whose owner died and that were not made by `up`)
 *
 * State lives in /tmp/tshoot-lab/<id>/lab.json. Bundle: esbuild test/lab/cli.ts --bundle
 * --platform=node --format=esm --packages=external --outfile=dist/lab.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAULTS,
  HOST_NAMES,
  LAB_ROOT,
  SCENARIOS,
  attach,
  downById,
  labNamespaces,
  listLabIds,
  sweep,
  up,
  type FaultName,
  type HostName,
  type ScenarioName,
} from './lab.js';

const USAGE = `usage: lab <command>
  up SCENARIO [--id ID]      build a lab that stays up until \`lab down\`
  list                       labs present, with scenario and active faults
  inject FAULT [--id ID]     switch a fault on in a running lab
  heal FAULT [--id ID]       switch it off again
  exec HOST [--id ID] -- CMD...  run CMD inside a host's namespace (client|server|bastion|router)
  down [ID]                  tear down one lab, or every lab (ts-*) without ID
  sweep                      remove leftovers of crashed test runs
  scenarios                  list scenario names

scenarios: ${SCENARIOS.join(', ')}`;

function fail(msg: string): never {
  process.stderr.write(`lab: ${msg}\n`);
  process.exit(2);
}

function takeOpt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) fail(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function pickId(explicit: string | undefined): string {
  if (explicit) return explicit;
  const ids = listLabIds();
  if (ids.length === 1 && ids[0]) return ids[0];
  if (ids.length === 0) fail('no lab is up (run `lab up SCENARIO`)');
  fail(`several labs are up (${ids.join(', ')}): pass --id`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      const id = takeOpt(rest, '--id');
      const scenario = rest[0] as ScenarioName | undefined;
      if (!scenario || !SCENARIOS.includes(scenario)) fail(`up needs a scenario: ${SCENARIOS.join(', ')}`);
      if (process.getuid?.() !== 0) fail('the lab needs root (network namespaces, iptables, sshd)');
      const lab = await up(scenario, { ...(id ? { id } : {}), persist: true });
      const out = process.stdout;
      out.write(`lab ${lab.id} is up: scenario ${scenario}\n\n`);
      for (const h of HOST_NAMES) {
        out.write(`  ${h.padEnd(8)} ${lab.hosts[h].addrs.join(', ').padEnd(40)} netns ${lab.hosts[h].ns}\n`);
      }
      out.write(`\nssh config: ${lab.sshConfigPath}\n\n`);
      out.write(readFileSync(lab.sshConfigPath, 'utf8'));
      out.write(`\nnginx config (in the server namespace /etc/nginx): ${lab.nginx.confPath}\n`);
      out.write(`\ntry it (from the client's namespace):\n`);
      const ns = lab.nsExecArgv('client').join(' ');
      out.write(
        `  ${ns} node dist/tshoot.cjs diagnose http://198.18.2.10/ --host server=server --ssh-config ${lab.sshConfigPath}\n`,
      );
      out.write(`  ${ns} curl -sv --max-time 3 http://198.18.2.10/\n`);
      out.write(`  ${ns} ssh -F ${lab.sshConfigPath} server\n`);
      out.write(`\nswitch faults: lab inject FAULT / lab heal FAULT   (${FAULTS.join(', ')})\n`);
      out.write(`tear down:     lab down ${lab.id}\n`);
      return 0;
    }
    case 'list':
    case 'status': {
      const ids = listLabIds();
      if (ids.length === 0) process.stdout.write('no labs\n');
      for (const id of ids) {
        try {
          const st = JSON.parse(readFileSync(join(LAB_ROOT, id, 'lab.json'), 'utf8')) as {
            scenario: string;
            faults: string[];
            persist: boolean;
            ownerPid: number;
          };
          process.stdout.write(
            `${id}  scenario=${st.scenario}  faults=${st.faults.join(',') || '-'}  ${st.persist ? 'persistent' : `owner pid ${st.ownerPid}`}  ssh config ${join(LAB_ROOT, id, 'ssh_config')}\n`,
          );
        } catch {
          process.stdout.write(`${id}  (no state)\n`);
        }
      }
      const stray = labNamespaces().filter((ns) => !ids.some((id) => ns.startsWith(`ts-${id}-`)));
      if (stray.length) process.stdout.write(`namespaces without state: ${stray.join(' ')} (lab down)\n`);
      return 0;
    }
    case 'inject':
    case 'heal': {
      const id = pickId(takeOpt(rest, '--id'));
      const fault = rest[0] as FaultName | undefined;
      if (!fault || !FAULTS.includes(fault)) fail(`${cmd} needs a fault: ${FAULTS.join(', ')}`);
      const lab = attach(id);
      await (cmd === 'inject' ? lab.inject(fault) : lab.heal(fault));
      process.stdout.write(`lab ${id}: ${cmd === 'inject' ? 'injected' : 'healed'} ${fault}; active: ${lab.faults().join(', ') || 'none'}\n`);
      return 0;
    }
    case 'exec': {
      const dd = rest.indexOf('--');
      if (dd < 0) fail('exec HOST [--id ID] -- CMD...');
      const head = rest.slice(0, dd);
      const command = rest.slice(dd + 1);
      const id = pickId(takeOpt(head, '--id'));
      const host = head[0] as HostName | undefined;
      if (!host || !HOST_NAMES.includes(host)) fail(`exec needs a host: ${HOST_NAMES.join(', ')}`);
      if (command.length === 0) fail('exec needs a command after --');
      const r = await attach(id).exec(host, command, { timeoutMs: 120_000 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    case 'down': {
      const id = rest[0];
      if (id) {
        await downById(id);
        process.stdout.write(`lab ${id} is down\n`);
      } else {
        const removed = await sweep('ts-');
        process.stdout.write(removed.length ? `down: ${removed.join(', ')}\n` : 'no labs\n');
      }
      return 0;
    }
    case 'sweep': {
      const removed = await sweep();
      process.stdout.write(removed.length ? `swept: ${removed.join(', ')}\n` : 'nothing to sweep\n');
      return 0;
    }
    case 'scenarios':
      process.stdout.write(SCENARIOS.join('\n') + '\n');
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      fail(`unknown command ${cmd}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
