import type { FastifyInstance } from 'fastify';
import { resourceToEntry } from '../../config/to-entry.js';
import { isMailbridgeError } from '../../errors.js';
import {
  duplicateResource,
  editResource,
  mustGetResource,
  removeResource,
  splitSecrets,
  triggersUsing,
} from '../../services/resources.js';
import { errorBox } from './fixes.js';
import { messages, t } from '../../i18n/index.js';
import { html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { entryToForm, formChanges, formToInput, resourceForm, type FormValues } from './resource-form.js';
import { fieldOf, keepSecret, takeSecret, withoutSecret } from './secret-drafts.js';

type Reply = Parameters<ConsoleKit['page']>[0];

export const EDIT_TEXT = messages('console.edit', {
  editTitle: { en: 'Edit {name}', ja: '{name} の編集' },
  editNote: {
    en: 'Changing where the credentials go (Tenant ID, Client ID, User, the servers, the URLs) needs the client secret again in the same save, and drops the stored tokens: Connect again afterwards. A new client secret alone keeps the tokens.',
    ja: '資格情報の送り先 (テナント ID、クライアントID、ユーザ、サーバ、URL) を変えるときは、同じ保存でクライアントシークレットをもう一度入力してください。保存済みのトークンは破棄されるので、そのあと接続し直してください。クライアントシークレットだけの変更ならトークンはそのままです。',
  },
  duplicateTitle: { en: 'Duplicate {name}', ja: '{name} の複製' },
  duplicateNote: {
    en: "The copy starts without tokens: Connect it after adding. Leave the client secret empty to use {name}'s, which is allowed only while the copy sends it where {name} does (same Tenant ID, Client ID, User, servers and URLs).",
    ja: '複製はトークンなしで始まります。追加したあとで接続してください。クライアントシークレットを空欄にすると {name} のものを使います (複製の送り先が {name} と同じ場合 — テナント ID、クライアントID、ユーザ、サーバ、URL が同じ場合 — に限ります)。',
  },
  removeTitle: { en: 'Remove {name}?', ja: '{name} を削除しますか?' },
  removeNote: {
    en: 'Removing {name} deletes its settings, its client secret and its tokens. The app registration at Microsoft stays as it is.',
    ja: '{name} を削除すると、設定・クライアントシークレット・トークンが消去されます。Microsoft 側のアプリの登録はそのまま残ります。',
  },
  usedBy: { en: 'These triggers watch {name}:', ja: '次のトリガーが {name} を監視しています:' },
  usedByFix: {
    en: 'Remove or repoint them first, or remove them together with the resource.',
    ja: '先に削除するか別のリソースに向けるか、リソースと一緒に削除してください。',
  },
  cascade: { en: 'also remove the triggers {names}', ja: 'トリガー {names} も削除する' },
  confirm: { en: 'Remove {name}', ja: '{name} を削除' },
  cancel: { en: 'Cancel', ja: 'キャンセル' },
});

/**
 * Edit, duplicate and remove a resource, through the same service as the CLI and the REST API:
 * an edit that changes where the credentials go needs the client secret again and drops the
 * tokens (docs/security.md, the endpoint-change rule); a removal is confirmed on its own page
 * and refused while triggers use the resource unless they are removed with it, by choice.
 */
export function resourceEditPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const path = (name: string, rest = '') => `/console/resources/${encodeURIComponent(name)}${rest}`;

  const editPage = async (
    reply: Reply,
    name: string,
    form: FormValues,
    o: { error?: unknown; secretKept?: string } = {},
    status = 200,
  ) =>
    kit.page(
      reply,
      t(EDIT_TEXT.editTitle, kit.locale(reply.request), { name }),
      (csrf, locale) =>
        html`<p><a href="${path(name)}">← ${name}</a></p>
          ${o.error ? errorBox(o.error, { csrf, resource: name, locale }) : ''}
          <p class="note">${t(EDIT_TEXT.editNote, locale)}</p>
          ${resourceForm(form, {
            mode: 'edit',
            action: path(name, '/edit'),
            csrf,
            hostAccess: ctx.hostAccess.hostAccess,
            secretKept: o.secretKept,
            errorField: fieldOf(o.error),
            error: o.error,
            locale,
          })}`,
      status,
    );

  app.get<{ Params: { name: string } }>('/resources/:name/edit', kit.get, async (req, reply) => {
    const r = await mustGetResource(ctx.store, req.params.name);
    return editPage(reply, r.name, entryToForm(resourceToEntry(r)));
  });

  app.post<{ Params: { name: string }; Body: FormValues }>('/resources/:name/edit', kit.post, async (req, reply) => {
    const r = await mustGetResource(ctx.store, req.params.name);
    const secret = takeSecret(kit, req, req.body);
    const changes = formChanges(entryToForm(resourceToEntry(r)), req.body);
    let moved: string[];
    try {
      ({ moved } = await editResource(
        ctx.store,
        r.name,
        changes,
        secret ? { clientSecret: secret } : {},
        ctx.hostAccess,
      ));
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return editPage(
        reply,
        r.name,
        { ...withoutSecret(req.body), name: r.name },
        { error: e, ...keepSecret(kit, req, secret) },
        400,
      );
    }
    const saved = [...Object.keys(changes), ...(secret ? ['clientSecret'] : [])];
    const q = new URLSearchParams({
      saved: saved.join(',') || 'nothing',
      ...(moved.length > 0 ? { moved: moved.join(',') } : {}),
    });
    return reply.redirect(`${path(r.name)}?${q.toString()}`, 303);
  });

  const duplicatePage = async (
    reply: Reply,
    name: string,
    form: FormValues,
    o: { error?: unknown; secretKept?: string } = {},
    status = 200,
  ) =>
    kit.page(
      reply,
      t(EDIT_TEXT.duplicateTitle, kit.locale(reply.request), { name }),
      (csrf, locale) =>
        html`<p><a href="${path(name)}">← ${name}</a></p>
          ${o.error ? errorBox(o.error, { csrf, locale }) : ''}
          <p class="note">${t(EDIT_TEXT.duplicateNote, locale, { name })}</p>
          ${resourceForm(form, {
            mode: 'duplicate',
            action: path(name, '/duplicate'),
            csrf,
            hostAccess: ctx.hostAccess.hostAccess,
            secretKept: o.secretKept,
            errorField: fieldOf(o.error),
            error: o.error,
            locale,
          })}`,
      status,
    );

  app.get<{ Params: { name: string } }>('/resources/:name/duplicate', kit.get, async (req, reply) => {
    const r = await mustGetResource(ctx.store, req.params.name);
    return duplicatePage(reply, r.name, { ...entryToForm(resourceToEntry(r)), name: `${r.name}-copy` });
  });

  app.post<{ Params: { name: string }; Body: FormValues }>(
    '/resources/:name/duplicate',
    kit.post,
    async (req, reply) => {
      const r = await mustGetResource(ctx.store, req.params.name);
      const secret = takeSecret(kit, req, req.body);
      let added: string;
      try {
        const { input, secrets } = splitSecrets(formToInput({ ...req.body, clientSecret: secret?.reveal() }));
        added = (await duplicateResource(ctx.store, r.name, input, secrets, ctx.hostAccess)).resource.name;
      } catch (e) {
        if (!isMailbridgeError(e)) throw e;
        return duplicatePage(
          reply,
          r.name,
          withoutSecret(req.body),
          { error: e, ...keepSecret(kit, req, secret) },
          400,
        );
      }
      return reply.redirect(path(added), 303);
    },
  );

  const removePage = async (reply: Reply, name: string, error?: unknown, status = 200) => {
    const using = await triggersUsing(ctx.store, name);
    return kit.page(
      reply,
      t(EDIT_TEXT.removeTitle, kit.locale(reply.request), { name }),
      (csrf, locale) =>
        html`${error ? errorBox(error, { csrf, locale }) : ''}
          <p>${t(EDIT_TEXT.removeNote, locale, { name })}</p>
          ${
            using.length > 0
              ? html`<div class="err" id="used-by">
                  <p>${t(EDIT_TEXT.usedBy, locale, { name })}</p>
                  <ul>
                    ${using.map((tr) => html`<li><a href="/console/triggers#trigger-${tr}">${tr}</a></li>`)}
                  </ul>
                  <p>${t(EDIT_TEXT.usedByFix, locale)}</p>
                </div>`
              : ''
          }
          <form method="post" action="${path(name, '/delete')}" class="danger">
            <input type="hidden" name="_csrf" value="${csrf}" />
            ${using.length > 0 ? html`<label><input type="checkbox" name="cascade" value="true" id="cascade" /> ${t(EDIT_TEXT.cascade, locale, { names: using.join(', ') })}</label>` : ''}
            <button id="confirm-remove">${t(EDIT_TEXT.confirm, locale, { name })}</button>
            <a href="${path(name)}" id="cancel-remove">${t(EDIT_TEXT.cancel, locale)}</a>
          </form>`,
      status,
    );
  };

  app.get<{ Params: { name: string } }>('/resources/:name/remove', kit.get, async (req, reply) => {
    const r = await mustGetResource(ctx.store, req.params.name);
    return removePage(reply, r.name);
  });

  app.post<{ Params: { name: string }; Body: { cascade?: string } }>(
    '/resources/:name/delete',
    kit.post,
    async (req, reply) => {
      const name = req.params.name;
      let triggersRemoved: string[];
      try {
        ({ triggersRemoved } = await removeResource(ctx.store, name, {
          cascade: req.body.cascade === 'true',
          how: { cascade: 'tick "also remove the triggers" below' },
        }));
      } catch (e) {
        if (!isMailbridgeError(e)) throw e;
        return removePage(reply, name, e, 409);
      }
      if (triggersRemoved.length > 0) await ctx.runner.sync();
      const q = new URLSearchParams({
        removed: name,
        ...(triggersRemoved.length > 0 ? { triggers: triggersRemoved.join(',') } : {}),
      });
      return reply.redirect(`/console/?${q.toString()}`, 303);
    },
  );
}
