import { FORM_CSS } from './form-styles.js';
import { Html, html } from './html.js';

const CSS = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#0f3d66;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center}
header a{color:#fff;text-decoration:none}header form{margin-left:auto}
main{padding:1.2em;max-width:1100px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.6em 0}
th,td{border:1px solid #d8dde3;padding:.35em .5em;text-align:left;vertical-align:top;font-size:.92em}
th{background:#eef1f4}
.badge{padding:.1em .5em;border-radius:.8em;font-size:.85em;background:#ddd}
.Available,.pass,.delivered,.running,.idle,.polling{background:#c9f0d3}.Missing,.skip,.paused{background:#eee}
.Expired,.Revoked,.InvalidClient,.ConsentRequired,.fail,.dead,.failed{background:#f8d0d0}.warn{background:#fbefc4}
form.inline{display:inline}button{cursor:pointer}
fieldset{background:#fff;border:1px solid #d8dde3;margin:.6em 0}label{display:block;margin:.3em 0}
label span{display:inline-block;min-width:14em}
pre{background:#fff;border:1px solid #d8dde3;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}
.ok{color:#0a6b2a}.err{color:#a11}.note{color:#555;font-size:.9em}
`;

/** The console's page frame: navigation, the logout form (with its CSRF token) and the content. */
export function layout(title: string, csrf: string | undefined, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · mailbridge</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${new Html(CSS + FORM_CSS)}</style></head>
<body><header><strong>mailbridge</strong>
${csrf ? html`<a href="/console/">Resources</a><a href="/console/triggers">Triggers</a><a href="/console/keys">API keys</a>
<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${csrf}"><button id="logout">Log out</button></form>` : ''}
</header><main><h1>${title}</h1>${body}</main></body></html>`.text;
}

