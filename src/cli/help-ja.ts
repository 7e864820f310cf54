import type { Command } from 'commander';
import { type Locale, messages, t } from '../i18n/index.js';

/**
 * `mailbridge --help` in Japanese: the program's and every top-level command's description. A description is
 * replaced only while its English is still the one written here, so a command whose English changed shows the new
 * English rather than an outdated Japanese (and the catalogue test keeps both languages present).
 */
const m = messages('cli.help', {
  program: {
    en: 'Mail over OAuth 2.0 for Microsoft 365 / Exchange Online and any OAuth2 provider',
    ja: 'Microsoft 365 / Exchange Online と任意の OAuth2 プロバイダーのメールを OAuth 2.0 で送受信します',
  },
  resource: {
    en: 'manage mail resources (IMAP, POP3, SMTP, EWS, Graph)',
    ja: 'メールのリソース (IMAP、POP3、SMTP、EWS、Graph) を管理します',
  },
  auth: {
    en: 'sign in and consent for a resource: browser with a local listener, pasted redirect URL, or device code',
    ja: 'リソースにサインインして同意します: ローカルで待ち受けるブラウザー、リダイレクト後の URL の貼り付け、デバイス コード',
  },
  token: { en: 'see and manage the tokens of a resource', ja: 'リソースのトークンを確認・管理します' },
  send: {
    en: 'send a message through an smtp (XOAUTH2), ews or graph resource',
    ja: 'smtp (XOAUTH2)、ews、graph のリソースでメッセージを送信します',
  },
  folders: {
    en: 'list the folders of a resource (IMAP, EWS, Graph; POP3 has only INBOX) with message and unseen counts',
    ja: 'リソースのフォルダーをメッセージ数と未読数付きで一覧表示します (IMAP、EWS、Graph。POP3 は INBOX のみ)',
  },
  list: {
    en: 'list messages (newest last), optionally filtered',
    ja: 'メッセージを一覧表示します (新しいものが最後。絞り込み可能)',
  },
  get: {
    en: 'show one message (headers and text), its raw source, or save its attachments',
    ja: 'メッセージ 1 通 (ヘッダーと本文)、元のソースを表示するか、添付ファイルを保存します',
  },
  fetch: {
    en: 'save matching messages as .eml with their attachments into a directory (resumable), then apply an after-processing action',
    ja: '条件に合うメッセージを添付ファイルとともに .eml としてディレクトリに保存し (再開可能)、処理後の動作を適用します',
  },
  mark: {
    en: 'mark messages read/unread or flag/unflag them',
    ja: 'メッセージを既読/未読にするか、フラグを付け外しします',
  },
  move: { en: 'move messages to another folder', ja: 'メッセージを別のフォルダーに移動します' },
  copy: { en: 'copy messages to another folder', ja: 'メッセージを別のフォルダーにコピーします' },
  delete: {
    en: 'delete messages for good (IMAP: expunge; POP3: DELE)',
    ja: 'メッセージを完全に削除します (IMAP: expunge、POP3: DELE)',
  },
  doctor: {
    en: 'diagnose a mail resource: token claims, DNS, TLS, capabilities, auth mechanisms, login',
    ja: 'メールのリソースを診断します: トークンのクレーム、DNS、TLS、機能、認証方式、ログイン',
  },
  sandbox: {
    en: 'run the offline identity emulator and Exchange sandbox (login.microsoftonline.com + Exchange Online on loopback) until Ctrl-C',
    ja: 'オフラインの ID エミュレーターと Exchange のサンドボックス (ループバック上の login.microsoftonline.com と Exchange Online) を Ctrl-C まで実行します',
  },
  demo: {
    en: 'run mailbridge on the sandbox tenant: resources consented, a trigger, the console (no tenant needed)',
    ja: 'サンドボックスのテナントで mailbridge を実行します: 同意済みのリソース、トリガー、コンソール (テナント不要)',
  },
  trigger: {
    en: 'watch a mailbox folder and deliver each new message to a webhook or a command',
    ja: 'メールボックスのフォルダーを監視し、新しいメッセージを Webhook またはコマンドに配信します',
  },
  serve: {
    en: 'run the service: REST API, web console and every trigger (loopback only unless --host says otherwise)',
    ja: 'サービスを実行します: REST API、Web コンソール、すべてのトリガー (--host で指定しない限りループバックのみ)',
  },
  key: {
    en: 'the sealing key that protects stored secrets and tokens',
    ja: '保存したシークレットとトークンを保護する封印キー',
  },
  console: { en: "the web console's sign-in", ja: 'Web コンソールのサインイン' },
  version: { en: 'print the mailbridge version', ja: 'mailbridge のバージョンを表示します' },
  json: { en: 'machine-readable output', ja: '機械可読な出力 (JSON)' },
});

/** Replaces the program's and its commands' descriptions with their Japanese when `locale` is ja. */
export function localizeHelp(program: Command, locale: Locale): void {
  if (locale === 'en') return;
  const texts: Record<string, { en: string; ja: string }> = m;
  const apply = (current: string, key: string, set: (text: string) => void) => {
    const text = texts[key];
    if (text && text.en === current) set(t(text, locale));
  };
  apply(program.description(), 'program', (s) => program.description(s));
  for (const cmd of program.commands) apply(cmd.description(), cmd.name(), (s) => cmd.description(s));
  for (const opt of program.options) {
    const key = opt.long === '--version' ? 'version' : opt.long === '--json' ? 'json' : undefined;
    if (key) apply(opt.description, key, (s) => (opt.description = s));
  }
}
