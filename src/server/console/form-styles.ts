/**
 * Styles of the resource and trigger forms and of the status lines (issue 21), kept apart from
 * the shared stylesheet in layout.ts. Fields that do not apply to the chosen Server type are
 * hidden with :has(), so the form adapts without a script (the CSP allows none).
 */
export const FORM_CSS = `
.resource-form:not(:has(#f-kind option[value=imap]:checked)):not(:has(#f-kind option[value=pop3]:checked)) .for-receive{display:none}
.resource-form:not(:has(#f-kind option[value=smtp]:checked)) .for-send{display:none}
.resource-form:has(#f-kind option[value=ews]:checked) .for-mail,.resource-form:has(#f-kind option[value=graph]:checked) .for-mail{display:none}
.resource-form:not(:has(#f-kind option[value=ews]:checked)):not(:has(#f-kind option[value=graph]:checked)) .for-web{display:none}
.resource-form:not(:has(#f-kind option[value=ews]:checked)) .for-ews{display:none}
.resource-form small.note{display:block;margin-left:14.3em}
.fixes{margin:.4em 0}.fixes a,.fixes form{margin-right:.8em}
.attempt{font-size:.9em}.stale{background:#fbefc4}
.danger{border-color:#a11}
.banner{list-style:none;border:1px solid #d8dde3;border-left:6px solid #a11;background:#fff;padding:.5em .8em;margin:.4em 0;color:#1b1f24}
.banner.warn{border-left-color:#b58100}.banner.err{border-left-color:#a11}
ul.attention{padding:0}
.connect-option{margin:.3em 0}
.user-code code{font-size:2.4em;letter-spacing:.15em;font-weight:700;padding:.2em .5em;background:#fff;border:2px solid #0f3d66}
a.button{display:inline-block;padding:.3em .8em;border:1px solid #0f3d66;border-radius:.3em;background:#fff}
.resource-form small[class*=for-kind-]{display:none}
.resource-form:has(#f-preset option[value=m365]:checked):has(#f-kind option[value=imap]:checked) small.for-kind-imap,
.resource-form:has(#f-preset option[value=m365]:checked):has(#f-kind option[value=pop3]:checked) small.for-kind-pop3,
.resource-form:has(#f-preset option[value=m365]:checked):has(#f-kind option[value=smtp]:checked) small.for-kind-smtp,
.resource-form:has(#f-preset option[value=m365]:checked):has(#f-kind option[value=ews]:checked) small.for-kind-ews,
.resource-form:has(#f-preset option[value=m365]:checked):has(#f-kind option[value=graph]:checked) small.for-kind-graph{display:block}
.field-error{display:block;margin-left:14.3em;font-weight:600}
[aria-invalid=true]{border:2px solid #a11}
@media (max-width:700px){.resource-form small.note,.field-error{margin-left:0}}
`;
