import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { formatAfterAction } from '../../message/after-action.js';
import { Secret } from '../../secret.js';
import type { DeliveryRecord, TriggerRecord } from '../../store/store.js';
import { saveTrigger } from '../../triggers/save.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { errorBox } from './resources-page.js';

type TriggerForm = Record<string, string | undefined>;

/** Triggers with their recent deliveries and failures; dead letters with a Replay button. */
export function triggerPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: Html, status = 200) => {
    const triggers = await ctx.store.listTriggers();
    const live = new Map(ctx.runner.status().map((s) => [s.trigger, s]));
    const sections: { t: TriggerRecord; deliveries: DeliveryRecord[] }[] = [];
    for (const t of triggers) sections.push({ t, deliveries: await ctx.store.listDeliveries(t.definition.name, { limit: 20 }) });
    const resources = (await ctx.store.listResources()).filter((r) => r.kind === 'imap' || r.kind === 'pop3').map((r) => r.name);
    return kit.page(reply, 'Triggers', (csrf) => html`${extra ?? ''}
${sections.length === 0 ? html`<p id="no-triggers">No triggers yet.</p>` : ''}
${sections.map(({ t, deliveries }) => {
    const d = t.definition;
    const s = live.get(d.name);
    const state = t.paused ? 'paused' : (s?.state ?? 'stopped');
    return html`<section class="trigger" data-trigger="${d.name}"><h2>${d.name} <span class="badge ${state}">${state}</span></h2>
<p>${d.resource}/${d.folder} → ${d.target.kind === 'webhook' ? d.target.url : d.target.kind}, after ${formatAfterAction(d.afterAction)}
${t.pauseReason ? html`<br><span class="err">Paused: ${t.pauseReason}</span>` : ''}${s?.lastError ? html`<br><span class="err">Last error: ${s.lastError}</span>` : ''}</p>
<form class="inline" method="post" action="/console/triggers/${d.name}/${t.paused ? 'resume' : 'pause'}"><input type="hidden" name="_csrf" value="${csrf}"><button aria-label="${t.paused ? 'Resume' : 'Pause'} trigger ${d.name}">${t.paused ? 'Resume' : 'Pause'}</button></form>
<form class="inline" method="post" action="/console/triggers/${d.name}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button aria-label="Remove trigger ${d.name}">Remove</button></form>
${deliveries.length === 0 ? html`<p class="note">No deliveries yet.</p>` : html`<table class="deliveries"><tr><th>When</th><th>Status</th><th>Attempts</th><th>Subject</th><th>Last error</th><th></th></tr>
${deliveries.map((x) => html`<tr data-delivery="${x.id}"><td>${new Date(x.updatedAt).toISOString()}</td><td><span class="badge ${x.status}">${x.status}</span></td><td>${x.attempts}</td>
<td class="subject">${x.subject ?? ''}</td><td>${x.lastError ?? ''}</td>
<td>${x.status === 'delivered' ? '' : html`<form class="inline" method="post" action="/console/deliveries/${x.id}/replay"><input type="hidden" name="_csrf" value="${csrf}"><button aria-label="Replay delivery ${x.subject ?? x.id}">Replay</button></form>`}</td></tr>`)}</table>`}
</section>`;
  })}
<form method="post" action="/console/triggers" id="add-trigger"><fieldset><legend>Add a webhook trigger</legend><input type="hidden" name="_csrf" value="${csrf}">
<label><span>Name</span><input name="name" required></label>
<label><span>Resource</span><select name="resource">${resources.map((r) => html`<option>${r}</option>`)}</select></label>
<label><span>Folder</span><input name="folder" value="INBOX"></label>
<label><span>Webhook URL</span><input name="url" type="url" required></label>
<label><span>Start with</span><select name="start"><option value="new">new messages only</option><option value="all">messages already there too</option></select></label>
<label><span>Poll every (seconds)</span><input name="poll" value="60" inputmode="numeric"></label>
<button id="add-trigger-button">Add trigger</button></fieldset></form>`, status);
  };

  app.get('/triggers', kit.get, async (_req, reply) => render(reply));

  app.post<{ Body: TriggerForm }>('/triggers', kit.post, async (req, reply) => {
    const f = req.body;
    const secret = new Secret(randomBytes(32).toString('base64url'));
    try {
      await saveTrigger(ctx.store, {
        name: f.name ?? '', resource: f.resource ?? '', folder: f.folder || 'INBOX', start: f.start === 'all' ? 'all' : 'new',
        pollIntervalSeconds: Number(f.poll || 60), target: { kind: 'webhook', url: f.url ?? '' },
      }, { webhookSecret: secret });
      await ctx.runner.sync();
      return render(reply, html`<p class="ok" id="trigger-added">Trigger ${f.name} added. Webhook signing secret (shown once, give it to the receiver):
<code id="trigger-secret">${secret.reveal()}</code></p>`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return render(reply, errorBox(e), 400);
    }
  });

  for (const verb of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(`/triggers/:name/${verb}`, kit.post, async (req, reply) => {
      if (verb === 'pause') await ctx.runner.pause(req.params.name, 'paused in the console');
      else await ctx.runner.resume(req.params.name);
      return reply.redirect('/console/triggers', 303);
    });
  }

  app.post<{ Params: { name: string } }>('/triggers/:name/delete', kit.post, async (req, reply) => {
    await ctx.store.deleteTrigger(req.params.name);
    await ctx.runner.sync();
    return reply.redirect('/console/triggers', 303);
  });

  app.post<{ Params: { id: string } }>('/deliveries/:id/replay', kit.post, async (req, reply) => {
    try {
      const d = await ctx.runner.replay(req.params.id);
      return render(reply, html`<p class="${d.status === 'delivered' ? 'ok' : 'err'}" id="replay-result">Delivery ${d.id}: ${d.status} after ${d.attempts} attempt(s)${d.lastError && d.status !== 'delivered' ? ` (${d.lastError})` : ''}</p>`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return render(reply, errorBox(e), 400);
    }
  });
}
