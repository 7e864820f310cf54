import type { Locale, Message } from '../../i18n/index.js';

/** HTML escaping for the server-rendered console: every value from outside goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A tagged template that escapes interpolations unless they are already Html. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(v);
}

/**
 * A text of the catalogue (`t`) whose parameters are markup: `{reference}` becomes a link, `{key}` a `<code>`. The
 * text itself is escaped; each parameter is rendered like an interpolation of {@link html} (escaped unless Html).
 */
export function htmlText(text: Message, locale: Locale, params: Record<string, unknown>): Html {
  const parts = text[locale].split(/\{(\w+)\}/);
  return new Html(
    parts
      .map((part, i) =>
        i % 2 === 0 ? escapeHtml(part) : Object.hasOwn(params, part) ? render(params[part]) : `{${part}}`,
      )
      .join(''),
  );
}
