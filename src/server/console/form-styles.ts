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
`;
