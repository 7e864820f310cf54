import type { Locale } from './locale.js';

/**
 * One text in every language mailbridge speaks. Texts are defined next to the code that shows them (a page, a
 * command), with both languages side by side so a change to one is seen against the other; together they are
 * the catalogue the CLI and the console share. `{name}` marks a parameter.
 */
export interface Message {
  readonly en: string;
  readonly ja: string;
}

const catalogue = new Map<string, Message>();

/**
 * Declares a group of texts under a prefix (`messages('console.resources', {...})`). Every declared text is
 * registered in the catalogue, so a test can check all of them: both languages present, the same parameters.
 */
export function messages<const T extends Record<string, Message>>(prefix: string, texts: T): T {
  for (const [key, text] of Object.entries(texts)) catalogue.set(`${prefix}.${key}`, text);
  return texts;
}

/** Every text declared so far (by the modules loaded), by its full key. */
export function declaredMessages(): ReadonlyMap<string, Message> {
  return catalogue;
}

/** The text in `locale`, its `{name}` parameters filled in; an unknown parameter stays visible as `{name}`. */
export function t(text: Message, locale: Locale, params: Record<string, string | number> = {}): string {
  return text[locale].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** The parameter names a text uses, for the catalogue check (both languages must use the same ones). */
export function parametersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}
