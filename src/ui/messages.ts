/**
 * tshoot's own words, English and Japanese, in one place (the flows carry their texts in their
 * files). A table per part of the UI, each the same shape in both languages: a missing
 * translation is a type error, not an English line in a Japanese session.
 */
import type { AnswerProblem } from '../engine/answer.js';
import type { TargetProblem } from '../engine/target.js';
import type { TransportErrorCode } from '../exec/types.js';

/** The session's language: the flows' `Lang` (flow/template.ts, declared there once). */
export type { Lang as UiLang } from '../flow/template.js';

type Table<T> = { readonly en: T; readonly ja: T };

/** The cards that end a session (cards.ts). */
export interface CardText {
  readonly cause: string;
  readonly evidence: string;
  readonly fix: string;
  readonly config: string;
  readonly verify: string;
  readonly checked: string;
  readonly found: string;
  readonly next: string;
  readonly unresolved: string;
  readonly error: string;
  readonly flowError: string;
  /** A host whose role is not known. */
  readonly host: string;
  readonly checks: (n: number) => string;
  readonly passed: string;
  readonly failed: string;
  readonly findings: (n: number) => string;
  readonly more: (n: number) => string;
  /** The title of a Stopped card for a host tshoot could not use (`who`: role and destination). */
  readonly transport: Readonly<Record<TransportErrorCode, (who: string) => string>>;
  /** What to do about it. */
  readonly transportNext: Readonly<Record<TransportErrorCode, string>>;
  readonly interrupted: string;
  readonly sessionIn: (file: string) => string;
  readonly continueWith: (how: string) => string;
}

export const CARD_TEXT: Table<CardText> = {
  en: {
    cause: 'Cause', evidence: 'Evidence', fix: 'Fix', config: 'Config', verify: 'Verify',
    checked: 'Checked', found: 'Found', next: 'Try next', unresolved: 'Unresolved', error: 'Stopped',
    flowError: 'the flow cannot go on',
    host: 'the host',
    checks: (n) => `${n} check${n === 1 ? '' : 's'}`, passed: 'passed', failed: 'failed',
    findings: (n) => `${n} finding${n === 1 ? '' : 's'}`,
    more: (n) => `… ${n} more line${n === 1 ? '' : 's'} (--verbose shows all)`,
    transport: {
      dns: (who) => `the name of ${who} does not resolve`,
      refused: (who) => `${who} refused the SSH connection`,
      timeout: (who) => `SSH to ${who} timed out`,
      auth: (who) => `could not log in to ${who}`,
      'host-key': (who) => `the host key of ${who} is not trusted`,
      disconnected: (who) => `the SSH connection to ${who} dropped`,
      unconfigured: (who) => `no host given for ${who}`,
    },
    transportNext: {
      dns: 'Check the name (and the ssh config\'s HostName), or give an address: --host ROLE=user@ADDRESS',
      refused: 'Check that sshd runs on that host and port (ssh -v DEST shows the port tried)',
      timeout: 'Check that the host is up and reachable from here, or go through a bastion: --host bastion=DEST',
      auth: 'Check the user, the key and the agent: ssh -v DEST shows which keys were offered',
      'host-key': 'Compare the key with the host\'s own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), then connect once with ssh, or use --accept-new-host-keys for a host never seen',
      disconnected: 'Run again; if it keeps dropping, ssh -v DEST shows where',
      unconfigured: 'Say who plays the role: --host ROLE=DEST (local, or an ssh destination)',
    },
    interrupted: 'interrupted',
    sessionIn: (file) => `The session so far is in ${file}`,
    continueWith: (how) => `Continue it with: ${how}`,
  },
  ja: {
    cause: '原因', evidence: '根拠', fix: '対処', config: '設定', verify: '確認',
    checked: '確認したこと', found: '分かったこと', next: '次に試すこと', unresolved: '未解決', error: '中断',
    flowError: 'フローを続けられない',
    host: 'ホスト',
    checks: (n) => `チェック ${n} 件`, passed: '成功', failed: '失敗',
    findings: (n) => `所見 ${n} 件`,
    more: (n) => `… 他 ${n} 行 (--verbose ですべて表示)`,
    transport: {
      dns: (who) => `${who} の名前を解決できない`,
      refused: (who) => `${who} が SSH 接続を拒否した`,
      timeout: (who) => `${who} への SSH がタイムアウトした`,
      auth: (who) => `${who} にログインできない`,
      'host-key': (who) => `${who} のホスト鍵が信頼されていない`,
      disconnected: (who) => `${who} との SSH 接続が切れた`,
      unconfigured: (who) => `${who} のホストが指定されていない`,
    },
    transportNext: {
      dns: '名前 (と ssh config の HostName) を確認するか、アドレスで指定する: --host ROLE=user@ADDRESS',
      refused: 'そのホストとポートで sshd が動いているか確認する (ssh -v DEST で試したポートが分かる)',
      timeout: 'ホストが起動していてここから届くか確認するか、踏み台を使う: --host bastion=DEST',
      auth: 'ユーザー、鍵、エージェントを確認する: ssh -v DEST で提示した鍵が分かる',
      'host-key': 'ホスト側の鍵 (そのホストで ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) と比べてから ssh で一度接続する。初めてのホストなら --accept-new-host-keys',
      disconnected: '再実行する。切れ続けるなら ssh -v DEST で原因を確認する',
      unconfigured: '役割を担うホストを指定する: --host ROLE=DEST (local か ssh の接続先)',
    },
    interrupted: '中断しました',
    sessionIn: (file) => `記録: ${file}`,
    continueWith: (how) => `続きから: ${how}`,
  },
};

/** The prompts' own choices (prompter.ts) and the progress lines (reporter.ts). */
export const PROMPT_TEXT = {
  en: { other: 'other… (type an ssh destination)', local: 'local (this machine, no SSH)', dest: 'SSH destination ([user@]host[:port] or an alias)', answersFile: 'answers file' },
  ja: { other: 'その他… (ssh の接続先を入力)', local: 'local (このマシン、SSH なし)', dest: 'SSH の接続先 ([user@]host[:port] または別名)', answersFile: '回答ファイル' },
} as const satisfies Table<Record<'other' | 'local' | 'dest' | 'answersFile', string>>;

/** A host question asked again after the answer's name did not resolve (prompter.ts): what failed, the closest ssh alias. */
export const HOST_RETRY_TEXT: Table<{ readonly failed: (answer: string) => string; readonly mean: (alias: string) => string }> = {
  en: { failed: (a) => `${a} did not work:`, mean: (g) => `did you mean ${g}?` },
  ja: { failed: (a) => `${a} に接続できません:`, mean: (g) => `${g} のことですか?` },
};

/** The session's own questions and lines around it (cli/target.ts, cli/record.ts). */
export const SESSION_TEXT = {
  en: {
    targetQuestion: 'What did you try to reach?',
    targetHelp: 'A URL (http://web/path, https://[::1]:8443/) or HOST:PORT (db:5432), as in the error you saw',
    transcript: (path: string) => `transcript: ${path}`,
    transcriptIncomplete: (problem: string) => `transcript incomplete: ${problem}`,
  },
  ja: {
    targetQuestion: '何に接続しようとしましたか?',
    targetHelp: 'URL (http://web/path, https://[::1]:8443/) か HOST:PORT (db:5432)。見たエラーにあるとおりに',
    transcript: (path: string) => `記録: ${path}`,
    transcriptIncomplete: (problem: string) => `記録が不完全: ${problem}`,
  },
} as const satisfies Table<Record<'targetQuestion' | 'targetHelp', string> & Record<'transcript' | 'transcriptIncomplete', (s: string) => string>>;

/** Progress lines (reporter.ts). */
export const REPORTER_TEXT = {
  en: { handover: (to: string) => `→ going on with the flow for what the client gets: ${to}`, reused: (from: string) => `from ${from}, reused`, connecting: 'connecting over SSH before its first command' },
  ja: { handover: (to: string) => `→ クライアントが受けた応答に合うフローで続ける: ${to}`, reused: (from: string) => `${from} の結果を再利用`, connecting: '最初のコマンドに先立ち SSH で接続中' },
} as const satisfies Table<{ handover: (to: string) => string; reused: (from: string) => string; connecting: string }>;

/** The symptom menu and its "Paste the error message I saw" question (cli/menu.ts). */
export const MENU_TEXT = {
  en: {
    question: 'What do you see?',
    paste: 'Paste the error message I saw',
    pasteQuestion: 'Paste the error message:',
    pasteHelp: 'paste it whole (several lines are fine), then Enter; the line that says what failed is enough (curl: (7) Failed to connect to web port 80 … Connection refused)',
  },
  ja: {
    question: '何が起きていますか?',
    paste: '見たエラーメッセージを貼り付ける',
    pasteQuestion: 'エラーメッセージを貼り付けてください:',
    pasteHelp: '複数行のまま貼り付けて Enter (何が失敗したかを言う 1 行でも十分: curl: (7) Failed to connect to web port 80 … Connection refused)',
  },
} as const satisfies Table<Record<'question' | 'paste' | 'pasteQuestion' | 'pasteHelp', string>>;

/** Applying a fix: the plan, the confirmation, the result, Ctrl-C during it (cli/apply.ts). */
export interface ApplyText {
  readonly runs: string;
  readonly mkdir: string;
  readonly checkParents: string;
  readonly backup: string;
  readonly checks: string;
  readonly rollsBack: string;
  readonly restore: string;
  readonly undoByHand: (title: string, command: string) => string;
  readonly verified: string;
  readonly rolledBack: (reason: string) => string;
  readonly rollbackFailed: (reason: string, manual: string) => string;
  readonly notApplied: (reason: string) => string;
  readonly backupsKept: string;
  readonly dryRun: string;
  readonly canApply: string;
  readonly confirm: string;
  readonly ctrlCStopping: string;
  readonly ctrlCContinues: (manual: string) => string;
  readonly ctrlCStill: string;
  readonly rollingBack: string;
}

export const APPLY_TEXT: Table<ApplyText> = {
  en: {
    runs: 'Applying this fix runs:',
    mkdir: '(first makes a private folder for backups)',
    checkParents: '(after checking that its parents are root’s and no one else can write to them, and making the last if missing)',
    backup: '(backs up, and edits a symlink’s target, not the link)',
    checks: 'then checks',
    rollsBack: 'and rolls back if a step or the check fails, or on Ctrl-C',
    restore: 'restore and compare (cmp)',
    undoByHand: (title, command) => `undo by hand what "${title}" did (it ran ${command})`,
    verified: '✔ Applied and verified: the request that failed now succeeds',
    rolledBack: (reason) => `✖ Rolled back: ${reason}\n  Every edited file is restored and compares equal to its copy; every rollback step succeeded`,
    rollbackFailed: (reason, manual) => `✖ Rollback did not finish: ${reason}\n  Left to do by hand, in this order:\n${manual}`,
    notApplied: (reason) => `✖ Not applied: ${reason}`,
    backupsKept: 'Backups (kept)',
    dryRun: '(--dry-run: nothing was changed)',
    canApply: 'tshoot can apply this fix: --dry-run shows what it would run, --apply runs it',
    confirm: 'Apply this fix now (run the commands above)?',
    ctrlCStopping: 'Ctrl-C: stopping after the step that is running, then rolling back',
    ctrlCContinues: (manual) => `Ctrl-C: the rollback continues to its end (Ctrl-C does not stop it). Should tshoot be killed anyway, finish by hand, in this order:\n${manual}`,
    ctrlCStill: 'Ctrl-C: still rolling back…',
    rollingBack: 'Rolling back (this runs to its end)…',
  },
  ja: {
    runs: 'この修正で実行するコマンド:',
    mkdir: '(先にバックアップ用の非公開フォルダを作る)',
    checkParents: '(その前に親フォルダが root のもので他人が書けないことを確認し、なければ作る)',
    backup: '(バックアップ: シンボリックリンクはリンク先を編集)',
    checks: '確認',
    rollsBack: '失敗・Ctrl-C のときは元に戻す',
    restore: '復元して比較 (cmp)',
    undoByHand: (title, command) => `「${title}」を手で元に戻す (実行したのは ${command})`,
    verified: '✔ 適用し、確認できた: 元の失敗したリクエストが成功する',
    rolledBack: (reason) => `✖ 元に戻した: ${reason}\n  編集したファイルはすべて復元し、コピーと一致することを確認した。戻す手順もすべて成功した`,
    rollbackFailed: (reason, manual) => `✖ 元に戻しきれなかった: ${reason}\n  残りは手で、この順に実行する:\n${manual}`,
    notApplied: (reason) => `✖ 適用しなかった: ${reason}`,
    backupsKept: 'バックアップ (残してある)',
    dryRun: '(--dry-run: 何も変更していない)',
    canApply: 'この修正は tshoot で適用できる: --dry-run で内容を確認、--apply で実行',
    confirm: 'この修正を今適用するか? (上のコマンドを実行する)',
    ctrlCStopping: 'Ctrl-C: 実行中の手順が終わったら止めて元に戻す',
    ctrlCContinues: (manual) => `Ctrl-C: 元に戻す処理は最後まで続ける (Ctrl-C では止まらない)。それでも tshoot を止めた場合は、手でこの順に実行する:\n${manual}`,
    ctrlCStill: 'Ctrl-C: まだ元に戻している…',
    rollingBack: '元に戻している (最後まで続ける)…',
  },
};

/**
 * What SSH says when it cannot be used (exec/ssh-connect.ts, ssh-executor.ts, ssh-sudo.ts): the
 * words of a `TransportError`'s message and of the prompts it asks. The `code` of the error stays
 * the classification; these are only its words. `label` is `ssh HOST:PORT` (the start of each).
 */
export interface SshText {
  readonly proxyCommand: (label: string) => string;
  readonly tunnel: (to: string, label: string, why: string | null) => string;
  readonly tcpTimeout: (label: string, seconds: string) => string;
  readonly handshakeTimeout: (label: string, seconds: string) => string;
  readonly hostKeyCheckFailed: (label: string, why: string) => string;
  readonly noConnection: (label: string) => string;
  readonly closedInHandshake: (label: string) => string;
  readonly revoked: (keyType: string, fp: string, at: string) => string;
  readonly changed: (keyType: string, fp: string, at: string, known: string, forget: string) => string;
  readonly otherType: (keyType: string, fp: string, known: string, forget: string) => string;
  readonly unknownKey: (keyType: string, fp: string) => string;
  readonly strictYes: (unknown: string, file: string) => string;
  readonly noPrompt: (unknown: string) => string;
  readonly notAccepted: (unknown: string) => string;
  /** The host key question (cli/run.ts). */
  readonly trustHostKey: (host: string, keyType: string, fp: string) => string;
  readonly authFailed: (label: string, user: string, why: string) => string;
  readonly authOnly: (methods: string) => string;
  readonly authTried: (tried: string) => string;
  readonly authNoKey: string;
  readonly keyUnreadable: (file: string) => string;
  readonly keyNoPrompt: (file: string) => string;
  readonly passphrase: (file: string) => string;
  readonly noPassphrase: (file: string) => string;
  readonly wrongPassphrase: (file: string) => string;
  readonly nameNotFound: (label: string, dnsSilent: boolean) => string;
  readonly refused: (label: string) => string;
  readonly timedOut: (label: string) => string;
  readonly noRoute: (label: string, code: string) => string;
  readonly reset: (label: string) => string;
  readonly authFailedShort: (label: string) => string;
  readonly handshakeTimedOut: (label: string) => string;
  readonly hostKeyRefused: (label: string) => string;
  readonly closed: (label: string) => string;
  readonly lostTwice: (label: string) => string;
  readonly emptyProxyJump: (label: string) => string;
  readonly proxyJumpFailed: (label: string, jump: string, why: string) => string;
  readonly proxyJumpLoop: (label: string) => string;
  readonly sudoOn: (host: string) => string;
  readonly sudoWrongPassword: (who: string, user: string, tries: number | null) => string;
  readonly sudoNoPrompt: (who: string, user: string) => string;
  readonly sudoValidateFailed: (host: string, program: string | null) => string;
  readonly sudoPassword: (user: string, host: string) => string;
}

export const SSH_TEXT: Table<SshText> = {
  en: {
    proxyCommand: (l) => `${l}: ProxyCommand is not supported; use ProxyJump instead`,
    tunnel: (to, l, why) => `${to} via ${l}: ${why ?? 'the jump host could not open the tunnel'}`,
    tcpTimeout: (l, s) => `${l}: no TCP connection within ${s} s (packets dropped?)`,
    handshakeTimeout: (l, s) => `${l}: no SSH handshake within ${s} s`,
    hostKeyCheckFailed: (l, why) => `${l}: host key check failed: ${why}`,
    noConnection: (l) => `${l}: node-ssh made no connection`,
    closedInHandshake: (l) => `${l}: the server closed the connection during the handshake`,
    revoked: (k, fp, at) => `the ${k} host key ${fp} is marked @revoked in ${at}; refusing to connect`,
    changed: (k, fp, at, known, forget) =>
      `HOST KEY CHANGED — possibly someone in the middle. The server now shows ${k} ${fp}, but ${at} has ${known}. If the change is expected, remove that line (${forget}) and connect again`,
    otherType: (k, fp, known, forget) =>
      `the server shows a ${k} host key ${fp}, but only keys of other types are known for it${known}; refusing, as the host may have been replaced. If expected, remove the old entries (${forget})`,
    unknownKey: (k, fp) => `unknown host key ${k} ${fp}`,
    strictYes: (u, file) => `${u}, and StrictHostKeyChecking is yes; add it to ${file} after checking it`,
    noPrompt: (u) => `${u}; not accepted without a prompt. Check the fingerprint, then run interactively or with --accept-new-host-keys`,
    notAccepted: (u) => `${u} was not accepted`,
    trustHostKey: (host, k, fp) => `The authenticity of host ${host} can't be established. ${k} key fingerprint is ${fp}. Trust it and continue?`,
    authFailed: (l, user, why) => `${l}: authentication failed for user ${user} (${why})`,
    authOnly: (m) => `the server accepts only ${m}; tshoot logs in with keys`,
    authTried: (t) => `tried ${t}`,
    authNoKey: 'no key to try (no ssh-agent, no identity file found)',
    keyUnreadable: (f) => `${f} could not be read as a private key`,
    keyNoPrompt: (f) => `key ${f} is passphrase-protected and there is no prompt to ask for it (load it with ssh-add first)`,
    passphrase: (f) => `Enter passphrase for key '${f}': `,
    noPassphrase: (f) => `no passphrase given for ${f}`,
    wrongPassphrase: (f) => `wrong passphrase for ${f}`,
    nameNotFound: (l, silent) => `${l}: host name not found${silent ? ' (DNS server not answering)' : ''}`,
    refused: (l) => `${l}: connection refused`,
    timedOut: (l) => `${l}: connection timed out`,
    noRoute: (l, code) => `${l}: no route to host (${code})`,
    reset: (l) => `${l}: connection reset`,
    authFailedShort: (l) => `${l}: authentication failed`,
    handshakeTimedOut: (l) => `${l}: SSH handshake timed out`,
    hostKeyRefused: (l) => `${l}: host key not accepted`,
    closed: (l) => `${l}: the session was closed`,
    lostTwice: (l) => `${l}: the connection was lost twice; not reconnecting`,
    emptyProxyJump: (l) => `${l}: empty ProxyJump`,
    proxyJumpFailed: (l, j, why) => `${l}: ProxyJump ${j}: ${why}`,
    proxyJumpLoop: (l) => `${l}: ProxyJump loops back to itself`,
    sudoOn: (h) => `sudo on ${h}`,
    sudoWrongPassword: (who, user, tries) => `${who} did not accept the password of ${user}${tries === null ? '' : ` (${tries} tries)`}`,
    sudoNoPrompt: (who, user) => `${who} needs a password for ${user} and there is no way to ask for it here; run interactively, or allow this command without a password (NOPASSWD in sudoers)`,
    sudoValidateFailed: (h, p) => `\`sudo -v\` failed on ${h}, so ${p ?? 'the command'} was not run`,
    sudoPassword: (user, h) => `[sudo] password for ${user}@${h}: `,
  },
  ja: {
    proxyCommand: (l) => `${l}: ProxyCommand には対応していない。ProxyJump を使う`,
    tunnel: (to, l, why) => `${l} 経由の ${to}: ${why ?? '踏み台がトンネルを開けなかった'}`,
    tcpTimeout: (l, s) => `${l}: ${s} 秒以内に TCP 接続できなかった (パケットが破棄されている?)`,
    handshakeTimeout: (l, s) => `${l}: ${s} 秒以内に SSH ハンドシェイクが終わらなかった`,
    hostKeyCheckFailed: (l, why) => `${l}: ホスト鍵を確認できなかった: ${why}`,
    noConnection: (l) => `${l}: node-ssh が接続を作らなかった`,
    closedInHandshake: (l) => `${l}: ハンドシェイク中にサーバーが接続を閉じた`,
    revoked: (k, fp, at) => `${k} ホスト鍵 ${fp} は ${at} で @revoked になっている。接続しない`,
    changed: (k, fp, at, known, forget) =>
      `ホスト鍵が変わった — 中間者攻撃の可能性がある。サーバーが示したのは ${k} ${fp} だが、${at} には ${known} がある。変更が想定どおりなら、その行を消して (${forget}) から接続し直す`,
    otherType: (k, fp, known, forget) =>
      `サーバーは ${k} ホスト鍵 ${fp} を示したが、このホストについて知っているのは別の種類の鍵だけ${known}。ホストが入れ替わった可能性があるので接続しない。想定どおりなら古いエントリを消す (${forget})`,
    unknownKey: (k, fp) => `未知のホスト鍵 ${k} ${fp}`,
    strictYes: (u, file) => `${u}。StrictHostKeyChecking が yes なので、確認してから ${file} に追加する`,
    noPrompt: (u) => `${u}。確認のプロンプトなしには受け入れない。フィンガープリントを確認し、対話的に実行するか --accept-new-host-keys を付ける`,
    notAccepted: (u) => `${u} は受け入れられなかった`,
    trustHostKey: (host, k, fp) => `ホスト ${host} の真正性を確認できません。${k} 鍵のフィンガープリントは ${fp} です。信頼して続けますか?`,
    authFailed: (l, user, why) => `${l}: ユーザー ${user} の認証に失敗した (${why})`,
    authOnly: (m) => `サーバーが受け付けるのは ${m} だけ。tshoot は鍵でログインする`,
    authTried: (t) => `試した鍵: ${t}`,
    authNoKey: '試せる鍵がない (ssh-agent も鍵ファイルもない)',
    keyUnreadable: (f) => `${f} を秘密鍵として読めなかった`,
    keyNoPrompt: (f) => `鍵 ${f} はパスフレーズ付きで、尋ねるプロンプトがない (先に ssh-add で読み込む)`,
    passphrase: (f) => `鍵 '${f}' のパスフレーズ: `,
    noPassphrase: (f) => `${f} のパスフレーズが入力されなかった`,
    wrongPassphrase: (f) => `${f} のパスフレーズが違う`,
    nameNotFound: (l, silent) => `${l}: ホスト名が見つからない${silent ? ' (DNS サーバーが応答しない)' : ''}`,
    refused: (l) => `${l}: 接続を拒否された`,
    timedOut: (l) => `${l}: 接続がタイムアウトした`,
    noRoute: (l, code) => `${l}: ホストへの経路がない (${code})`,
    reset: (l) => `${l}: 接続がリセットされた`,
    authFailedShort: (l) => `${l}: 認証に失敗した`,
    handshakeTimedOut: (l) => `${l}: SSH ハンドシェイクがタイムアウトした`,
    hostKeyRefused: (l) => `${l}: ホスト鍵が受け入れられなかった`,
    closed: (l) => `${l}: セッションは閉じられた`,
    lostTwice: (l) => `${l}: 接続が 2 回切れたので、再接続しない`,
    emptyProxyJump: (l) => `${l}: ProxyJump が空`,
    proxyJumpFailed: (l, j, why) => `${l}: ProxyJump ${j} を使えない: ${why}`,
    proxyJumpLoop: (l) => `${l}: ProxyJump が自分自身に戻っている`,
    sudoOn: (h) => `${h} の sudo`,
    sudoWrongPassword: (who, user, tries) => `${who} が ${user} のパスワードを受け付けなかった${tries === null ? '' : ` (${tries} 回)`}`,
    sudoNoPrompt: (who, user) => `${who} は ${user} のパスワードを求めているが、ここでは尋ねられない。対話的に実行するか、このコマンドをパスワードなしで許可する (sudoers の NOPASSWD)`,
    sudoValidateFailed: (h, p) => `${h} で \`sudo -v\` が失敗したので、${p ?? 'コマンド'} は実行しなかった`,
    sudoPassword: (user, h) => `[sudo] ${user}@${h} のパスワード: `,
  },
};

/** Why a target (`--target`, the target question, an answers file) is none (engine/target.ts's TargetProblem). */
export interface TargetText {
  readonly empty: string;
  readonly badUrl: string;
  readonly noPort: (scheme: string) => string;
  readonly noHost: string;
  readonly notTarget: string;
  readonly portRange: (port: number) => string;
  /** `host` comes quoted (JSON). */
  readonly hostDash: (host: string) => string;
  readonly hostControl: (host: string) => string;
}

export const TARGET_TEXT: Table<TargetText> = {
  en: {
    empty: 'empty: give a URL (http://host/path) or HOST:PORT',
    badUrl: 'not a valid URL',
    noPort: (s) => `no port for scheme "${s}"; add :PORT`,
    noHost: 'no host',
    notTarget: 'expected a URL (http://host/path) or HOST:PORT',
    portRange: (p) => `port ${p} is out of range 1-65535`,
    hostDash: (h) => `the host ${h} starts with "-", which no host name does (it would be read as an option)`,
    hostControl: (h) => `the host ${h} holds a control character`,
  },
  ja: {
    empty: '空です: URL (http://host/path) か HOST:PORT を指定してください',
    badUrl: 'URL として正しくありません',
    noPort: (s) => `スキーム "${s}" には既定のポートがありません。:PORT を付けてください`,
    noHost: 'ホストがありません',
    notTarget: 'URL (http://host/path) か HOST:PORT を指定してください',
    portRange: (p) => `ポート ${p} は範囲 1-65535 の外です`,
    hostDash: (h) => `ホスト ${h} は "-" で始まっています。"-" で始まるホスト名はありません (オプションとして読まれてしまいます)`,
    hostControl: (h) => `ホスト ${h} に制御文字が含まれています`,
  },
};

/** The words of a target problem. */
export function sayTarget(p: TargetProblem, t: TargetText): string {
  switch (p.code) {
    case 'noPort':
      return t.noPort(p.scheme);
    case 'portRange':
      return t.portRange(p.port);
    case 'hostDash':
    case 'hostControl':
      return t[p.code](JSON.stringify(p.host));
    default:
      return t[p.code];
  }
}

/** Why an answer is refused (engine/answer.ts's AnswerProblem); `about` puts the question's id before it (answers files, --answer). Quoted values come as JSON. */
export interface AnswerText {
  readonly about: (id: string, why: string) => string;
  readonly yesNo: (got: string) => string;
  readonly oneOf: (values: string, got: string) => string;
  readonly needsText: (got: string) => string;
  readonly tooLong: (max: number) => string;
  readonly control: string;
  readonly target: (answer: string, why: string) => string;
  readonly hostDash: (answer: string) => string;
  readonly pattern: (pattern: string, got: string) => string;
  readonly targets: TargetText;
}

export const ANSWER_TEXT: Table<AnswerText> = {
  en: {
    about: (id, why) => `"${id}" ${why}`,
    yesNo: (g) => `is a yes/no question; got ${g}`,
    oneOf: (v, g) => `must be one of ${v}; got ${g}`,
    needsText: (g) => `needs text; got ${g}`,
    tooLong: (m) => `is longer than ${m} characters`,
    control: 'contains a control character',
    target: (a, w) => `${a}: ${w}`,
    hostDash: (a) => `is a host; ${a} starts with "-", which no host name does`,
    pattern: (p, g) => `must match /${p}/; got ${g}`,
    targets: TARGET_TEXT.en,
  },
  ja: {
    about: (id, why) => `"${id}": ${why}`,
    yesNo: (g) => `yes か no で答える質問です (受け取った値: ${g})`,
    oneOf: (v, g) => `次のいずれかを選んでください: ${v} (受け取った値: ${g})`,
    needsText: (g) => `文字列で答えてください (受け取った値: ${g})`,
    tooLong: (m) => `${m} 文字を超えています`,
    control: '制御文字が含まれています',
    target: (a, w) => `${a}: ${w}`,
    hostDash: (a) => `ホストを答える質問です。${a} は "-" で始まっていますが、"-" で始まるホスト名はありません`,
    pattern: (p, g) => `/${p}/ に一致しません (受け取った値: ${g})`,
    targets: TARGET_TEXT.ja,
  },
};

/** The words of a refused answer: with the question's id before them (`withId`), or alone (at the prompt, the question is on screen). */
export function sayAnswer(p: AnswerProblem, t: AnswerText, withId: boolean): string {
  const why = answerWhy(p, t);
  return withId ? t.about(p.id, why) : why;
}

function answerWhy(p: AnswerProblem, t: AnswerText): string {
  switch (p.code) {
    case 'yesNo':
    case 'needsText':
      return t[p.code](JSON.stringify(p.got));
    case 'oneOf':
      return t.oneOf(p.values.join(', '), JSON.stringify(p.got));
    case 'tooLong':
      return t.tooLong(p.max);
    case 'control':
      return t.control;
    case 'target':
      return t.target(JSON.stringify(p.answer), sayTarget(p.problem, t.targets));
    case 'hostDash':
      return t.hostDash(JSON.stringify(p.answer));
    case 'pattern':
      return t.pattern(p.pattern, JSON.stringify(p.answer));
  }
}

/** What is wrong with a transcript at a line (transcript/format.ts's TranscriptError); `got` comes quoted, `why` as the JSON parser or the schema check says it. */
export type TranscriptProblem =
  | { readonly code: 'cutHeader' | 'emptyFile' | 'emptyLine' }
  | { readonly code: 'notTranscript'; readonly format: string }
  | { readonly code: 'version'; readonly got: string; readonly reads: number }
  | { readonly code: 'unknownKind'; readonly got: string; readonly kinds: string }
  | { readonly code: 'answerAlone' | 'resultAlone'; readonly id: string }
  | { readonly code: 'notJson'; readonly why: string }
  | { readonly code: 'invalid'; readonly kind: string | null; readonly path: string; readonly why: string };

export interface TranscriptText {
  readonly cutHeader: string;
  readonly emptyFile: string;
  readonly emptyLine: string;
  readonly notTranscript: (format: string) => string;
  readonly version: (got: string, reads: number) => string;
  readonly unknownKind: (got: string, kinds: string) => string;
  readonly answerAlone: (id: string) => string;
  readonly resultAlone: (id: string) => string;
  readonly notJson: (why: string) => string;
  readonly header: string;
  readonly event: (kind: string) => string;
  readonly invalid: (what: string, path: string, why: string) => string;
}

export const TRANSCRIPT_TEXT: Table<TranscriptText> = {
  en: {
    cutHeader: 'the header line is cut short',
    emptyFile: 'empty file: no header',
    emptyLine: 'empty line',
    notTranscript: (f) => `not a tshoot transcript: the first line must be {"format":"${f}",…}`,
    version: (g, r) => `transcript format version ${g} is not supported (this tshoot reads version ${r})`,
    unknownKind: (g, k) => `unknown event kind ${g}; expected one of ${k}`,
    answerAlone: (id) => `answer to "${id}" without its question before it`,
    resultAlone: (id) => `result of "${id}" without its command before it`,
    notJson: (w) => `not JSON: ${w}`,
    header: 'header',
    event: (k) => `"${k}" event`,
    invalid: (what, p, w) => `${what}: ${p}: ${w}`,
  },
  ja: {
    cutHeader: 'ヘッダー行が途中で切れています',
    emptyFile: '空のファイルです: ヘッダーがありません',
    emptyLine: '空の行です',
    notTranscript: (f) => `tshoot の記録ではありません: 最初の行は {"format":"${f}",…} のはずです`,
    version: (g, r) => `記録の形式バージョン ${g} には対応していません (この tshoot が読めるのはバージョン ${r})`,
    unknownKind: (g, k) => `不明なイベントの種類 ${g} です。次のいずれかのはずです: ${k}`,
    answerAlone: (id) => `"${id}" への回答の前に、その質問がありません`,
    resultAlone: (id) => `"${id}" の結果の前に、そのコマンドがありません`,
    notJson: (w) => `JSON ではありません: ${w}`,
    header: 'ヘッダー',
    event: (k) => `"${k}" イベント`,
    invalid: (what, p, w) => `${what}の ${p} が正しくありません: ${w}`,
  },
};

/** The words of a transcript problem. */
export function sayTranscript(p: TranscriptProblem, t: TranscriptText): string {
  switch (p.code) {
    case 'cutHeader':
    case 'emptyFile':
    case 'emptyLine':
      return t[p.code];
    case 'notTranscript':
      return t.notTranscript(p.format);
    case 'version':
      return t.version(p.got, p.reads);
    case 'unknownKind':
      return t.unknownKind(p.got, p.kinds);
    case 'answerAlone':
    case 'resultAlone':
      return t[p.code](p.id);
    case 'notJson':
      return t.notJson(p.why);
    case 'invalid':
      return t.invalid(p.kind === null ? t.header : t.event(p.kind), p.path, p.why);
  }
}

/** Why `diagnose --error` runs a flow for what the pasted text says failed (cli/diagnose.ts, parsers/pasted-error.ts's kinds). */
export interface PastedText {
  readonly refused: string;
  readonly timeout: string;
  readonly unreachable: string;
  readonly connect_failed: string;
  readonly console: string;
  readonly not_found: string;
  readonly http_error: string;
  readonly httpStatus: (status: number) => string;
  readonly dns: string;
  readonly tls: string;
  readonly reset: string;
}

export const PASTED_TEXT: Table<PastedText> = {
  en: {
    refused: 'connection refused: a host answered with a reset',
    timeout: 'nothing answered: the connection timed out',
    unreachable: 'nothing answered: no route to the host',
    connect_failed: 'the client could not connect and does not say why: probing to find out',
    console: 'the EC2 console could not connect to the instance',
    not_found: 'the server answered 404 Not Found',
    http_error: 'the server answered an HTTP error: probing the target',
    httpStatus: (s) => `the server answered HTTP ${s}: probing the target`,
    dns: 'a dns failure: probing the target',
    tls: 'a tls failure: probing the target',
    reset: 'a reset failure: probing the target',
  },
  ja: {
    refused: '接続拒否: ホストがリセットで応答しました',
    timeout: '応答なし: 接続がタイムアウトしました',
    unreachable: '応答なし: ホストへの経路がありません',
    connect_failed: 'クライアントが接続できず、理由は書かれていません: 調べて確かめます',
    console: 'EC2 コンソールがインスタンスに接続できませんでした',
    not_found: 'サーバーが 404 Not Found を返しました',
    http_error: 'サーバーが HTTP エラーを返しました: 接続先を調べます',
    httpStatus: (s) => `サーバーが HTTP ${s} を返しました: 接続先を調べます`,
    dns: 'DNS の失敗: 接続先を調べます',
    tls: 'TLS の失敗: 接続先を調べます',
    reset: '接続リセット: 接続先を調べます',
  },
};

/** The words for a pasted error's kind (an HTTP error with its status when the text gives one). */
export function sayPasted(kind: string, status: number, t: PastedText): string {
  if (kind === 'http_error' && status) return t.httpStatus(status);
  return (t as unknown as Record<string, string | undefined>)[kind] ?? kind;
}

/** Why a destination or the ssh config cannot be used (exec/ssh-config.ts's SshConfigError). */
export type SshConfigProblem =
  | { readonly code: 'badPort' | 'badHost' | 'badUser' | 'portRange'; readonly dest: string }
  | { readonly code: 'sshG'; readonly host: string; readonly why: string }
  | { readonly code: 'cannotRead'; readonly file: string; readonly why: string }
  | { readonly code: 'includeDeep'; readonly file: string };

export interface SshConfigText {
  readonly badPort: (dest: string) => string;
  readonly badHost: (dest: string) => string;
  readonly badUser: (dest: string) => string;
  readonly portRange: (dest: string) => string;
  readonly sshG: (host: string, why: string) => string;
  readonly cannotRead: (file: string, why: string) => string;
  readonly includeDeep: (file: string) => string;
}

export const SSH_CONFIG_TEXT: Table<SshConfigText> = {
  en: {
    badPort: (d) => `bad port in "${d}": expected [user@]host[:port]`,
    badHost: (d) => `bad host in "${d}": expected [user@]host[:port] or an ssh config alias`,
    badUser: (d) => `bad user in "${d}": expected [user@]host[:port]`,
    portRange: (d) => `bad port in "${d}": 1–65535`,
    sshG: (h, w) => `ssh -G ${h} failed: ${w}`,
    cannotRead: (f, w) => `can't read ssh config ${f}: ${w}`,
    includeDeep: (f) => `ssh config Include nested too deep at ${f}`,
  },
  ja: {
    badPort: (d) => `"${d}" のポートが正しくありません: [user@]host[:port] の形で`,
    badHost: (d) => `"${d}" のホストが正しくありません: [user@]host[:port] か ssh config の別名で`,
    badUser: (d) => `"${d}" のユーザーが正しくありません: [user@]host[:port] の形で`,
    portRange: (d) => `"${d}" のポートが正しくありません: 1–65535 の範囲で`,
    sshG: (h, w) => `ssh -G ${h} が失敗しました: ${w}`,
    cannotRead: (f, w) => `ssh config ${f} を読めません: ${w}`,
    includeDeep: (f) => `ssh config の Include の入れ子が深すぎます: ${f}`,
  },
};

/** The words of an ssh config problem. */
export function saySshConfig(p: SshConfigProblem, t: SshConfigText): string {
  switch (p.code) {
    case 'badPort':
    case 'badHost':
    case 'badUser':
    case 'portRange':
      return t[p.code](p.dest);
    case 'sshG':
      return t.sshG(p.host, p.why);
    case 'cannotRead':
      return t.cannotRead(p.file, p.why);
    case 'includeDeep':
      return t.includeDeep(p.file);
  }
}

/**
 * Usage errors (cli/*.ts, and commander's own, mapped by their `code` in cli.ts): one line
 * after `tshoot: `, exit 2. Option names, command words and file locations stay literal.
 */
export interface UsageText {
  readonly unknownOption: (flag: string, guess: string | null) => string;
  readonly unknownCommand: (word: string, guess: string | null, commands: string | null) => string;
  readonly missingArgument: (name: string) => string;
  readonly optionMissingArgument: (flags: string) => string;
  readonly requiredOption: (flags: string) => string;
  readonly conflicting: (a: string, b: string) => string;
  /** A refused answer or target (ANSWER_TEXT, TARGET_TEXT in `answer.targets`). */
  readonly answer: AnswerText;
  /** A malformed transcript (TRANSCRIPT_TEXT). */
  readonly transcript: TranscriptText;
  readonly excessArguments: (command: string | null, expected: number, got: number) => string;
  readonly badChoice: (option: string, value: string, choices: readonly string[]) => string;
  readonly cannotReadAnswers: (file: string, why: string) => string;
  readonly answersNotMap: (file: string) => string;
  readonly answerNotScalar: (where: string, key: string) => string;
  readonly notAQuestion: (where: string, key: string, flow: string, guess: string | null, asked: string, setup: string) => string;
  readonly flowHasErrors: (id: string, problem: string) => string;
  readonly runLint: string;
  readonly unknownFlow: (id: string, guess: string | null, known: string) => string;
  readonly moreProblems: (first: string, more: number) => string;
  readonly diagnoseNeedsTarget: string;
  readonly cannotTell: (text: string) => string;
  /** The pasted text as a usage error names it. */
  readonly pastedText: (lines: number, first: string) => string;
  readonly stdinTooBig: (kib: number) => string;
  readonly stdinEmpty: string;
  readonly terminalNeeded: string;
  readonly orNameAFlow: string;
  readonly cannotWriteTranscript: (path: string, why: string) => string;
  readonly cannotRead: (at: string, why: string) => string;
  readonly recordedWithGone: (file: string, option: string, gone: string) => string;
  readonly flowNotAmong: (file: string, flow: string, known: string) => string;
  readonly checkOrUpdate: string;
  readonly fileAndLatest: (file: string) => string;
  readonly htmlOnTerminal: string;
  readonly cannotWriteOutput: (out: string, why: string) => string;
  readonly noSessionYet: (folder: string) => string;
  readonly noSessionIn: (folder: string) => string;
  readonly notYours: (path: string) => string;
  readonly redactedResume: (file: string) => string;
  readonly alreadyEnded: (at: string, how: string, file: string) => string;
  readonly sshConfigUntrusted: (file: string, config: string, why: string) => string;
  readonly answerFormat: (given: string) => string;
  readonly noAnswerToCorrect: (given: string, file: string, id: string, guess: string | null, asked: string) => string;
  readonly cannotWriteCorrected: (path: string, why: string) => string;
  readonly tooManyCorrected: (base: string, file: string) => string;
  readonly hostFormat: (given: string) => string;
  readonly hostRole: (given: string, role: string) => string;
  readonly hostDest: (given: string, dest: string) => string;
  readonly targetEmpty: string;
  /** Where a target came from, for its error: the pasted text, the target question. */
  readonly targetInText: (target: string) => string;
  readonly targetAnswer: string;
  /** A question without an answer: with --non-interactive (exit 4), and without a terminal to ask on (exit 2). */
  readonly noAnswer: (id: string) => string;
  readonly noTerminalFor: (id: string) => string;
  readonly nothing: string;
}

const mean = (guess: string | null, q = '"') => (guess ? ` (did you mean ${q}${guess}${q}?)` : '');
const meanJa = (guess: string | null, q = '"') => (guess ? ` (${q}${guess}${q} のことですか?)` : '');

export const USAGE_TEXT: Table<UsageText> = {
  en: {
    answer: ANSWER_TEXT.en,
    transcript: TRANSCRIPT_TEXT.en,
    unknownOption: (f, g) => `unknown option '${f}'${g ? ` (did you mean ${g}?)` : ''}`,
    unknownCommand: (w, g, cs) => `unknown command '${w}'${mean(g, "'")}${cs ? `; commands: ${cs}` : ''}`,
    missingArgument: (n) => `missing required argument '${n}'`,
    optionMissingArgument: (f) => `option '${f}' argument missing`,
    requiredOption: (f) => `required option '${f}' not specified`,
    conflicting: (a, b) => `${a} cannot be used with ${b}`,
    excessArguments: (c, e, g) => `too many arguments${c ? ` for '${c}'` : ''}. Expected ${e} argument${e === 1 ? '' : 's'} but got ${g}.`,
    badChoice: (o, v, cs) => `${o} ${JSON.stringify(v)}: use ${cs.slice(0, -1).join(', ')}${cs.length > 1 ? ' or ' : ''}${cs.at(-1) ?? ''}`,
    cannotReadAnswers: (f, why) => `${f}: cannot read the answers file (${why})`,
    answersNotMap: (f) => `${f}:1:1: the answers file must be a map of question id → answer`,
    answerNotScalar: (w, k) => `${w}: the answer for "${k}" must be a single value (text, yes/no)`,
    notAQuestion: (w, k, flow, g, asked, setup) => `${w}: "${k}" is not a question of flow "${flow}"${mean(g)}; its questions: ${asked || '(none)'}, and ${setup}`,
    flowHasErrors: (id, p) => `flow "${id}" has errors: ${p}`,
    runLint: ' (run `tshoot flows lint`)',
    unknownFlow: (id, g, known) => `unknown flow "${id}"${mean(g)}; known flows: ${known}`,
    moreProblems: (first, n) => `${first} (and ${n} more: run \`tshoot flows lint\`)`,
    diagnoseNeedsTarget: 'diagnose needs a TARGET (a URL or HOST:PORT), or --error "the error message you saw"',
    cannotTell: (text) =>
      `cannot tell the symptom from that text (${text}): paste the whole error line (e.g. "curl: (7) Failed to connect to web port 80 … Connection refused"), give the TARGET to probe it, or run a flow: tshoot run refused|timeout|not-found|console-connect`,
    pastedText: (n, first) => `${n} line${n === 1 ? '' : 's'}, first ${first}`,
    stdinTooBig: (kib) => `--error -: more than ${kib} KiB on stdin; paste the error lines only (the first and last lines of a trace are enough)`,
    stdinEmpty: '--error -: stdin was empty; paste the error message, or give it as --error "TEXT"',
    terminalNeeded: 'the session needs a terminal for its questions: run tshoot in one, or pass --non-interactive --answers FILE',
    orNameAFlow: 'or name a flow: tshoot run FLOW',
    cannotWriteTranscript: (p, why) => `cannot write the transcript ${p}: ${why} (choose another with --transcript FILE, or --no-transcript)`,
    cannotRead: (at, why) => `${at}: cannot read: ${why}`,
    recordedWithGone: (f, o, gone) => `${f}:1: the session was recorded with ${o} ${gone}, which is not there now: give ${o} in its place`,
    flowNotAmong: (f, flow, known) => `${f}:1: the transcript's flow "${flow}" is not among today's flows (${known}); add its folder with --flows DIR`,
    checkOrUpdate: '--check and --update: choose one',
    fileAndLatest: (f) => `${f} and --latest: name a transcript, or ask for the latest, not both`,
    htmlOnTerminal: 'the HTML report is a file to open in a browser, not to print on a terminal: add -o report.html (or --format md to read it here; -o - to print the HTML anyway)',
    cannotWriteOutput: (o, why) => `-o ${o}: cannot write: ${why}`,
    noSessionYet: (d) => `no session recorded yet (${d} does not exist): run a diagnosis first, or name a transcript: tshoot report FILE`,
    noSessionIn: (d) => `no session recorded yet in ${d}: run a diagnosis first, or name a transcript: tshoot report FILE`,
    notYours: (p) => `${p}: not read: it is not a file of yours alone (one link, not writable by others)`,
    redactedResume: (f) => `${f}:1: recorded with --redact-hosts, so its hosts are placeholders: give --target and --host ROLE=DEST to resume it`,
    alreadyEnded: (at, how, f) => `${at}: the session already ended (${how}); nothing to resume (show it: tshoot replay ${f}; correct an answer: --answer ID=VALUE)`,
    sshConfigUntrusted: (f, c, why) => `${f}:1: the session was recorded with --ssh-config ${c}, which ${why}: give --ssh-config to use a config you trust`,
    answerFormat: (a) => `--answer ${a}: expected ID=VALUE, e.g. --answer service=nginx`,
    noAnswerToCorrect: (a, f, id, g, asked) => `--answer ${a}: ${f} has no answer to "${id}" to correct${mean(g)}; it asked: ${asked || 'nothing'}`,
    cannotWriteCorrected: (p, why) => `cannot write the corrected transcript ${p}: ${why}`,
    tooManyCorrected: (base, f) => `${base}-corrected-20.ndjson exists: remove old corrected copies of ${f}`,
    hostFormat: (h) => `--host ${h}: expected ROLE=DEST, e.g. --host server=web1`,
    hostRole: (h, r) => `--host ${h}: unknown role "${r}"; use client, server or bastion`,
    hostDest: (h, d) => `--host ${h}: "${d}" is not a valid destination`,
    targetEmpty: '--target is empty: give a URL (http://host/path) or HOST:PORT',
    targetInText: (t) => `--error: the target ${t} in that text`,
    targetAnswer: 'the target',
    noAnswer: (id) => `no answer for question "${id}": add it to the answers file, or run interactively`,
    noTerminalFor: (id) => `question "${id}" has no answer and there is no terminal to ask it on: run tshoot in one, or pass --non-interactive --answers FILE with "${id}" in it`,
    nothing: 'nothing',
  },
  ja: {
    answer: ANSWER_TEXT.ja,
    transcript: TRANSCRIPT_TEXT.ja,
    unknownOption: (f, g) => `不明なオプション '${f}'${g ? ` (${g} のことですか?)` : ''}`,
    unknownCommand: (w, g, cs) => `不明なコマンド '${w}'${meanJa(g, "'")}${cs ? `。コマンド: ${cs}` : ''}`,
    missingArgument: (n) => `必須の引数 '${n}' がない`,
    optionMissingArgument: (f) => `オプション '${f}' に値がない`,
    requiredOption: (f) => `必須のオプション '${f}' が指定されていない`,
    conflicting: (a, b) => `${a} と ${b} は同時に使えない`,
    excessArguments: (c, e, g) => `${c ? `'${c}' の` : ''}引数が多すぎる (${e} 個のところ ${g} 個)`,
    badChoice: (o, v, cs) => `${o} ${JSON.stringify(v)}: ${cs.join('、')} のどれかを指定する`,
    cannotReadAnswers: (f, why) => `${f}: 回答ファイルを読めない (${why})`,
    answersNotMap: (f) => `${f}:1:1: 回答ファイルは「質問 ID → 回答」のマップにする`,
    answerNotScalar: (w, k) => `${w}: "${k}" の回答は 1 つの値にする (テキスト、yes/no)`,
    notAQuestion: (w, k, flow, g, asked, setup) => `${w}: "${k}" はフロー "${flow}" の質問ではない${meanJa(g)}。質問: ${asked || '(なし)'}、および ${setup}`,
    flowHasErrors: (id, p) => `フロー "${id}" にエラーがある: ${p}`,
    runLint: ' (`tshoot flows lint` で確認)',
    unknownFlow: (id, g, known) => `不明なフロー "${id}"${meanJa(g)}。あるフロー: ${known}`,
    moreProblems: (first, n) => `${first} (ほかに ${n} 件: \`tshoot flows lint\` で確認)`,
    diagnoseNeedsTarget: 'diagnose には TARGET (URL か HOST:PORT) か --error "見たエラーメッセージ" が必要',
    cannotTell: (text) =>
      `そのテキストから症状を判別できない (${text}): エラーの行をそのまま貼り付ける (例: "curl: (7) Failed to connect to web port 80 … Connection refused")、調べる TARGET を指定する、またはフローを実行する: tshoot run refused|timeout|not-found|console-connect`,
    pastedText: (n, first) => `${n} 行、1 行目 ${first}`,
    stdinTooBig: (kib) => `--error -: 標準入力が ${kib} KiB を超えている。エラーの行だけを貼り付ける (トレースなら最初と最後の行で十分)`,
    stdinEmpty: '--error -: 標準入力が空だった。エラーメッセージを貼り付けるか、--error "TEXT" で指定する',
    terminalNeeded: 'このセッションには質問があるので端末が必要: 端末で tshoot を実行するか、--non-interactive --answers FILE を付ける',
    orNameAFlow: 'またはフローを指定する: tshoot run FLOW',
    cannotWriteTranscript: (p, why) => `記録 ${p} を書けない: ${why} (--transcript FILE で別の場所を選ぶか、--no-transcript)`,
    cannotRead: (at, why) => `${at}: 読めない: ${why}`,
    recordedWithGone: (f, o, gone) => `${f}:1: このセッションは ${o} ${gone} で記録されたが、今はそれがない: 代わりに ${o} を指定する`,
    flowNotAmong: (f, flow, known) => `${f}:1: 記録のフロー "${flow}" が今のフロー (${known}) にない。そのフォルダを --flows DIR で加える`,
    checkOrUpdate: '--check と --update: どちらか一方にする',
    fileAndLatest: (f) => `${f} と --latest: 記録を指定するか最新を求めるか、どちらか一方にする`,
    htmlOnTerminal: 'HTML レポートはブラウザで開くファイルで、端末に表示するものではない: -o report.html を付ける (ここで読むなら --format md、それでも HTML を表示するなら -o -)',
    cannotWriteOutput: (o, why) => `-o ${o}: 書けない: ${why}`,
    noSessionYet: (d) => `記録されたセッションがまだない (${d} がない): 先に診断を実行するか、記録を指定する: tshoot report FILE`,
    noSessionIn: (d) => `${d} に記録されたセッションがまだない: 先に診断を実行するか、記録を指定する: tshoot report FILE`,
    notYours: (p) => `${p}: 読まなかった: 自分だけのファイルではない (リンクが 1 つで、他人が書けないこと)`,
    redactedResume: (f) => `${f}:1: --redact-hosts で記録されたのでホストが仮の名前になっている: 再開するには --target と --host ROLE=DEST を指定する`,
    alreadyEnded: (at, how, f) => `${at}: セッションはすでに終わっている (${how})。再開するものがない (表示: tshoot replay ${f}、回答の訂正: --answer ID=VALUE)`,
    sshConfigUntrusted: (f, c, why) => `${f}:1: このセッションは --ssh-config ${c} で記録されたが、それは ${why}: 信頼できる設定を --ssh-config で指定する`,
    answerFormat: (a) => `--answer ${a}: ID=VALUE の形で指定する (例: --answer service=nginx)`,
    noAnswerToCorrect: (a, f, id, g, asked) => `--answer ${a}: ${f} には訂正できる "${id}" の回答がない${meanJa(g)}。尋ねた質問: ${asked || 'なし'}`,
    cannotWriteCorrected: (p, why) => `訂正した記録 ${p} を書けない: ${why}`,
    tooManyCorrected: (base, f) => `${base}-corrected-20.ndjson がある: ${f} の古い訂正版を消す`,
    hostFormat: (h) => `--host ${h}: ROLE=DEST の形で指定する (例: --host server=web1)`,
    hostRole: (h, r) => `--host ${h}: 不明な役割 "${r}"。client、server、bastion のどれかを使う`,
    hostDest: (h, d) => `--host ${h}: "${d}" は接続先として正しくない`,
    targetEmpty: '--target が空: URL (http://host/path) か HOST:PORT を指定する',
    targetInText: (t) => `--error: そのテキストにある対象 ${t}`,
    targetAnswer: '対象',
    noAnswer: (id) => `質問 "${id}" の回答がない: 回答ファイルに加えるか、対話的に実行する`,
    noTerminalFor: (id) => `質問 "${id}" の回答がなく、尋ねる端末もない: 端末で tshoot を実行するか、"${id}" を含む --non-interactive --answers FILE を付ける`,
    nothing: 'なし',
  },
};

/**
 * The report of a transcript (transcript/report.ts), in the transcript's language. The card's
 * own words (Cause, Evidence, Fix, Config, Verify, Checked, Try next, Unresolved, Stopped) are
 * CARD_TEXT's; these are the rest.
 */
export interface ReportText {
  readonly title: (flow: string) => string;
  /** `**Cause.**`: a card word as a run-in label. */
  readonly label: (word: string) => string;
  readonly target: string;
  readonly flow: string;
  readonly started: string;
  readonly none: string;
  readonly checks: string;
  readonly applied: string;
  readonly answers: string;
  readonly path: string;
  readonly when: string;
  readonly at: string;
  readonly notAnswered: string;
  /** Where an answer came from (the transcript's `source`). */
  readonly source: Readonly<Record<'prompt' | 'answers' | 'replay', string>>;
  readonly noResult: string;
  readonly noOutput: string;
  readonly unreachable: (code: string, message: string) => string;
  readonly moreLines: (n: number) => string;
  readonly interrupted: string;
  readonly unreachableStatus: (code: string) => string;
  readonly timedOut: (ms: number) => string;
  readonly exit: (code: string, ms: number) => string;
  readonly truncated: string;
  readonly notFinished: string;
  /** The headline of a fix by what became of applying it. */
  readonly applyState: Readonly<Record<'verified' | 'rolled-back' | 'rollback-failed' | 'stopped' | 'interrupted', string>>;
  readonly fixNode: (id: string) => string;
  readonly from: (file: string, version: string) => string;
  readonly selfContained: string;
}

export const REPORT_TEXT: Table<ReportText> = {
  en: {
    title: (f) => `${f} — tshoot report`,
    label: (w) => `${w}.`,
    target: 'target', flow: 'flow', started: 'started', none: '(none)',
    checks: 'Checks', applied: 'Applied', answers: 'Answers', path: 'Path through the flow', when: 'when', at: 'at',
    notAnswered: '(not answered)',
    source: { prompt: 'prompt', answers: 'answers', replay: 'replay' },
    noResult: '(no result: the session stopped while this ran)',
    noOutput: '(no output)',
    unreachable: (code, m) => `host unreachable (${code}): ${m}`,
    moreLines: (n) => `… ${n} more lines`,
    interrupted: 'interrupted',
    unreachableStatus: (code) => `unreachable: ${code}`,
    timedOut: (ms) => `timed out after ${ms} ms`,
    exit: (code, ms) => `exit ${code} · ${ms} ms`,
    truncated: 'output truncated',
    notFinished: 'Not finished: the session was interrupted (tshoot resume FILE continues it)',
    applyState: {
      verified: 'Fix applied and verified',
      'rolled-back': 'Fix applied, but the check still failed: rolled back',
      'rollback-failed': 'Fix applied, but the check still failed, and the rollback did not finish (see Applied)',
      stopped: 'Fix not applied: it stopped before the check (see Applied)',
      interrupted: 'Fix: interrupted while it was being applied (see Applied)',
    },
    fixNode: (id) => `fix: ${id}`,
    from: (file, v) => `From ${file}, recorded by tshoot ${v}.`,
    selfContained: 'This page is self-contained: no scripts, nothing loaded from the network.',
  },
  ja: {
    title: (f) => `${f} — tshoot レポート`,
    label: (w) => w,
    target: '対象', flow: 'フロー', started: '開始', none: '(なし)',
    checks: 'チェック', applied: '適用したコマンド', answers: '回答', path: 'フローの経路', when: '条件', at: '場所',
    notAnswered: '(未回答)',
    source: { prompt: 'プロンプト', answers: '回答ファイル', replay: '再生' },
    noResult: '(結果なし: 実行中にセッションが止まった)',
    noOutput: '(出力なし)',
    unreachable: (code, m) => `ホストに届かない (${code}): ${m}`,
    moreLines: (n) => `… 他 ${n} 行`,
    interrupted: '中断',
    unreachableStatus: (code) => `届かない: ${code}`,
    timedOut: (ms) => `${ms} ms でタイムアウト`,
    exit: (code, ms) => `終了コード ${code} · ${ms} ms`,
    truncated: '出力は途中まで',
    notFinished: '未完了: セッションは中断された (tshoot resume FILE で続きから)',
    applyState: {
      verified: '対処を適用し、確認できた',
      'rolled-back': '対処を適用したが確認はまだ失敗: 元に戻した',
      'rollback-failed': '対処を適用したが確認はまだ失敗し、元に戻しきれなかった (適用したコマンドを参照)',
      stopped: '対処は適用されなかった: 確認の前に止まった (適用したコマンドを参照)',
      interrupted: '対処: 適用中に中断された (適用したコマンドを参照)',
    },
    fixNode: (id) => `対処: ${id}`,
    from: (file, v) => `${file} より。tshoot ${v} で記録。`,
    selfContained: 'このページは単体で完結している: スクリプトなし、ネットワークから何も読み込まない。',
  },
};

/**
 * The CLI's notes on stderr around a session (cli/diagnose.ts, resume.ts, report.ts, run.ts):
 * which flow a pasted error leads to, what changed since a session was recorded, where a report went.
 */
export interface NoteText {
  readonly probing: (target: string | null) => string;
  readonly toFlow: (why: string, flow: string, target: string | null) => string;
  readonly namesHostOnly: (host: string) => string;
  readonly fileChanged: (what: string, file: string) => string;
  readonly flowMoved: (flow: string, now: string, was: string) => string;
  readonly flowsChanged: (file: string) => string;
  readonly reportWritten: (out: string) => string;
  readonly reportOf: (path: string) => string;
}

export const NOTE_TEXT: Table<NoteText> = {
  en: {
    probing: (t) => `cannot tell the symptom from that text: probing ${t ?? 'the target'} → flow "triage"`,
    toFlow: (why, flow, t) => `${why} → flow "${flow}"${t ? ` for ${t}` : ''}`,
    namesHostOnly: (h) => ` (the text names ${h}, not its port)`,
    fileChanged: (what, f) => `${what} changed since ${f} was recorded; its recorded steps are checked as they are replayed`,
    flowMoved: (flow, now, was) => `flow "${flow}" now comes from ${now}, not from ${was} as recorded; its recorded steps are checked as they are replayed`,
    flowsChanged: (f) => `the flows changed since ${f} was recorded; its steps are checked as they are replayed`,
    reportWritten: (o) => `report: ${o}`,
    reportOf: (p) => `report of ${p}`,
  },
  ja: {
    probing: (t) => `そのテキストから症状を判別できない: ${t ?? '対象'} を調べる → フロー "triage"`,
    toFlow: (why, flow, t) => `${why} → フロー "${flow}"${t ? ` (${t})` : ''}`,
    namesHostOnly: (h) => ` (テキストにあるのは ${h} で、ポートはない)`,
    fileChanged: (what, f) => `${f} の記録後に ${what} が変わった。記録した手順は再生しながら確かめる`,
    flowMoved: (flow, now, was) => `フロー "${flow}" は記録した ${was} ではなく ${now} から読んだ。記録した手順は再生しながら確かめる`,
    flowsChanged: (f) => `${f} の記録後にフローが変わった。手順は再生しながら確かめる`,
    reportWritten: (o) => `レポート: ${o}`,
    reportOf: (p) => `${p} のレポート`,
  },
};
