import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { formatDateTime, messages, relativeTime, t, type Locale } from '../../i18n/index.js';
import { formatAfterAction } from '../../message/after-action.js';
import { Secret } from '../../secret.js';
import type { DeliveryRecord, TriggerRecord } from '../../store/store.js';
import { saveTrigger } from '../../triggers/save.js';
import { deliveryGraphs, GRAPH_CSS, RANGES, type GraphRange } from './delivery-graphs.js';
import { html, Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { consoleFix, errorBox, fixButtons } from './fixes.js';
import { NAME_PATTERN } from './resource-form.js';
import { withoutSecret } from './secret-drafts.js';

type TriggerForm = Record<string, string | undefined>;

const m = messages('console.triggers', {
  title: { en: 'Triggers', ja: 'トリガー' },
  none: { en: 'No triggers yet.', ja: 'トリガーはまだありません。' },
  noSuchResource: { en: '{name} (no such resource)', ja: '{name} (このリソースはありません)' },
  after: { en: 'after processing: {action}', ja: '処理後: {action}' },
  lastScan: { en: 'Last whole scan: {when} ({ago})', ja: '最後の全体スキャン: {when} ({ago})' },
  lastError: { en: 'Last error at {when} ({ago}): {error}', ja: '最後のエラー {when} ({ago}): {error}' },
  lastErrorNoTime: { en: 'Last error: {error}', ja: '最後のエラー: {error}' },
  pausedBecause: { en: 'Paused: {reason}', ja: '一時停止中: {reason}' },
  pause: { en: 'Pause', ja: '一時停止' },
  resume: { en: 'Resume', ja: '再開' },
  remove: { en: 'Remove', ja: '削除' },
  state_running: { en: 'running', ja: '実行中' },
  state_idle: { en: 'idle', ja: '待機中' },
  state_polling: { en: 'polling', ja: 'ポーリング中' },
  state_paused: { en: 'paused', ja: '一時停止' },
  state_stopped: { en: 'stopped', ja: '停止' },
  status_delivered: { en: 'delivered', ja: '配信済み' },
  status_failed: { en: 'failed (will retry)', ja: '失敗 (再試行予定)' },
  status_dead: { en: 'dead letter', ja: 'デッドレター' },
  rangeHour: { en: 'Last hour', ja: '直近 1 時間' },
  rangeDay: { en: 'Last 24 hours', ja: '直近 24 時間' },
  rangeLabel: { en: 'Graph range', ja: 'グラフの期間' },
  deliveries: { en: 'Recent deliveries', ja: '最近の配信' },
  noDeliveries: { en: 'No deliveries yet.', ja: '配信はまだありません。' },
  deadLetters: { en: 'Dead letters ({count})', ja: 'デッドレター ({count} 件)' },
  deadHint: {
    en: 'Messages the target refused or that ran out of retries. Replay fetches each message again and delivers it once more.',
    ja: '配信先に拒否されたか、再試行を使い切ったメッセージです。「再実行」でメッセージを取得し直して、もう一度配信します。',
  },
  when: { en: 'When', ja: '日時' },
  status: { en: 'Status', ja: '状態' },
  attempts: { en: 'Attempts', ja: '試行回数' },
  subject: { en: 'Subject', ja: '件名' },
  duration: { en: 'Time', ja: '所要時間' },
  error: { en: 'Last error', ja: '最後のエラー' },
  details: { en: 'Details', ja: '詳細' },
  detailsOf: { en: 'Details of delivery {subject}', ja: '配信「{subject}」の詳細' },
  replay: { en: 'Replay', ja: '再実行' },
  replayOf: { en: 'Replay delivery {subject}', ja: '配信「{subject}」を再実行' },
  replayed: {
    en: 'Delivery {id}: {status} after {attempts} attempt(s)',
    ja: '配信 {id}: {attempts} 回の試行で{status}',
  },
  added: {
    en: 'Trigger {name} added. Webhook signing secret (shown once, give it to the receiver):',
    ja: 'トリガー {name} を追加しました。Webhook の署名シークレット (表示は一度だけです。受信側に渡してください):',
  },
  addLegend: { en: 'Add a webhook trigger', ja: 'Webhook トリガーを追加' },
  name: { en: 'Name', ja: '名前' },
  resource: { en: 'Resource', ja: 'リソース' },
  folder: { en: 'Folder', ja: 'フォルダー' },
  url: { en: 'Webhook URL', ja: 'Webhook の URL' },
  start: { en: 'Start with', ja: '対象' },
  startNew: { en: 'new messages only', ja: '新しいメッセージのみ' },
  startAll: { en: 'messages already there too', ja: '既存のメッセージも含める' },
  poll: { en: 'Poll every (seconds)', ja: 'ポーリング間隔 (秒)' },
  add: { en: 'Add trigger', ja: 'トリガーを追加' },
  // the delivery page
  deliveryTitle: { en: 'Delivery {subject}', ja: '配信 {subject}' },
  back: { en: '← Triggers', ja: '← トリガー' },
  trigger: { en: 'Trigger', ja: 'トリガー' },
  message: { en: 'Message', ja: 'メッセージ' },
  created: { en: 'First seen', ja: '初回検出' },
  updated: { en: 'Last attempt', ja: '最後の試行' },
  afterAction: { en: 'After processing', ja: '処理後のアクション' },
  request: { en: 'Request (what was sent)', ja: 'リクエスト (送信した内容)' },
  response: { en: 'Response (what the target answered)', ja: 'レスポンス (配信先の応答)' },
  tookMs: { en: 'The last attempt took {ms} ms.', ja: '最後の試行の所要時間は {ms} ms でした。' },
  noExchange: {
    en: 'The request and response of this delivery were not kept (recorded before this version of mailbridge).',
    ja: 'この配信のリクエストとレスポンスは保存されていません (このバージョンより前に記録された配信です)。',
  },
  noSuchDelivery: { en: 'No delivery {id}.', ja: '配信 {id} はありません。' },
});

const STATE_KEYS = {
  running: m.state_running,
  idle: m.state_idle,
  polling: m.state_polling,
  paused: m.state_paused,
  stopped: m.state_stopped,
} as const;
const STATUS_KEYS = { delivered: m.status_delivered, failed: m.status_failed, dead: m.status_dead } as const;
const stateText = (state: string, locale: Locale): string =>
  state in STATE_KEYS ? t(STATE_KEYS[state as keyof typeof STATE_KEYS], locale) : state;

/** Triggers: status, graphs, recent deliveries and dead letters (with Replay), pause/resume; a delivery's request and answer. */
export function triggerPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  const render = async (
    reply: Parameters<ConsoleKit['page']>[0],
    o: { extra?: (csrf: string, locale: Locale) => Html; status?: number; form?: TriggerForm; range?: GraphRange } = {},
  ) => {
    const form = o.form ?? {};
    const range: GraphRange = o.range ?? 'hour';
    const now = ctx.now();
    const triggers = await ctx.store.listTriggers();
    const live = new Map(ctx.runner.status().map((s) => [s.trigger, s]));
    const sections: {
      tr: TriggerRecord;
      deliveries: DeliveryRecord[];
      dead: DeliveryRecord[];
      timings: SectionData['timings'];
    }[] = [];
    for (const tr of triggers) {
      const name = tr.definition.name;
      sections.push({
        tr,
        deliveries: await ctx.store.listDeliveries(name, { limit: 20 }),
        dead: await ctx.store.listDeliveries(name, { status: 'dead', limit: 100 }),
        timings: await ctx.store.listDeliveryTimings(name, now - RANGES[range].spanMs),
      });
    }
    const all = await ctx.store.listResources();
    const resources = all.filter((r) => r.kind !== 'smtp').map((r) => r.name);
    const known = new Set(all.map((r) => r.name));
    const val = (k: string, d = ''): string => form[k] ?? d;
    const locale = kit.locale(reply.request);
    return kit.page(
      reply,
      t(m.title, locale),
      (csrf, locale) =>
        html`<style>
            ${new Html(GRAPH_CSS + PAGE_CSS)}
          </style>
          ${o.extra ? o.extra(csrf, locale) : ''}
          ${
            sections.length === 0
              ? html`<p id="no-triggers">${t(m.none, locale)}</p>`
              : html`<nav class="range" aria-label="${t(m.rangeLabel, locale)}">
                  ${(['hour', 'day'] as const).map((r) => html`<a href="/console/triggers?range=${r}" ${r === range ? html`aria-current="true" class="current"` : ''} id="range-${r}">${t(r === 'hour' ? m.rangeHour : m.rangeDay, locale)}</a> `)}
                </nav>`
          }
          ${sections.map(({ tr, deliveries, dead, timings }) => triggerSection(tr, live.get(tr.definition.name), { deliveries, dead, timings, known, csrf, locale, range, now }))}
          <form method="post" action="/console/triggers" id="add-trigger">
            <fieldset>
              <legend>${t(m.addLegend, locale)}</legend>
              <input type="hidden" name="_csrf" value="${csrf}" />
              <label
                ><span>${t(m.name, locale)}</span
                ><input name="name" value="${val('name')}" required pattern="${NAME_PATTERN}" maxlength="63"
              /></label>
              <label
                ><span>${t(m.resource, locale)}</span
                ><select name="resource">
                  ${resources.map((r) => html`<option ${val('resource') === r ? html`selected` : ''}>${r}</option>`)}
                </select></label
              >
              <label
                ><span>${t(m.folder, locale)}</span><input name="folder" value="${val('folder', 'INBOX')}"
              /></label>
              <label
                ><span>${t(m.url, locale)}</span><input name="url" type="url" value="${val('url')}" required
              /></label>
              <label
                ><span>${t(m.start, locale)}</span
                ><select name="start">
                  <option value="new">${t(m.startNew, locale)}</option>
                  <option value="all" ${val('start') === 'all' ? html`selected` : ''}>${t(m.startAll, locale)}</option>
                </select></label
              >
              <label
                ><span>${t(m.poll, locale)}</span
                ><input name="poll" value="${val('poll', '60')}" inputmode="numeric" pattern="[0-9]{1,6}"
              /></label>
              <button id="add-trigger-button">${t(m.add, locale)}</button>
            </fieldset>
          </form>`,
      o.status ?? 200,
    );
  };

  app.get<{ Querystring: { range?: string } }>('/triggers', kit.get, async (req, reply) =>
    render(reply, { range: req.query.range === 'day' ? 'day' : 'hour' }),
  );

  app.post<{ Body: TriggerForm }>('/triggers', kit.post, async (req, reply) => {
    const f = req.body;
    const secret = new Secret(randomBytes(32).toString('base64url'));
    try {
      await saveTrigger(
        ctx.store,
        {
          name: f.name ?? '',
          resource: f.resource ?? '',
          folder: f.folder || 'INBOX',
          start: f.start === 'all' ? 'all' : 'new',
          pollIntervalSeconds: Number(f.poll || 60),
          target: { kind: 'webhook', url: f.url ?? '' },
        },
        { webhookSecret: secret },
      );
      await ctx.runner.sync();
      return render(reply, {
        extra: (_csrf, locale) =>
          html`<p class="ok" id="trigger-added">
            ${t(m.added, locale, { name: f.name ?? '' })} <code id="trigger-secret">${secret.reveal()}</code>
          </p>`,
      });
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return render(reply, {
        extra: (csrf) => errorBox(e, { csrf, resource: f.resource, locale: kit.locale(req) }),
        status: 400,
        form: withoutSecret(f),
      });
    }
  });

  for (const verb of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(`/triggers/:name/${verb}`, kit.post, async (req, reply) => {
      if (verb === 'pause') await ctx.runner.pause(req.params.name, 'paused in the console');
      else await ctx.runner.resume(req.params.name);
      return reply.redirect(`/console/triggers#trigger-${encodeURIComponent(req.params.name)}`, 303);
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
      return render(reply, {
        extra: (_csrf, locale) =>
          html`<p class="${d.status === 'delivered' ? 'ok' : 'err'}" id="replay-result" role="status">
            ${t(m.replayed, locale, {
              id: d.id,
              status: t(STATUS_KEYS[d.status], locale),
              attempts: d.attempts,
            })}${d.lastError && d.status !== 'delivered' ? ` (${d.lastError})` : ''}
          </p>`,
      });
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return render(reply, { extra: () => errorBox(e), status: 400 });
    }
  });

  app.get<{ Params: { id: string } }>('/deliveries/:id', kit.get, async (req, reply) => {
    const d = await ctx.store.getDelivery(req.params.id);
    const locale = kit.locale(req);
    if (!d) {
      return kit.page(
        reply,
        t(m.noSuchDelivery, locale, { id: req.params.id }),
        (_csrf, locale) => html`<p><a href="/console/triggers">${t(m.back, locale)}</a></p>`,
        404,
      );
    }
    const exchange = await ctx.store.getDeliveryExchange(d.id);
    const now = ctx.now();
    const when = (ms: number, l: Locale) => `${formatDateTime(ms, l)} (${relativeTime(ms, l, now)})`;
    return kit.page(
      reply,
      t(m.deliveryTitle, locale, { subject: d.subject ?? d.messageKey }),
      (csrf, locale) =>
        html`<p><a href="/console/triggers#trigger-${d.trigger}">${t(m.back, locale)}</a></p>
          <table id="delivery-facts">
            <tr>
              <th scope="row">${t(m.trigger, locale)}</th>
              <td>${d.trigger}</td>
            </tr>
            <tr>
              <th scope="row">${t(m.status, locale)}</th>
              <td><span class="badge ${d.status}" id="delivery-status">${t(STATUS_KEYS[d.status], locale)}</span></td>
            </tr>
            <tr>
              <th scope="row">${t(m.attempts, locale)}</th>
              <td>${d.attempts}</td>
            </tr>
            <tr>
              <th scope="row">${t(m.message, locale)}</th>
              <td>${d.subject ?? ''}${d.messageId ? html`<br /><code>${d.messageId}</code>` : ''}</td>
            </tr>
            <tr>
              <th scope="row">${t(m.created, locale)}</th>
              <td>${when(d.createdAt, locale)}</td>
            </tr>
            <tr>
              <th scope="row">${t(m.updated, locale)}</th>
              <td>${when(d.updatedAt, locale)}</td>
            </tr>
            ${
              d.lastError
                ? html`<tr>
                    <th scope="row">${t(m.error, locale)}</th>
                    <td class="err">${d.lastError}</td>
                  </tr>`
                : ''
            }
            ${
              d.afterAction
                ? html`<tr>
                    <th scope="row">${t(m.afterAction, locale)}</th>
                    <td>${d.afterAction}</td>
                  </tr>`
                : ''
            }
          </table>
          ${d.status !== 'delivered' ? html`<form class="inline" method="post" action="/console/deliveries/${d.id}/replay"><input type="hidden" name="_csrf" value="${csrf}" /><button id="replay">${t(m.replay, locale)}</button></form>` : ''}
          ${
            exchange
              ? html`<p class="note" id="delivery-duration">${t(m.tookMs, locale, { ms: exchange.durationMs })}</p>
                  <h2>${t(m.request, locale)}</h2>
                  <pre id="delivery-request">${prettyJson(exchange.request)}</pre>
                  <h2>${t(m.response, locale)}</h2>
                  <pre id="delivery-response">${exchange.response}</pre>`
              : html`<p class="note" id="no-exchange">${t(m.noExchange, locale)}</p>`
          }`,
    );
  });
}

interface SectionData {
  deliveries: DeliveryRecord[];
  dead: DeliveryRecord[];
  timings: Parameters<typeof deliveryGraphs>[1];
  known: Set<string>;
  csrf: string;
  locale: Locale;
  range: GraphRange;
  now: number;
}

function triggerSection(
  tr: TriggerRecord,
  s: ReturnType<ConsoleKit['ctx']['runner']['status']>[number] | undefined,
  x: SectionData,
): Html {
  const { csrf, locale, now } = x;
  const d = tr.definition;
  const state = tr.paused ? 'paused' : (s?.state ?? 'stopped');
  const ago = (ms: number) => relativeTime(ms, locale, now);
  return html`<section class="trigger" data-trigger="${d.name}" id="trigger-${d.name}">
    <h2>${d.name} <span class="badge ${state}" id="state-${d.name}">${stateText(state, locale)}</span></h2>
    <p>
      ${x.known.has(d.resource) ? html`<a href="/console/resources/${encodeURIComponent(d.resource)}">${d.resource}</a>` : html`<span class="err missing-resource">${t(m.noSuchResource, locale, { name: d.resource })}</span>`}/${d.folder}
      → ${d.target.kind === 'webhook' ? d.target.url : d.target.kind},
      ${t(m.after, locale, { action: formatAfterAction(d.afterAction) })}
      ${tr.pauseReason ? pausedLine(tr.pauseReason, d.resource, csrf, locale) : ''}
      ${s?.lastScanAt ? html`<br /><span class="note last-scan">${t(m.lastScan, locale, { when: formatDateTime(s.lastScanAt, locale), ago: ago(s.lastScanAt) })}</span>` : ''}
      ${
        s?.lastError
          ? html`<br /><span class="err last-error"
                >${
                  s.lastErrorAt
                    ? t(m.lastError, locale, {
                        when: formatDateTime(s.lastErrorAt, locale),
                        ago: ago(s.lastErrorAt),
                        error: s.lastError,
                      })
                    : t(m.lastErrorNoTime, locale, { error: s.lastError })
                }</span
              >`
          : ''
      }
    </p>
    <form class="inline" method="post" action="/console/triggers/${d.name}/${tr.paused ? 'resume' : 'pause'}">
      <input type="hidden" name="_csrf" value="${csrf}" /><button
        class="${tr.paused ? 'resume' : 'pause'}"
        aria-label="${tr.paused ? 'Resume' : 'Pause'} trigger ${d.name}"
      >
        ${t(tr.paused ? m.resume : m.pause, locale)}
      </button>
    </form>
    <form class="inline" method="post" action="/console/triggers/${d.name}/delete">
      <input type="hidden" name="_csrf" value="${csrf}" /><button aria-label="Remove trigger ${d.name}">
        ${t(m.remove, locale)}
      </button>
    </form>
    ${deliveryGraphs(d.name, x.timings, x.range, now, locale)}
    <h3>${t(m.deliveries, locale)}</h3>
    ${x.deliveries.length === 0 ? html`<p class="note">${t(m.noDeliveries, locale)}</p>` : deliveryTable('deliveries', x.deliveries, csrf, locale, now)}
    ${
      x.dead.length
        ? html`<h3 class="dead-letters-title">${t(m.deadLetters, locale, { count: x.dead.length })}</h3>
            <p class="note">${t(m.deadHint, locale)}</p>
            ${deliveryTable('dead-letters', x.dead, csrf, locale, now)}`
        : ''
    }
  </section>`;
}

function deliveryTable(cls: string, rows: DeliveryRecord[], csrf: string, locale: Locale, now: number): Html {
  return html`<div class="table-scroll">
    <table class="${cls}">
      <tr>
        <th scope="col">${t(m.when, locale)}</th>
        <th scope="col">${t(m.status, locale)}</th>
        <th scope="col">${t(m.attempts, locale)}</th>
        <th scope="col">${t(m.subject, locale)}</th>
        <th scope="col">${t(m.error, locale)}</th>
        <th scope="col"><span class="visually-hidden">${t(m.details, locale)}</span></th>
      </tr>
      ${rows.map(
        (x) =>
          html`<tr data-delivery="${x.id}">
            <td>
              <time datetime="${new Date(x.updatedAt).toISOString()}" title="${relativeTime(x.updatedAt, locale, now)}"
                >${formatDateTime(x.updatedAt, locale)}</time
              >
            </td>
            <td><span class="badge ${x.status}">${t(STATUS_KEYS[x.status], locale)}</span></td>
            <td data-label="${t(m.attempts, locale)}">${x.attempts}</td>
            <td class="subject">${x.subject ?? ''}</td>
            <td>${x.lastError ?? ''}</td>
            <td class="actions">
              <a
                href="/console/deliveries/${x.id}"
                aria-label="${t(m.detailsOf, locale, { subject: x.subject ?? x.id })}"
                >${t(m.details, locale)}</a
              >
              ${x.status === 'delivered' ? '' : html` <form class="inline" method="post" action="/console/deliveries/${x.id}/replay"><input type="hidden" name="_csrf" value="${csrf}" /><button aria-label="${t(m.replayOf, locale, { subject: x.subject ?? x.id })}">${t(m.replay, locale)}</button></form>`}
            </td>
          </tr>`,
      )}
    </table>
  </div>`;
}

/** A webhook's JSON body indented for reading; anything else as it was. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * Why a trigger paused itself, with its fix as the console's buttons (a reason names the CLI
 * command, e.g. `mailbridge auth NAME`; here that is the resource's Connect button).
 */
function pausedLine(reason: string, resource: string, csrf: string, locale: Locale): Html {
  const { text, actions } = consoleFix({ code: '', hint: reason }, resource);
  return html`<br /><span class="err paused-reason">${t(m.pausedBecause, locale, { reason: text })}</span
    >${fixButtons(actions, csrf)}`;
}

const PAGE_CSS = `.range a{margin-right:.8em}.range a.current{font-weight:600;text-decoration:none;color:#1b1f24}
section.trigger{background:#fff;border:1px solid #d8dde3;padding:.2em 1em 1em;margin:1em 0}
.table-scroll{overflow-x:auto;max-width:100%}.visually-hidden{position:absolute;left:-999em}
td.actions{white-space:nowrap}
@media (max-width:700px){table.deliveries,table.dead-letters,table.deliveries tbody,table.dead-letters tbody{display:block;border:0}
table.deliveries tr:first-child,table.dead-letters tr:first-child{display:none}
table.deliveries tr,table.dead-letters tr{display:flex;flex-wrap:wrap;gap:.2em .8em;border-bottom:1px solid #d8dde3;padding:.4em .2em}
table.deliveries td,table.dead-letters td{display:block;border:0;padding:0}
td.subject{order:-1;flex-basis:100%;font-weight:600}td:empty{display:none}td[data-label]::before{content:attr(data-label) ": ";color:#4b5563}}`;
