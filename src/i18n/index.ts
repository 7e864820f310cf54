/**
 * The languages of the CLI and the console (English and Japanese): the locale of a process or a request, the
 * shared text catalogue, and dates as their reader expects them. It sits below every layer and imports none.
 */
export { LOCALES, type Locale, parseLocale, localeFromEnv, localeFromAcceptLanguage } from './locale.js';
export { type Message, messages, declaredMessages, t, parametersOf } from './message.js';
export { formatDateTime, relativeTime } from './time.js';
