import type { FastifyInstance } from 'fastify';
import type { DraftEncoding } from '../../message/message.js';
import { mustGetResource } from '../../services/resources.js';
import { canSend, probeResource, type ProbeResult } from '../probe.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

type SendForm = { to?: string; subject?: string; text?: string; encoding?: string };

const ENCODINGS: [DraftEncoding, string][] = [
  ['utf-8', 'UTF-8 (what Outlook and every current mailer read)'],
  ['iso-2022-jp', 'ISO-2022-JP (for Japanese systems that still expect it)'],
];

/**
 * A test send chosen by the person: recipient, subject, body and encoding, through the
 * resource's own send path (SMTP submission, EWS CreateItem, Graph sendMail), so that a
 * Japanese ISO-2022-JP message can be tried from the console as it will be sent for real.
 */
export function testSendPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  const render = async (name: string, reply: Parameters<ConsoleKit['page']>[0], form: SendForm, result?: ProbeResult) => {
    const r = await mustGetResource(ctx.store, name);
    if (!canSend(r.kind)) {
      return kit.page(reply, `Test send: ${name}`, () => html`<p><a href="/console/resources/${name}">← Resource ${name}</a></p>
<p class="err" id="cannot-send">A ${r.kind.toUpperCase()} resource receives mail only: use Test receive on its page, and an SMTP, EWS or Graph resource to send.</p>`, 400);
    }
    const v = (k: keyof SendForm, d: string): string => form[k] ?? d;
    const encoding = v('encoding', 'utf-8');
    return kit.page(reply, `Test send: ${name}`, (csrf) => html`<p><a href="/console/resources/${name}">← Resource ${name}</a></p>
${result ? resultBox(result) : ''}
<form method="post" action="/console/resources/${name}/send" id="test-send"><input type="hidden" name="_csrf" value="${csrf}">
<fieldset><legend>Send a test message through ${name} (${r.kind.toUpperCase()})</legend>
<label><span>To</span><input name="to" id="send-to" type="email" required value="${v('to', r.from ?? r.user ?? '')}" autocomplete="email"></label>
<label><span>Subject</span><input name="subject" id="send-subject" required maxlength="998" value="${v('subject', 'mailbridge test message')}"></label>
<label><span>Body</span><textarea name="text" id="send-text" rows="6" required>${v('text', `This is a test message sent by the mailbridge console through resource ${name}.`)}</textarea></label>
<fieldset><legend>Encoding</legend>${ENCODINGS.map(([value, label]) => html`<label><input type="radio" name="encoding" value="${value}" ${encoding === value ? html`checked` : ''}> ${label}</label>`)}</fieldset>
<button id="send-test">Send the test message</button></fieldset></form>`, result && !result.ok ? 502 : 200);
  };

  app.get<{ Params: { name: string } }>('/resources/:name/send', kit.get, async (req, reply) => render(req.params.name, reply, {}));

  app.post<{ Params: { name: string }; Body: SendForm }>('/resources/:name/send', kit.post, async (req, reply) => {
    const f = req.body;
    const encoding = ENCODINGS.find(([e]) => e === f.encoding)?.[0] ?? 'utf-8';
    const result = await probeResource(ctx, req.params.name, {
      action: 'send', encoding,
      ...(f.to?.trim() ? { to: f.to.trim() } : {}),
      ...(f.subject?.trim() ? { subject: f.subject.trim() } : {}),
      ...(f.text ? { text: f.text } : {}),
    });
    return render(req.params.name, reply, f, result);
  });
}

function resultBox(r: ProbeResult): Html {
  if (r.ok) return html`<p class="ok" id="test-result" role="status">Test send succeeded: ${r.detail}</p>`;
  const e = r.error;
  return html`<div class="err" id="test-result" role="alert"><p><strong>Test send failed:</strong> ${e?.message ?? r.detail}${e?.code ? ` (${e.code})` : ''}</p>
${e?.hint ? html`<p>Fix: ${e.hint}</p>` : ''}
${typeof e?.serverResponse === 'string' ? html`<p>The server said:</p><pre id="server-response">${e.serverResponse}</pre>` : ''}</div>`;
}
