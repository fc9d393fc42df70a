/**
 * Does this argv change the host it runs on? tshoot is read-only unless the user approves a
 * fix: flows may change a host only in a fix's `apply`, and lint refuses a run node whose
 * command would change something. The check reads the literal argv (templated words count
 * as unknown arguments) and errs on the side of "changes".
 */

const ALWAYS = new Set([
  'rm', 'mv', 'cp', 'dd', 'tee', 'truncate', 'chmod', 'chown', 'chgrp', 'ln', 'mkdir', 'rmdir', 'touch', 'install',
  'kill', 'pkill', 'killall', 'reboot', 'shutdown', 'halt', 'poweroff', 'init', 'telinit',
  'useradd', 'userdel', 'usermod', 'passwd', 'chpasswd', 'crontab', 'mount', 'umount', 'swapoff', 'swapon',
  'apt', 'apt-get', 'dpkg', 'yum', 'dnf', 'rpm', 'apk', 'pip', 'pip3', 'npm', 'snap',
  'ufw', 'firewall-cmd', 'setenforce', 'modprobe', 'rmmod', 'insmod', 'hostnamectl', 'timedatectl', 'reset',
]);
/** A shell would run anything: argv discipline is the point of run nodes. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'csh', 'tcsh', 'busybox', 'python', 'python3', 'perl', 'ruby', 'node', 'eval', 'xargs']);
const WRAPPERS = new Set(['sudo', 'env', 'nice', 'ionice', 'timeout', 'nohup', 'stdbuf', 'doas']);
const SYSTEMCTL_CHANGES = new Set(['start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'enable', 'disable', 'reenable', 'mask', 'unmask', 'kill', 'daemon-reload', 'set-property', 'edit', 'isolate', 'link', 'preset', 'revert', 'set-default', 'reset-failed']);
const IPTABLES_CHANGES = /^(-[AIDRFXPNZE]|--(append|insert|delete|replace|flush|delete-chain|policy|new-chain|zero|rename-chain))$/;
const NFT_CHANGES = new Set(['add', 'insert', 'delete', 'flush', 'create', 'replace', 'destroy', 'reset', 'rename']);
const IP_CHANGES = new Set(['add', 'del', 'delete', 'change', 'replace', 'flush', 'set', 'append', 'prepend']);

const base = (w: string) => w.slice(w.lastIndexOf('/') + 1);
const templated = (w: string) => w.includes('{{');

/** Why `argv` changes the host, or null when it only reads. */
export function changesHost(argv: readonly string[]): string | null {
  let i = 0;
  // Skip wrappers and their options (`sudo -n --`, `timeout -k 2 5`, `env A=b`).
  while (i < argv.length && WRAPPERS.has(base(argv[i]!))) {
    i++;
    while (i < argv.length && (argv[i]!.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!) || /^\d+[smhd]?$/.test(argv[i]!))) i++;
  }
  const cmd = argv[i];
  if (cmd === undefined) return null;
  if (templated(cmd)) return 'the program is chosen by a template, so tshoot cannot tell what it does';
  const name = base(cmd);
  const rest = argv.slice(i + 1);
  const has = (pred: (w: string) => boolean) => rest.some(pred);
  if (ALWAYS.has(name)) return `${name} changes the host`;
  if (SHELLS.has(name)) return `${name} runs arbitrary code: use an argv list of a read-only program`;
  switch (name) {
    case 'systemctl':
    case 'service':
    case 'rc-service': {
      const verb = rest.find((w) => SYSTEMCTL_CHANGES.has(w));
      return verb ? `${name} ${verb} changes the host` : null;
    }
    case 'nginx':
    case 'apache2ctl':
    case 'apachectl':
    case 'httpd':
      if (has((w) => w === '-s' || w === 'graceful' || w === 'restart' || w === 'start' || w === 'stop' || w.startsWith('-k'))) return `${name} with a signal or start/stop changes the host`;
      return has((w) => w === '-t' || w === '-T' || w === '-v' || w === '-V' || w === '-S' || w === '-M') ? null : `${name} without -t/-T would start a server`;
    case 'iptables':
    case 'ip6tables':
    case 'iptables-legacy':
    case 'iptables-nft':
    case 'ebtables':
    case 'arptables':
      return has((w) => IPTABLES_CHANGES.test(w)) ? `${name} with a rule change changes the firewall` : null;
    case 'iptables-restore':
    case 'ip6tables-restore':
      return `${name} replaces the firewall rules`;
    case 'nft':
      return has((w) => NFT_CHANGES.has(w) || w === '-f') ? 'nft with add/delete/flush/-f changes the firewall' : null;
    case 'ip':
      return has((w) => IP_CHANGES.has(w)) ? 'ip with add/del/set changes the network' : null;
    case 'sed':
      return has((w) => w === '-i' || w.startsWith('-i') || w === '--in-place' || w.startsWith('--in-place=')) ? 'sed -i edits a file' : null;
    case 'sysctl':
      return has((w) => w === '-w' || w === '-p' || w.includes('=')) ? 'sysctl -w/-p changes the kernel settings' : null;
    case 'aws':
      return rest.some((w) => !w.startsWith('-') && /^(describe|get|list)-/.test(w)) || rest.length < 2 ? null : 'aws calls other than describe-/get-/list- change the account';
    case 'curl': {
      const sends = rest.some((w, k) => ((w === '-X' || w === '--request') && !/^(GET|HEAD)$/i.test(rest[k + 1] ?? '')) || w === '-d' || w.startsWith('--data') || w === '-T' || w === '--upload-file' || w === '-F' || w === '--form');
      const writes = rest.some((w, k) => (w === '-o' || w === '--output') && rest[k + 1] !== '/dev/null') || rest.some((w) => w === '-O' || w === '--remote-name');
      return sends ? 'curl that sends data may change something' : writes ? 'curl -o writes a file' : null;
    }
    case 'find':
      return has((w) => w === '-delete' || w === '-exec' || w === '-execdir' || w === '-ok' || w === '-fprint') ? 'find with -delete/-exec changes or runs things' : null;
    default:
      return null;
  }
}
