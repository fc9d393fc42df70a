/**
 * tshoot's own words, English and Japanese, in one place (the flows carry their texts in their
 * files). A table per part of the UI, each the same shape in both languages: a missing
 * translation is a type error, not an English line in a Japanese session.
 */
import type { TransportErrorCode } from '../exec/types.js';

export type UiLang = 'en' | 'ja';

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
  en: { handover: (to: string) => `→ going on with the flow for what the client gets: ${to}`, reused: (from: string) => `from ${from}, reused` },
  ja: { handover: (to: string) => `→ クライアントが受けた応答に合うフローで続ける: ${to}`, reused: (from: string) => `${from} の結果を再利用` },
} as const satisfies Table<{ handover: (to: string) => string; reused: (from: string) => string }>;

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
