import type { FastifyInstance } from 'fastify';
import type { DraftEncoding } from '../../message/message.js';
import { mustGetResource } from '../../services/resources.js';
import { canSend, probeResource, type ProbeResult } from '../probe.js';
import { messages, t, type Locale } from '../../i18n/index.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

type SendForm = { to?: string; subject?: string; text?: string; encoding?: string };

const m = messages('console.testSend', {
  title: { en: 'Test send: {name}', ja: 'テスト送信: {name}' },
  back: { en: '← Resource {name}', ja: '← リソース {name}' },
  cannotSend: {
    en: 'A {kind} resource receives mail only: use Test receive on its page, and an SMTP, EWS or Graph resource to send.',
    ja: '{kind} リソースは受信専用です。このリソースのページの「テスト受信」を使い、送信には SMTP・EWS・Graph のリソースを使ってください。',
  },
  legend: { en: 'Send a test message through {name} ({kind})', ja: '{name} ({kind}) からテスト メッセージを送信' },
  to: { en: 'To', ja: '宛先' },
  subject: { en: 'Subject', ja: '件名' },
  body: { en: 'Body', ja: '本文' },
  defaultSubject: { en: 'mailbridge test message', ja: 'mailbridge テスト メッセージ' },
  defaultBody: {
    en: 'This is a test message sent by the mailbridge console through resource {name}.',
    ja: 'これは mailbridge コンソールからリソース {name} を通して送信したテスト メッセージです。',
  },
  encoding: { en: 'Encoding', ja: '文字コード' },
  utf8: {
    en: 'UTF-8 (what Outlook and every current mailer read)',
    ja: 'UTF-8 (Outlook や現在のメーラーはすべて読めます)',
  },
  iso2022jp: {
    en: 'ISO-2022-JP (for Japanese systems that still expect it)',
    ja: 'ISO-2022-JP (これを前提とする日本のシステム向け)',
  },
  send: { en: 'Send the test message', ja: 'テスト メッセージを送信' },
  succeeded: { en: 'Test send succeeded: {detail}', ja: 'テスト送信に成功しました: {detail}' },
  failed: { en: 'Test send failed:', ja: 'テスト送信に失敗しました:' },
  fix: { en: 'Fix: {hint}', ja: '対処: {hint}' },
  serverSaid: { en: 'The server said:', ja: 'サーバーの応答:' },
});

const ENCODINGS: [DraftEncoding, (typeof m)[keyof typeof m]][] = [
  ['utf-8', m.utf8],
  ['iso-2022-jp', m.iso2022jp],
];

/**
 * A test send chosen by the person: recipient, subject, body and encoding, through the
 * resource's own send path (SMTP submission, EWS CreateItem, Graph sendMail), so that a
 * Japanese ISO-2022-JP message can be tried from the console as it will be sent for real.
 */
export function testSendPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  const render = async (
    name: string,
    reply: Parameters<ConsoleKit['page']>[0],
    form: SendForm,
    result?: ProbeResult,
  ) => {
    const r = await mustGetResource(ctx.store, name);
    const locale = kit.locale(reply.request);
    if (!canSend(r.kind)) {
      return kit.page(
        reply,
        t(m.title, locale, { name }),
        (_csrf, locale) =>
          html`<p><a href="/console/resources/${name}">${t(m.back, locale, { name })}</a></p>
            <p class="err" id="cannot-send">${t(m.cannotSend, locale, { kind: r.kind.toUpperCase() })}</p>`,
        400,
      );
    }
    const v = (k: keyof SendForm, d: string): string => form[k] ?? d;
    const encoding = v('encoding', 'utf-8');
    return kit.page(
      reply,
      t(m.title, locale, { name }),
      (csrf, locale) =>
        html`<p><a href="/console/resources/${name}">${t(m.back, locale, { name })}</a></p>
          ${result ? resultBox(result, locale) : ''}
          <form method="post" action="/console/resources/${name}/send" id="test-send">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <fieldset>
              <legend>${t(m.legend, locale, { name, kind: r.kind.toUpperCase() })}</legend>
              <label
                ><span>${t(m.to, locale)}</span
                ><input
                  name="to"
                  id="send-to"
                  type="email"
                  required
                  value="${v('to', r.from ?? r.user ?? '')}"
                  autocomplete="email"
              /></label>
              <label
                ><span>${t(m.subject, locale)}</span
                ><input
                  name="subject"
                  id="send-subject"
                  required
                  maxlength="998"
                  value="${v('subject', t(m.defaultSubject, locale))}"
              /></label>
              <label
                ><span>${t(m.body, locale)}</span
                ><textarea name="text" id="send-text" rows="6" required>
${v('text', t(m.defaultBody, locale, { name }))}</textarea>
              </label>
              <fieldset>
                <legend>${t(m.encoding, locale)}</legend>
                ${ENCODINGS.map(([value, label]) => html`<label><input type="radio" name="encoding" value="${value}" ${encoding === value ? html`checked` : ''} /> ${t(label, locale)}</label>`)}
              </fieldset>
              <button id="send-test">${t(m.send, locale)}</button>
            </fieldset>
          </form>`,
      result && !result.ok ? 502 : 200,
    );
  };

  app.get<{ Params: { name: string } }>('/resources/:name/send', kit.get, async (req, reply) =>
    render(req.params.name, reply, {}),
  );

  app.post<{ Params: { name: string }; Body: SendForm }>('/resources/:name/send', kit.post, async (req, reply) => {
    const f = req.body;
    const encoding = ENCODINGS.find(([e]) => e === f.encoding)?.[0] ?? 'utf-8';
    const result = await probeResource(ctx, req.params.name, {
      action: 'send',
      encoding,
      ...(f.to?.trim() ? { to: f.to.trim() } : {}),
      ...(f.subject?.trim() ? { subject: f.subject.trim() } : {}),
      ...(f.text ? { text: f.text } : {}),
    });
    return render(req.params.name, reply, f, result);
  });
}

function resultBox(r: ProbeResult, locale: Locale): Html {
  if (r.ok)
    return html`<p class="ok" id="test-result" role="status">${t(m.succeeded, locale, { detail: r.detail })}</p>`;
  const e = r.error;
  return html`<div class="err" id="test-result" role="alert">
    <p><strong>${t(m.failed, locale)}</strong> ${e?.message ?? r.detail}${e?.code ? ` (${e.code})` : ''}</p>
    ${e?.hint ? html`<p>${t(m.fix, locale, { hint: e.hint })}</p>` : ''}
    ${
      typeof e?.serverResponse === 'string'
        ? html`<p>${t(m.serverSaid, locale)}</p>
            <pre id="server-response">${e.serverResponse}</pre>`
        : ''
    }
  </div>`;
}
