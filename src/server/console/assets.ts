import type { FastifyInstance } from 'fastify';

/**
 * The console's only script, served from this origin (the CSP allows no other and no inline
 * script). It adds what HTML alone cannot: the Copy buttons (Clipboard API) and relative times that
 * count down (an access token's expiry). Without it the pages still work: the buttons stay hidden and the text
 * stays selectable. The Copy status texts come from the page (data-copied, data-selected on the status element),
 * in the viewer's language.
 */
const SCRIPT = `'use strict';
(() => {
  const ready = () => {
    for (const b of document.querySelectorAll('button[data-copy]')) b.hidden = false;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready); else ready();
  // Relative times (an access token's expiry): counted down in the page's language, every 15 s.
  const relative = () => {
    const els = document.querySelectorAll('[data-relative]');
    if (els.length === 0) return;
    const rtf = new Intl.RelativeTimeFormat(document.documentElement.lang || 'en', { numeric: 'auto' });
    const units = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
    for (const el of els) {
      const s = (Number(el.getAttribute('data-relative')) - Date.now()) / 1000;
      const [unit, size] = units.find(([, n]) => Math.abs(s) >= n) || units[3];
      el.textContent = rtf.format(Math.trunc(s / size), unit);
    }
  };
  setInterval(relative, 15000);
  document.addEventListener('click', async (ev) => {
    const b = ev.target instanceof Element ? ev.target.closest('button[data-copy]') : null;
    if (!b) return;
    const id = b.getAttribute('data-copy');
    const source = document.getElementById(id);
    const status = document.getElementById(id + '-status');
    if (!source) return;
    const text = source.textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = status.getAttribute('data-copied') || 'Copied to the clipboard.';
    } catch {
      // No clipboard access (a plain-http address other than localhost): select it for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(source);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      if (status) status.textContent = status.getAttribute('data-selected') || 'Selected: press Ctrl+C (or Command+C) to copy.';
    }
  });
})();
`;

/**
 * The favicon: an envelope on the header's blue, drawn here so the console needs no external asset (the CSP's
 * img-src 'self' allows it).
 */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f3d66"/>\
<rect x="6" y="9" width="20" height="14" rx="2" fill="#fff"/><path d="M6.5 10 16 17.5 25.5 10" fill="none" stroke="#f0b400" stroke-width="2.4" stroke-linejoin="round"/></svg>`;

/** GET /console/assets/console.js: public (it holds nothing secret), cached for an hour. */
export function assetRoutes(app: FastifyInstance): void {
  app.get('/assets/console.js', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SCRIPT),
  );
  // Public like the script: the login page shows it too.
  app.get('/assets/favicon.svg', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON),
  );
}
