// Generated from docs/openapi.json by `npm run openapi` (openapi-typescript); do not edit.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Check health
         * @description Liveness and a store check; no authentication.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get metrics
         * @description Prometheus text metrics: requests by route and status, resources by refresh token status, triggers. An API key or a console login.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List resources
         * @description Every resource with its refresh token status and when its access token expires.
         */
        get: operations["listResources"];
        put?: never;
        /**
         * Add a resource
         * @description The short form: a preset (m365 by default) fills the guide's values from the tenant, client id and user; any other field overrides what it derives. The client secret is stored sealed and never returned.
         */
        post: operations["addResource"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a resource
         * @description One resource: its settings, the guide's field table and its status.
         */
        get: operations["getResource"];
        put?: never;
        post?: never;
        /**
         * Remove a resource
         * @description Remove a resource with its secrets and tokens. Refused (RESOURCE_IN_USE, naming them) while triggers use it, unless cascade=true removes those triggers with it.
         */
        delete: operations["removeResource"];
        options?: never;
        head?: never;
        /**
         * Change a resource
         * @description Change fields; the result is validated again and nothing is written on error. A change to where the credentials go (tenant, token URL, mail host, client id, user…) needs the secret again in the same request (clientSecret, password or certificate: CREDENTIALS_REQUIRED otherwise) and drops the stored tokens (consent again; tokensDropped names the fields).
         */
        patch: operations["updateResource"];
        trace?: never;
    };
    "/api/resources/{name}/fields": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a resource's field table
         * @description The guide's field table, with the integration platform's labels; the secret masked.
         */
        get: operations["getResourceFields"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import a config file
         * @description Import resources from a config file's text (YAML or JSON); everything is validated before anything is written. Files named in the text (clientSecretFile, tls.caFile, …) are read from the service's disk: refused unless the service runs with --allow-host-access.
         */
        post: operations["importResources"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export resources as a config file
         * @description The resources as a config file in the short form; secrets are never exported.
         */
        get: operations["exportResources"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/doctor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Diagnose a resource
         * @description The doctor's report, step by step: token claims, DNS, TLS, capabilities, SASL mechanisms, a real login.
         */
        get: operations["diagnoseResource"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test a resource with its server
         * @description A send (smtp's default; ews and graph with action send, through their own send path): a test message, to the resource's own address unless `to` says otherwise, with an optional subject, text and encoding. A receive (the default of imap, pop3, ews and graph): log in and list. A refused round answers 200 with ok false and the server's own words.
         */
        post: operations["testResource"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/consent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a browser consent
         * @description The authorize URL to open in a browser (PKCE S256, a state only this service issued). With ?redirect=true the answer is a 303 to it instead.
         */
        post: operations["startConsent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/consent/finish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Finish a consent by pasting the redirect
         * @description Finish a consent with the URL the browser was sent to, when the callback URL is not this service (e.g. the guide's https://localhost).
         */
        post: operations["finishConsent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * OAuth redirect URI (query)
         * @description Where Microsoft sends the browser after consent. Public: protected by the state, which only this service issued and which is used once. Called by the browser, not by API clients.
         */
        get: operations["completeConsent"];
        put?: never;
        /**
         * OAuth redirect URI (form_post)
         * @description Where Microsoft sends the browser after consent. Public: protected by the state, which only this service issued and which is used once. Called by the browser, not by API clients.
         */
        post: operations["completeConsentFormPost"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/device-code": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a device code sign-in
         * @description Start a device code sign-in (RFC 8628); show the user code to the person, then poll GET /api/device-codes/{id}.
         */
        post: operations["startDeviceCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/device-codes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Poll a device code sign-in
         * @description A device code sign-in: pending, done (with the refresh token status) or failed (with the error).
         */
        get: operations["getDeviceCode"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the token status
         * @description The refresh token status and why, access token expiry per audience, and warnings.
         */
        get: operations["getTokenStatus"];
        put?: never;
        post?: never;
        /**
         * Forget the tokens
         * @description Forget the tokens locally (status Missing). Microsoft has no per-token revoke: the grant stays valid there until it expires unless the user's sessions are revoked or the app's consent removed.
         */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/resources/{name}/token/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refresh the access token now
         * @description Get a new access token now (also retries a blocked status after its cause was fixed). The token itself stays inside the service: the answer says what it is for and until when.
         */
        post: operations["refreshToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/folders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List folders
         * @description The mailbox's folders with their message and unseen counts (IMAP, EWS, Graph; POP3 has INBOX only).
         */
        get: operations["listFolders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List messages
         * @description Messages of a folder, newest last, optionally filtered (dates, addresses, subject, size, unseen, attachments).
         */
        get: operations["listMessages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/messages/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a message
         * @description One message: its headers, text, HTML and the attachment list (the bytes come from the attachment route).
         */
        get: operations["getMessage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/messages/{id}/raw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a message's source
         * @description The RFC 5322 source (.eml), streamed.
         */
        get: operations["getMessageSource"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/messages/{id}/attachments/{index}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an attachment
         * @description One attachment's bytes (0-based, in the order of the message's attachment list), streamed with its own content type and a Content-Disposition naming the file.
         */
        get: operations["getAttachment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/mark": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark messages
         * @description Mark read or unread, and/or flagged or unflagged.
         */
        post: operations["markMessages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/move": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move messages
         * @description Move messages to another folder of the same mailbox.
         */
        post: operations["moveMessages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/copy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Copy messages
         * @description Copy messages to another folder of the same mailbox.
         */
        post: operations["copyMessages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/delete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete messages
         * @description Delete messages for good (IMAP expunge, POP3 DELE).
         */
        post: operations["deleteMessages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mail/{resource}/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a message
         * @description Send through an smtp resource (or an EWS/Graph one). The draft is the library's MailDraft as JSON; attachments carry their bytes as base64. Custom header names are checked by the composer (HEADER_NAME_INVALID).
         */
        post: operations["sendMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/triggers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List triggers
         * @description Every trigger with its definition, pause state and, when its watcher runs here, the live state.
         */
        get: operations["listTriggers"];
        put?: never;
        /**
         * Add a trigger
         * @description Watch one folder of one resource and deliver each new message that passes the filters to a webhook, a command or a registered handler, at least once. A webhook's signing secret is generated when absent and returned once. Command and handler targets run on the host: refused unless the service runs with --allow-host-access.
         */
        post: operations["addTrigger"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/triggers/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a trigger
         * @description A trigger's definition, checkpoint and recent events.
         */
        get: operations["getTrigger"];
        /**
         * Replace a trigger's definition
         * @description Replace the definition; the checkpoint and the pause state are kept. A trigger cannot be renamed.
         */
        put: operations["replaceTrigger"];
        post?: never;
        /**
         * Remove a trigger
         * @description Remove a trigger with its checkpoint and history.
         */
        delete: operations["removeTrigger"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/triggers/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a trigger
         * @description Stop delivering until resumed; messages arriving meanwhile are delivered after the resume.
         */
        post: operations["pauseTrigger"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/triggers/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a trigger
         * @description Deliver again.
         */
        post: operations["resumeTrigger"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/triggers/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a trigger's deliveries
         * @description Recent deliveries, newest first; status=dead is the dead-letter list.
         */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/deliveries/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a delivery
         * @description Deliver a dead (or failed) delivery again, fetching the message from the mailbox.
         */
        post: operations["replayDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API keys
         * @description The API keys: id, label, prefix and dates; never the key itself.
         */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * Create an API key
         * @description Create an API key with its scopes (read, send, modify, admin; default read: docs/security.md) and, optionally, a lifetime in days; the key is in this answer only (the service keeps its hash).
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description Revoke an API key: it stops working at once.
         */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/gateway/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List gateway users
         * @description The gateway users, their resources and allowed From addresses, with logins, failures, messages and last use per protocol; never a password or hash.
         */
        get: operations["listGatewayUsers"];
        put?: never;
        /**
         * Add a gateway user
         * @description Add a user legacy clients log in as. Without a password a random one is made and returned in this answer only.
         */
        post: operations["createGatewayUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/gateway/users/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a gateway user
         * @description Remove the user; its mail already spooled is still delivered.
         */
        delete: operations["removeGatewayUser"];
        options?: never;
        head?: never;
        /**
         * Change a gateway user
         * @description Change its resources or allowed From addresses, or disable/enable it.
         */
        patch: operations["updateGatewayUser"];
        trace?: never;
    };
    "/api/gateway/users/{name}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reset a gateway user's password
         * @description Set the given password, or a random one returned in this answer only.
         */
        post: operations["resetGatewayPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/gateway/queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The gateway's spool, latest relays and dead letters
         * @description Messages waiting for delivery (with their last error), the latest relayed (with the upstream's id) and the dead letters (with the RFC 3463 status and whether a bounce was sent).
         */
        get: operations["getGatewayQueue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/notifications/graph/{trigger}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive Graph change notifications
         * @description Change notifications of the trigger's subscription: each schedules a delta sync of the folder. Public (no API key): each notification must carry its subscription's clientState, or it is dropped. With `validationToken` in the query (the subscription handshake) the token is echoed as text/plain. Body: a Graph notification collection ({ value: [...] }), validated by the handler so that the empty handshake body passes.
         */
        post: operations["postGraphNotification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/notifications/graph/{trigger}/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive Graph lifecycle notifications
         * @description Lifecycle notifications of the trigger's subscription (reauthorizationRequired, subscriptionRemoved, missed). Public (no API key): each notification must carry its subscription's clientState, or it is dropped. With `validationToken` in the query (the subscription handshake) the token is echoed as text/plain. Body: a Graph notification collection ({ value: [...] }), validated by the handler so that the empty handshake body passes.
         */
        post: operations["postGraphLifecycleNotification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description The short form: a preset fills the guide's values; any field overrides what the preset derives.
         * @example {
         *       "name": "inbox",
         *       "kind": "imap",
         *       "preset": "m365",
         *       "tenantId": "contoso.onmicrosoft.com",
         *       "clientId": "00000000-0000-0000-0000-000000000001",
         *       "user": "someone@contoso.onmicrosoft.com",
         *       "clientSecret": "the secret Value"
         *     }
         */
        NewResourceInput: {
            name: string;
            /** @enum {string} */
            kind: "imap" | "pop3" | "smtp" | "ews" | "graph";
            /** @enum {string} */
            preset?: "m365" | "gmail" | "generic";
            /** @enum {string} */
            cloud?: "global" | "usgovhigh" | "dod" | "china";
            tenantId?: string;
            clientId?: string;
            user?: string;
            from?: string;
            /** @enum {string} */
            flow?: "authorization_code" | "device_code" | "client_credentials";
            /** Format: uri */
            authorityUrl?: string;
            mailHost?: string;
            port?: number;
            /** @enum {string} */
            secure?: "none" | "tls" | "starttls";
            domain?: string;
            ewsV1?: boolean;
            /** @enum {string} */
            authType?: "none" | "basic" | "oauth2";
            /** Format: uri */
            authorizeUrl?: string;
            /** Format: uri */
            tokenUrl?: string;
            /** Format: uri */
            deviceCodeUrl?: string;
            /** Format: uri */
            callbackUrl?: string;
            /** @enum {string} */
            clientAuth?: "secret" | "certificate" | "none";
            certificate?: {
                keyFile: string;
                certFile: string;
            };
            scope?: string;
            state?: string;
            /** @enum {string} */
            responseMode?: "query" | "form_post";
            resource?: string;
            usePkce?: boolean;
            secretExpiresAt?: string;
            tls?: {
                caFile?: string;
                insecureLoopback?: boolean;
                allowPlaintextLoopback?: boolean;
            };
            rateLimitPerMinute?: number;
            graphFallback?: {
                /** Format: uri */
                baseUrl?: string;
            };
            /** @description the client secret's Value; stored sealed, never returned */
            clientSecret?: string;
            /** @description basic auth only: the mailbox password; stored sealed, never returned */
            password?: string;
        };
        /**
         * @description Fields to change; everything is validated again and nothing is written on error. Changing where the credentials go needs the secret again in the same request (CREDENTIALS_REQUIRED otherwise).
         * @example {
         *       "user": "other@contoso.onmicrosoft.com"
         *     }
         */
        ResourcePatchInput: {
            name?: string;
            /** @enum {string} */
            kind?: "imap" | "pop3" | "smtp" | "ews" | "graph";
            /** @enum {string} */
            preset?: "m365" | "gmail" | "generic";
            /** @enum {string} */
            cloud?: "global" | "usgovhigh" | "dod" | "china";
            tenantId?: string;
            clientId?: string;
            user?: string;
            from?: string;
            /** @enum {string} */
            flow?: "authorization_code" | "device_code" | "client_credentials";
            /** Format: uri */
            authorityUrl?: string;
            mailHost?: string;
            port?: number;
            /** @enum {string} */
            secure?: "none" | "tls" | "starttls";
            domain?: string;
            ewsV1?: boolean;
            /** @enum {string} */
            authType?: "none" | "basic" | "oauth2";
            /** Format: uri */
            authorizeUrl?: string;
            /** Format: uri */
            tokenUrl?: string;
            /** Format: uri */
            deviceCodeUrl?: string;
            /** Format: uri */
            callbackUrl?: string;
            /** @enum {string} */
            clientAuth?: "secret" | "certificate" | "none";
            certificate?: {
                keyFile: string;
                certFile: string;
            };
            scope?: string;
            state?: string;
            /** @enum {string} */
            responseMode?: "query" | "form_post";
            resource?: string;
            usePkce?: boolean;
            secretExpiresAt?: string;
            tls?: {
                caFile?: string;
                insecureLoopback?: boolean;
                allowPlaintextLoopback?: boolean;
            };
            rateLimitPerMinute?: number;
            graphFallback?: {
                /** Format: uri */
                baseUrl?: string;
            };
            /** @description the client secret's Value; required with a change to where the credentials go (tenant, URLs, …) */
            clientSecret?: string;
            /** @description basic auth only: required with a change to where the credentials go */
            password?: string;
        };
        /**
         * @example {
         *       "to": [
         *         "someone@contoso.com"
         *       ],
         *       "subject": "Invoice 1001",
         *       "text": "Please find the invoice attached.",
         *       "attachments": [
         *         {
         *           "filename": "invoice.txt",
         *           "contentType": "text/plain",
         *           "contentBase64": "SW52b2ljZSAxMDAx"
         *         }
         *       ]
         *     }
         */
        MailDraftInput: {
            /**
             * @description default: the resource's From address
             * @default
             */
            from?: string | {
                name?: string;
                address: string;
            };
            sender?: string | {
                name?: string;
                address: string;
            };
            to: (string | {
                name?: string;
                address: string;
            })[];
            cc?: (string | {
                name?: string;
                address: string;
            })[];
            bcc?: (string | {
                name?: string;
                address: string;
            })[];
            replyTo?: (string | {
                name?: string;
                address: string;
            })[];
            subject: string;
            text?: string;
            html?: string;
            attachments?: {
                filename: string;
                contentType?: string;
                /** @description makes it an inline part, referenced from the HTML as cid:… */
                cid?: string;
                /** @description the bytes, base64 */
                contentBase64: string;
            }[];
            /** @enum {string} */
            priority?: "high" | "normal" | "low";
            headers?: {
                [key: string]: string;
            };
            inReplyTo?: string;
            references?: string[];
            /** @enum {string} */
            encoding?: "utf-8" | "iso-2022-jp";
        };
        /**
         * @example {
         *       "name": "invoices",
         *       "resource": "inbox",
         *       "folder": "INBOX",
         *       "filters": {
         *         "subjectContains": "invoice"
         *       },
         *       "target": {
         *         "kind": "webhook",
         *         "url": "https://flows.example.net/hooks/invoices"
         *       },
         *       "afterAction": "read"
         *     }
         */
        TriggerDefinitionInput: {
            name: string;
            resource: string;
            /** @default INBOX */
            folder?: string;
            /**
             * @default idle
             * @enum {string}
             */
            mode?: "idle" | "poll" | "notify" | "streaming";
            /** @default 60 */
            pollIntervalSeconds?: number;
            safetyNetSeconds?: number;
            /**
             * @default new
             * @enum {string}
             */
            start?: "new" | "all";
            /** @default {} */
            filters?: {
                from?: string;
                to?: string;
                subjectContains?: string;
                hasAttachments?: boolean;
                /** @enum {string} */
                importance?: "high" | "normal" | "low";
                unread?: boolean;
            };
            target: {
                /** @enum {string} */
                kind: "webhook";
                /** Format: uri */
                url: string;
                /** @default 262144 */
                inlineAttachmentMaxBytes?: number;
                /** Format: uri */
                attachmentLinkBase?: string;
                /** @default 30 */
                timeoutSeconds?: number;
            } | {
                /** @enum {string} */
                kind: "command";
                argv: string[];
                /** @default 60 */
                timeoutSeconds?: number;
                /**
                 * @description names of environment variables the program may see besides PATH, LANG, LC_ALL and TZ (never MAILBRIDGE_*)
                 * @default []
                 */
                env?: string[];
            } | {
                /** @enum {string} */
                kind: "handler";
                name: string;
            };
            afterAction?: string;
            /**
             * @default {
             *       "maxAttempts": 5,
             *       "backoffBaseMs": 1000,
             *       "backoffMaxMs": 300000
             *     }
             */
            retry?: {
                /** @default 5 */
                maxAttempts?: number;
                /** @default 1000 */
                backoffBaseMs?: number;
                /** @default 300000 */
                backoffMaxMs?: number;
            };
            /** @description webhook signing secret; generated and returned once when absent */
            secret?: string;
        };
        /**
         * @description Every 4xx and 5xx answer: a typed error with a code, a message and a hint.
         * @example {
         *       "error": {
         *         "code": "RESOURCE_NOT_FOUND",
         *         "message": "no resource named \"inbox\"",
         *         "hint": "list them with GET /api/resources",
         *         "field": "name"
         *       }
         *     }
         */
        Error: {
            /** @description further properties (e.g. serverResponse, the mail server's own words) may follow */
            error: {
                /** @description machine-readable code, e.g. RESOURCE_NOT_FOUND */
                code: string;
                /** @description one line: what went wrong */
                message: string;
                /** @description one line: how to fix it */
                hint: string;
                /** @description the request field at fault, when there is one */
                field?: string;
            } & {
                [key: string]: unknown;
            };
        };
        /**
         * @description The guide's refresh token status: Available when mail can flow; the others name what a person must do.
         * @enum {string}
         */
        RefreshTokenStatus: "Available" | "Missing" | "Expired" | "Revoked" | "ConsentRequired" | "InvalidClient";
        /**
         * @example {
         *       "name": "inbox",
         *       "kind": "imap",
         *       "server": "outlook.office365.com:993",
         *       "user": "someone@contoso.onmicrosoft.com",
         *       "status": "Available",
         *       "accessTokenExpiresAt": 1767225600000,
         *       "clientSecret": "abc***"
         *     }
         */
        Resource: {
            name: string;
            /** @enum {string} */
            kind: "imap" | "pop3" | "smtp" | "ews" | "graph";
            /** @description host:port (IMAP/POP3/SMTP) or base URL (EWS/Graph) */
            server: string;
            user: string;
            status: components["schemas"]["RefreshTokenStatus"];
            statusReason?: string;
            /** @description when the cached access token expires (ms since 1970) */
            accessTokenExpiresAt?: number;
            /** @description masked (first characters and ***), when a secret is stored */
            clientSecret?: string;
        } & {
            [key: string]: unknown;
        };
        /** @description Something valid but likely to hurt later (e.g. a client secret about to expire). */
        Warning: {
            field: string;
            message: string;
            hint: string;
        };
        /**
         * @example {
         *       "label": "Client ID",
         *       "value": "00000000-0000-0000-0000-000000000001"
         *     }
         */
        FieldRow: {
            label: string;
            value: string;
        };
        ResourceDetail: {
            name: string;
            /** @enum {string} */
            kind: "imap" | "pop3" | "smtp" | "ews" | "graph";
            /** @description host:port (IMAP/POP3/SMTP) or base URL (EWS/Graph) */
            server: string;
            user: string;
            status: components["schemas"]["RefreshTokenStatus"];
            statusReason?: string;
            /** @description when the cached access token expires (ms since 1970) */
            accessTokenExpiresAt?: number;
            /** @description masked (first characters and ***), when a secret is stored */
            clientSecret?: string;
            /** @description the full settings the preset derived (never a secret) */
            settings: {
                name: string;
                /** @enum {string} */
                kind: "imap" | "pop3" | "smtp" | "ews" | "graph";
                /**
                 * @default generic
                 * @enum {string}
                 */
                preset: "m365" | "gmail" | "generic";
                /** @enum {string} */
                cloud?: "global" | "usgovhigh" | "dod" | "china";
                server: {
                    host: string;
                    port: number;
                    /** @enum {string} */
                    secure: "none" | "tls" | "starttls";
                    domain?: string;
                };
                from?: string;
                user?: string;
                /** @enum {string} */
                authType: "none" | "basic" | "oauth2";
                oauth?: {
                    tenantId: string;
                    /** @enum {string} */
                    flow: "authorization_code" | "device_code" | "client_credentials";
                    /** Format: uri */
                    authorizeUrl: string;
                    /** Format: uri */
                    tokenUrl: string;
                    /** Format: uri */
                    deviceCodeUrl?: string;
                    /** Format: uri */
                    callbackUrl: string;
                    clientId: string;
                    /** @enum {string} */
                    clientAuth: "secret" | "certificate" | "none";
                    certificate?: {
                        keyFile: string;
                        certFile: string;
                    };
                    scope: string;
                    state?: string;
                    /** @enum {string} */
                    responseMode: "query" | "form_post";
                    resource?: string;
                    /** @default true */
                    usePkce: boolean;
                    secretExpiresAt?: string;
                };
                /**
                 * @default {
                 *       "insecureLoopback": false,
                 *       "allowPlaintextLoopback": false
                 *     }
                 */
                tls: {
                    caFile?: string;
                    /** @default false */
                    insecureLoopback: boolean;
                    /** @default false */
                    allowPlaintextLoopback: boolean;
                };
                rateLimitPerMinute?: number;
                graphFallback?: {
                    /**
                     * Format: uri
                     * @default https://graph.microsoft.com
                     */
                    baseUrl: string;
                };
                proxy?: string;
            };
            fields: components["schemas"]["FieldRow"][];
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "resource": "inbox",
         *       "ok": true,
         *       "checks": [
         *         {
         *           "name": "login",
         *           "status": "pass",
         *           "detail": "AUTHENTICATE XOAUTH2 accepted"
         *         }
         *       ]
         *     }
         */
        DoctorReport: {
            resource: string;
            ok: boolean;
            checks: ({
                name: string;
                /** @enum {string} */
                status: "pass" | "fail" | "warn" | "skip";
                detail: string;
                fix?: string;
                code?: string;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "ok": true,
         *       "action": "receive",
         *       "detail": "logged in; 2 recent message(s) listed"
         *     }
         */
        ProbeResult: {
            ok: boolean;
            /** @enum {string} */
            action: "send" | "receive";
            detail: string;
            messageId?: string;
            /** @description the typed error, with the mail server's own words in serverResponse */
            error?: {
                code: string;
                message: string;
                hint: string;
                serverResponse?: string;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "resource": "inbox",
         *       "authorizeUrl": "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=…",
         *       "state": "k3J…",
         *       "redirectUri": "http://127.0.0.1:8025/oauth/callback",
         *       "expiresAt": 1767225600000,
         *       "completion": "callback"
         *     }
         */
        ConsentStart: {
            resource: string;
            /** @description open this in a browser: Microsoft's sign-in and consent page */
            authorizeUrl: string;
            state: string;
            redirectUri: string;
            /** @description the consent must finish before this (ms since 1970) */
            expiresAt: number;
            /**
             * @description callback: the browser comes back to this service by itself; paste: POST the URL the browser ended on to …/consent/finish
             * @enum {string}
             */
            completion: "callback" | "paste";
        };
        /**
         * @example {
         *       "resource": "inbox",
         *       "flow": "authorization_code",
         *       "status": "Available",
         *       "audience": "https://outlook.office.com",
         *       "accessTokens": [
         *         {
         *           "audience": "https://outlook.office.com",
         *           "expiresAt": "2026-01-01T00:00:00.000Z"
         *         }
         *       ],
         *       "warnings": []
         *     }
         */
        TokenStatus: {
            resource: string;
            /** @enum {string} */
            flow: "authorization_code" | "device_code" | "client_credentials";
            status: components["schemas"]["RefreshTokenStatus"];
            reason?: string;
            /** @description the AADSTS code (or OAuth error) behind a status other than Available */
            code?: string;
            audience: string;
            accessTokens: ({
                audience: string;
                expiresAt?: string;
                scope?: string;
            } & {
                [key: string]: unknown;
            })[];
            refreshTokenIssuedAt?: string;
            refreshTokenLastUsedAt?: string;
            grantedScope?: string;
            warnings: string[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "id": "df_1",
         *       "resource": "inbox",
         *       "userCode": "ABCD-EFGH",
         *       "verificationUri": "https://microsoft.com/devicelogin",
         *       "message": "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
         *       "expiresAt": 1767225600000,
         *       "state": "pending"
         *     }
         */
        DeviceFlow: {
            id: string;
            resource: string;
            userCode: string;
            verificationUri: string;
            message: string;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            expiresAt: number;
            /** @enum {string} */
            state: "pending" | "done" | "failed";
            /** @description the refresh token status once done */
            status?: string;
            error?: {
                code: string;
                message: string;
                hint: string;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "name": "mfp-3f",
         *       "disabled": false,
         *       "sendResource": "printer-send",
         *       "allowedFrom": [
         *         "scanner@contoso.com"
         *       ],
         *       "createdAt": 1767225600000,
         *       "updatedAt": 1767225600000,
         *       "usage": [
         *         {
         *           "protocol": "smtp",
         *           "logins": 12,
         *           "failures": 0,
         *           "messages": 12,
         *           "lastUsedAt": 1767229200000,
         *           "lastAddress": "192.0.2.20"
         *         }
         *       ]
         *     }
         */
        GatewayUser: {
            name: string;
            disabled: boolean;
            /** @description the smtp or graph resource that sends for this user */
            sendResource?: string;
            /** @description the resource read through the IMAP/POP3 gateway */
            receiveResource?: string;
            /** @description From addresses or @domains it may use; empty = the send resource's own address */
            allowedFrom: string[];
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            createdAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            updatedAt: number;
            /** @description logins, failed logins, messages and last use, per protocol */
            usage: ({
                /** @enum {string} */
                protocol: "smtp" | "imap" | "pop3";
                logins: number;
                failures: number;
                messages: number;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                lastUsedAt?: number;
                /** @description the client address of the last use */
                lastAddress?: string;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        GatewayQueue: {
            spool: ({
                id: string;
                resource: string;
                /** @description user:NAME, source:ADDRESS or gateway:dsn (a bounce) */
                principal: string;
                rcptTo: string[];
                size: number;
                /** @enum {string} */
                state: "queued" | "sending";
                attempts: number;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                nextAttemptAt: number;
                lastError?: string;
                possibleDuplicate: boolean;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                createdAt: number;
            } & {
                [key: string]: unknown;
            })[];
            relayed: ({
                id: string;
                resource: string;
                principal: string;
                recipients: number;
                size: number;
                /** @description the SMTP server's queue reply or Graph's request-id */
                upstreamId?: string;
                /** @enum {string} */
                via: "smtp" | "graph";
                attempts: number;
                /** @description tried again after a crash between the upstream's answer and the spool's record */
                possibleDuplicate: boolean;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                acceptedAt: number;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                relayedAt: number;
            } & {
                [key: string]: unknown;
            })[];
            deadLetters: ({
                id: string;
                resource: string;
                principal: string;
                mailFrom: string;
                rcptTo: string[];
                /** @description RFC 3463 status, e.g. 5.1.10 */
                status: string;
                reason: string;
                size: number;
                /** @description sent, null-sender, notify-never, or failed: … */
                bounce: string;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                createdAt: number;
            } & {
                [key: string]: unknown;
            })[];
        };
        /**
         * @example {
         *       "id": "k_01",
         *       "label": "n8n",
         *       "prefix": "mbk_1a2b3c4d",
         *       "scopes": [
         *         "read"
         *       ],
         *       "createdAt": 1767225600000
         *     }
         */
        ApiKey: {
            id: string;
            label: string;
            /** @description the first characters of the key, to tell keys apart; never enough to use one */
            prefix: string;
            /** @description what the key may do: read, send, modify, admin (docs/security.md) */
            scopes: ("read" | "send" | "modify" | "admin")[];
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            createdAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            lastUsedAt?: number;
            /** @description when the key stops working (401 API_KEY_EXPIRED after); absent: never */
            expiresAt?: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "path": "INBOX",
         *       "name": "INBOX",
         *       "specialUse": "\\Inbox",
         *       "messages": 12,
         *       "unseen": 3
         *     }
         */
        Folder: {
            path: string;
            name: string;
            specialUse?: string;
            messages?: number;
            unseen?: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "id": "42",
         *       "folder": "INBOX",
         *       "messageId": "<a1@contoso.com>",
         *       "subject": "Invoice 1001",
         *       "from": [
         *         {
         *           "name": "Sales",
         *           "address": "sales@contoso.com"
         *         }
         *       ],
         *       "to": [
         *         {
         *           "address": "someone@contoso.onmicrosoft.com"
         *         }
         *       ],
         *       "date": "2026-01-01T09:00:00.000Z",
         *       "size": 5120,
         *       "seen": false,
         *       "flagged": false
         *     }
         */
        MessageSummary: {
            id: string;
            folder: string;
            messageId?: string;
            subject?: string;
            from: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            to: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            /** Format: date-time */
            date?: string;
            size: number;
            /** @description absent where the protocol has no flags (POP3) */
            seen?: boolean;
            flagged?: boolean;
            hasAttachments?: boolean;
        } & {
            [key: string]: unknown;
        };
        AttachmentInfo: {
            filename?: string;
            contentType: string;
            size: number;
            contentId?: string;
            inline: boolean;
            checksum?: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "id": "42",
         *       "folder": "INBOX",
         *       "subject": "Invoice 1001",
         *       "from": {
         *         "name": "Sales",
         *         "address": "sales@contoso.com"
         *       },
         *       "to": [
         *         {
         *           "address": "someone@contoso.onmicrosoft.com"
         *         }
         *       ],
         *       "cc": [],
         *       "bcc": [],
         *       "replyTo": [],
         *       "date": "2026-01-01T09:00:00.000Z",
         *       "flags": [],
         *       "seen": false,
         *       "flagged": false,
         *       "hasAttachments": true,
         *       "text": "Please find the invoice attached.",
         *       "headers": {
         *         "x-campaign": "spring"
         *       },
         *       "attachments": [
         *         {
         *           "filename": "invoice.pdf",
         *           "contentType": "application/pdf",
         *           "size": 20480,
         *           "inline": false
         *         }
         *       ]
         *     }
         */
        Message: {
            id: string;
            folder?: string;
            messageId?: string;
            subject: string;
            from?: {
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            };
            sender?: {
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            };
            to: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            cc: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            bcc: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            replyTo: ({
                name?: string;
                address?: string;
            } & {
                [key: string]: unknown;
            })[];
            /** Format: date-time */
            date?: string;
            /** Format: date-time */
            receivedAt?: string;
            flags: string[];
            seen: boolean;
            flagged: boolean;
            size?: number;
            hasAttachments: boolean;
            text?: string;
            html?: string;
            /** @description lower-case names; repeated headers as arrays */
            headers: {
                [key: string]: string | string[];
            };
            attachments: components["schemas"]["AttachmentInfo"][];
            /** @enum {string} */
            importance?: "high" | "normal" | "low";
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "messageId": "<0f3a…@contoso.com>",
         *       "accepted": [
         *         "someone@contoso.com"
         *       ],
         *       "rejected": []
         *     }
         */
        SendResult: {
            messageId: string;
            accepted: string[];
            rejected: string[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "definition": {
         *         "name": "invoices",
         *         "resource": "inbox",
         *         "folder": "INBOX",
         *         "mode": "idle",
         *         "pollIntervalSeconds": 60,
         *         "start": "new",
         *         "filters": {
         *           "subjectContains": "invoice"
         *         },
         *         "target": {
         *           "kind": "webhook",
         *           "url": "https://flows.example.net/hooks/invoices",
         *           "inlineAttachmentMaxBytes": 262144,
         *           "timeoutSeconds": 30
         *         },
         *         "afterAction": "read",
         *         "retry": {
         *           "maxAttempts": 5,
         *           "backoffBaseMs": 1000,
         *           "backoffMaxMs": 300000
         *         }
         *       },
         *       "paused": false,
         *       "createdAt": 1767225600000,
         *       "updatedAt": 1767225600000,
         *       "live": {
         *         "trigger": "invoices",
         *         "state": "running",
         *         "delivered": 3,
         *         "dead": 0
         *       }
         *     }
         */
        Trigger: {
            definition: {
                name: string;
                resource: string;
                folder: string;
                /** @enum {string} */
                mode: "idle" | "poll" | "notify" | "streaming";
                pollIntervalSeconds: number;
                safetyNetSeconds?: number;
                /** @enum {string} */
                start: "new" | "all";
                filters: {
                    from?: string;
                    to?: string;
                    subjectContains?: string;
                    hasAttachments?: boolean;
                    /** @enum {string} */
                    importance?: "high" | "normal" | "low";
                    unread?: boolean;
                };
                target: {
                    /** @enum {string} */
                    kind: "webhook";
                    /** Format: uri */
                    url: string;
                    /** @default 262144 */
                    inlineAttachmentMaxBytes: number;
                    /** Format: uri */
                    attachmentLinkBase?: string;
                    /** @default 30 */
                    timeoutSeconds: number;
                } | {
                    /** @enum {string} */
                    kind: "command";
                    argv: string[];
                    /** @default 60 */
                    timeoutSeconds: number;
                    /**
                     * @description names of environment variables the program may see besides PATH, LANG, LC_ALL and TZ (never MAILBRIDGE_*)
                     * @default []
                     */
                    env: string[];
                } | {
                    /** @enum {string} */
                    kind: "handler";
                    name: string;
                };
                /** @description leave | read | move:FOLDER | delete */
                afterAction: string;
                retry: {
                    /** @default 5 */
                    maxAttempts: number;
                    /** @default 1000 */
                    backoffBaseMs: number;
                    /** @default 300000 */
                    backoffMaxMs: number;
                };
            } & {
                [key: string]: unknown;
            };
            paused: boolean;
            pauseReason?: string;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            createdAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            updatedAt: number;
            /** @description the watcher in this process, when it runs */
            live?: {
                trigger: string;
                resource?: string;
                /** @description starting | running | retrying | paused | stopped */
                state: string;
                idle?: boolean;
                pauseReason?: string;
                /** @description the mailbox failure since the last whole scan (cleared by the next one) */
                lastError?: string;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                lastErrorAt?: number;
                delivered: number;
                dead: number;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                lastScanAt?: number;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        TriggerDetail: {
            definition: {
                name: string;
                resource: string;
                folder: string;
                /** @enum {string} */
                mode: "idle" | "poll" | "notify" | "streaming";
                pollIntervalSeconds: number;
                safetyNetSeconds?: number;
                /** @enum {string} */
                start: "new" | "all";
                filters: {
                    from?: string;
                    to?: string;
                    subjectContains?: string;
                    hasAttachments?: boolean;
                    /** @enum {string} */
                    importance?: "high" | "normal" | "low";
                    unread?: boolean;
                };
                target: {
                    /** @enum {string} */
                    kind: "webhook";
                    /** Format: uri */
                    url: string;
                    /** @default 262144 */
                    inlineAttachmentMaxBytes: number;
                    /** Format: uri */
                    attachmentLinkBase?: string;
                    /** @default 30 */
                    timeoutSeconds: number;
                } | {
                    /** @enum {string} */
                    kind: "command";
                    argv: string[];
                    /** @default 60 */
                    timeoutSeconds: number;
                    /**
                     * @description names of environment variables the program may see besides PATH, LANG, LC_ALL and TZ (never MAILBRIDGE_*)
                     * @default []
                     */
                    env: string[];
                } | {
                    /** @enum {string} */
                    kind: "handler";
                    name: string;
                };
                /** @description leave | read | move:FOLDER | delete */
                afterAction: string;
                retry: {
                    /** @default 5 */
                    maxAttempts: number;
                    /** @default 1000 */
                    backoffBaseMs: number;
                    /** @default 300000 */
                    backoffMaxMs: number;
                };
            } & {
                [key: string]: unknown;
            };
            paused: boolean;
            pauseReason?: string;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            createdAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            updatedAt: number;
            /** @description the watcher in this process, when it runs */
            live?: {
                trigger: string;
                resource?: string;
                /** @description starting | running | retrying | paused | stopped */
                state: string;
                idle?: boolean;
                pauseReason?: string;
                /** @description the mailbox failure since the last whole scan (cleared by the next one) */
                lastError?: string;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                lastErrorAt?: number;
                delivered: number;
                dead: number;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                lastScanAt?: number;
            } & {
                [key: string]: unknown;
            };
            /** @description where the watcher resumes (IMAP UIDVALIDITY/UID, EWS/Graph sync state) */
            checkpoint: ({
                uidValidity?: string;
                lastUid?: number;
                dedupeUpToUid?: number;
                /** @description EWS sync state or Graph delta link (opaque) */
                syncState?: string;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                updatedAt: number;
            } & {
                [key: string]: unknown;
            }) | null;
            /** @description the 20 most recent events, newest first */
            events: ({
                trigger: string;
                kind: string;
                message: string;
                /** @description milliseconds since 1970-01-01T00:00:00Z */
                at: number;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "id": "d_01",
         *       "trigger": "invoices",
         *       "messageKey": "1700000000:42",
         *       "messageId": "<a1@contoso.com>",
         *       "subject": "Invoice 1001",
         *       "source": {
         *         "kind": "imap",
         *         "folder": "INBOX",
         *         "uidValidity": "1700000000",
         *         "uid": 42
         *       },
         *       "status": "delivered",
         *       "attempts": 1,
         *       "afterAction": "ok",
         *       "createdAt": 1767225600000,
         *       "updatedAt": 1767225600000,
         *       "deliveredAt": 1767225600000
         *     }
         */
        Delivery: {
            id: string;
            trigger: string;
            messageKey: string;
            messageId?: string;
            subject?: string;
            /** @description where the message is, to fetch it again for a replay */
            source: {
                /** @enum {string} */
                kind: "imap" | "pop3" | "ews" | "graph";
            } & {
                [key: string]: unknown;
            };
            /** @enum {string} */
            status: "delivered" | "failed" | "dead";
            attempts: number;
            lastError?: string;
            afterAction?: string;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            createdAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            updatedAt: number;
            /** @description milliseconds since 1970-01-01T00:00:00Z */
            deliveredAt?: number;
        } & {
            [key: string]: unknown;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up, and the store answers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                        uptimeSeconds: number;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format 0.0.4. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listResources: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The resources. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Resource"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    addResource: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewResourceInput"];
            };
        };
        responses: {
            /** @description Added, with warnings about valid but risky settings. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: components["schemas"]["Resource"];
                        warnings: components["schemas"]["Warning"][];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: CONFIG_INVALID, REQUEST_INVALID. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED, HOST_ACCESS_REFUSED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: RESOURCE_EXISTS. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getResource: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The resource. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResourceDetail"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    removeResource: {
        parameters: {
            query?: {
                /** @description true: also remove the triggers that use the resource (else RESOURCE_IN_USE names them) */
                cascade?: boolean;
            };
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        removed: string;
                        /** @description triggers removed with it (cascade) */
                        triggersRemoved: string[];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: RESOURCE_IN_USE. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateResource: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResourcePatchInput"];
            };
        };
        responses: {
            /** @description Changed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: components["schemas"]["Resource"];
                        warnings: components["schemas"]["Warning"][];
                        /** @description the fields that moved the credentials: the stored tokens were dropped, consent again */
                        tokensDropped?: string[];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: CONFIG_INVALID, REQUEST_INVALID, CREDENTIALS_REQUIRED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED, HOST_ACCESS_REFUSED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getResourceFields: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Label and value per row. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FieldRow"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    importResources: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description default yaml
                     * @enum {string}
                     */
                    format?: "yaml" | "json";
                    /** @description the config file's text */
                    text: string;
                    /** @description overwrite resources of the same name */
                    replace?: boolean;
                };
            };
        };
        responses: {
            /** @description Imported. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        imported: string[];
                        warnings: components["schemas"]["Warning"][];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: CONFIG_INVALID. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED, HOST_ACCESS_REFUSED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: RESOURCE_EXISTS. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    exportResources: {
        parameters: {
            query?: {
                /** @description default yaml */
                format?: "yaml" | "json";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The config file. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                    "application/json": {
                        resources: {
                            [key: string]: unknown;
                        }[];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    diagnoseResource: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report (ok is false when a check failed). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DoctorReport"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    testResource: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description send (smtp, ews, graph) or receive (imap, pop3, ews, graph); default: send for smtp, receive otherwise
                     * @enum {string}
                     */
                    action?: "send" | "receive";
                    /** @description a send: the recipient (default: the resource's own address) */
                    to?: string;
                    /** @description a send: the subject (default: mailbridge test message) */
                    subject?: string;
                    /** @description a send: the text body (default: a short English note) */
                    text?: string;
                    /**
                     * @description a send: the charset of subject and body (default utf-8; iso-2022-jp for Japanese systems that expect it)
                     * @enum {string}
                     */
                    encoding?: "utf-8" | "iso-2022-jp";
                };
            };
        };
        responses: {
            /** @description The round's outcome. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProbeResult"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    startConsent: {
        parameters: {
            query?: {
                /** @description true: answer 303 with the authorize URL as Location instead of JSON */
                redirect?: boolean;
            };
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The consent to open. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsentStart"];
                };
            };
            /** @description With redirect=true: a redirect to the authorize URL (Location). */
            303: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: CONSENT_FLOW_MISMATCH. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    finishConsent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the full URL the browser was sent to after consent (with code and state) */
                    redirectUrl: string;
                };
            };
        };
        responses: {
            /** @description Connected: the refresh token is stored. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: string;
                        status: components["schemas"]["TokenStatus"];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: STATE_UNKNOWN, STATE_OTHER_RESOURCE, CONSENT_DENIED, REDIRECT_URL_INVALID. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the token endpoint's AADSTS codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    completeConsent: {
        parameters: {
            query?: {
                code?: string;
                state?: string;
                error?: string;
                error_description?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Connected: JSON, or a page for a browser (Accept: text/html). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: string;
                        status: components["schemas"]["TokenStatus"];
                    };
                    "text/html": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: STATE_UNKNOWN, CONSENT_DENIED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the token endpoint's AADSTS codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    completeConsentFormPost: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    code?: string;
                    state?: string;
                    error?: string;
                    error_description?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Connected: JSON, or a page for a browser (Accept: text/html). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: string;
                        status: components["schemas"]["TokenStatus"];
                    };
                    "text/html": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: STATE_UNKNOWN, CONSENT_DENIED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the token endpoint's AADSTS codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    startDeviceCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sign-in in progress. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceFlow"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the token endpoint's AADSTS codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDeviceCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sign-in. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceFlow"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: DEVICE_FLOW_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTokenStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenStatus"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Forgotten. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: string;
                        /** @enum {string} */
                        status: "Missing";
                        note: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    refreshToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Refreshed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource: string;
                        audience: string;
                        /** @description ISO time the new access token expires (the token itself stays inside the service) */
                        expiresAt: string;
                        scope: string | null;
                        status: components["schemas"]["RefreshTokenStatus"];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the token endpoint's AADSTS codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listFolders: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The folders. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Folder"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listMessages: {
        parameters: {
            query?: {
                folder?: string;
                /** @description the newest N */
                limit?: number;
                unseen?: boolean;
                /** @description received on or after, e.g. 2024-05-01 */
                since?: string;
                /** @description received before, e.g. 2024-06-01 */
                before?: string;
                /** @description substring of a From address or name */
                from?: string;
                /** @description substring of a To/Cc address or name */
                to?: string;
                /** @description substring of the subject */
                subject?: string;
                hasAttachments?: boolean;
                /** @description bytes */
                larger?: number;
                /** @description bytes */
                smaller?: number;
            };
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The messages' headers and flags. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessageSummary"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: FILTER_INVALID, MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMessage: {
        parameters: {
            query?: {
                folder?: string;
            };
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
                /** @description the backend's message id (IMAP UID, POP3 UIDL, …) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Message"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMessageSource: {
        parameters: {
            query?: {
                folder?: string;
            };
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
                /** @description the backend's message id (IMAP UID, POP3 UIDL, …) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message source. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "message/rfc822": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAttachment: {
        parameters: {
            query?: {
                folder?: string;
            };
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
                /** @description the backend's message id (IMAP UID, POP3 UIDL, …) */
                id: string;
                /** @description 0-based, in the order of the message's attachment list */
                index: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The attachment's bytes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND, ATTACHMENT_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    markMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: string[];
                    /** @default INBOX */
                    folder?: string;
                    read?: boolean;
                    flagged?: boolean;
                };
            };
        };
        responses: {
            /** @description Marked. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                        ids: string[];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MARK_NOTHING, MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    moveMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: string[];
                    /** @default INBOX */
                    folder?: string;
                    /** @description the destination folder */
                    to: string;
                };
            };
        };
        responses: {
            /** @description Moved. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                        ids: string[];
                        to: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    copyMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: string[];
                    /** @default INBOX */
                    folder?: string;
                    /** @description the destination folder */
                    to: string;
                };
            };
        };
        responses: {
            /** @description Copied. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                        ids: string[];
                        to: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: string[];
                    /** @default INBOX */
                    folder?: string;
                };
            };
        };
        responses: {
            /** @description Deleted. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                        ids: string[];
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND, MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    sendMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's name */
                resource: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MailDraftInput"];
            };
        };
        responses: {
            /** @description Accepted by the server. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendResult"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: SEND_NO_BODY, HEADER_NAME_INVALID, HEADER_RESERVED, ADDRESS_INVALID, TOO_MANY_RECIPIENTS, MAIL_OPERATION_UNSUPPORTED. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: REFRESH_TOKEN_MISSING, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REVOKED, REFRESH_TOKEN_CONSENT_REQUIRED, REFRESH_TOKEN_INVALID_CLIENT. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, the mail server's and the token endpoint's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTriggers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The triggers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    addTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TriggerDefinitionInput"];
            };
        };
        responses: {
            /** @description Added. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        trigger: components["schemas"]["Trigger"];
                        /** @description the generated webhook signing secret: shown in this answer only */
                        secret?: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: TRIGGER_INVALID, TRIGGER_SECRET_INVALID, REQUEST_INVALID. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED, HOST_ACCESS_REFUSED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: TRIGGER_EXISTS. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The trigger. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TriggerDetail"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    replaceTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TriggerDefinitionInput"];
            };
        };
        responses: {
            /** @description Replaced. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        trigger: components["schemas"]["Trigger"];
                        /** @description the generated webhook signing secret: shown in this answer only */
                        secret?: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: TRIGGER_INVALID, TRIGGER_RENAME, TRIGGER_SECRET_INVALID. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED, HOST_ACCESS_REFUSED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    removeTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        removed: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pauseTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description Paused. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resumeTrigger: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resumed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Trigger"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                /** @description dead: the dead-letter list */
                status?: "delivered" | "failed" | "dead";
                limit?: number;
            };
            header?: never;
            path: {
                /** @description the resource's (or trigger's) name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deliveries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    replayDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery after the new attempt. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: TRIGGER_DELIVERY_NOT_FOUND, MESSAGE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upstream (Microsoft's token endpoint or the mail server) failed or refused. Codes: the mail server's codes. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listApiKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    label: string;
                    /**
                     * @description read, send, modify, admin (docs/security.md); default read
                     * @default [
                     *       "read"
                     *     ]
                     */
                    scopes?: ("read" | "send" | "modify" | "admin")[];
                    /** @description the key stops working this many days from now (401 API_KEY_EXPIRED); default: never */
                    expiresInDays?: number;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        label: string;
                        /** @description the first characters of the key, to tell keys apart; never enough to use one */
                        prefix: string;
                        /** @description what the key may do: read, send, modify, admin (docs/security.md) */
                        scopes: ("read" | "send" | "modify" | "admin")[];
                        /** @description milliseconds since 1970-01-01T00:00:00Z */
                        createdAt: number;
                        /** @description milliseconds since 1970-01-01T00:00:00Z */
                        lastUsedAt?: number;
                        /** @description when the key stops working (401 API_KEY_EXPIRED after); absent: never */
                        expiresAt?: number;
                        /** @description the key itself: in this answer only */
                        key: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        removed: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: API_KEY_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listGatewayUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The users. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayUser"][];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createGatewayUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @description 8 to 256 characters; omitted: a random one is made and returned once */
                    password?: string;
                    sendResource?: string;
                    receiveResource?: string;
                    /** @default [] */
                    allowedFrom?: string[];
                    /** @default false */
                    disabled?: boolean;
                };
            };
        };
        responses: {
            /** @description Added. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: components["schemas"]["GatewayUser"];
                        /** @description the generated password: in this answer only (the service keeps its scrypt hash) */
                        password?: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: GATEWAY_USER_INVALID, GATEWAY_PASSWORD_WEAK. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict with the stored state. Codes: GATEWAY_USER_EXISTS. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    removeGatewayUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the gateway user's name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        removed: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: GATEWAY_USER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateGatewayUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the gateway user's name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description null removes the mapping */
                    sendResource?: string | null;
                    /** @description null removes the mapping */
                    receiveResource?: string | null;
                    allowedFrom?: string[];
                    /** @description true refuses the user's logins (its spooled mail is still delivered) */
                    disabled?: boolean;
                };
            };
        };
        responses: {
            /** @description The user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayUser"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: GATEWAY_USER_INVALID, GATEWAY_PASSWORD_WEAK. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: GATEWAY_USER_NOT_FOUND, RESOURCE_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resetGatewayPassword: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the gateway user's name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description 8 to 256 characters; omitted: a random one is made and returned once */
                    password?: string;
                };
            };
        };
        responses: {
            /** @description Changed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description the generated password: in this answer only */
                        password?: string;
                    };
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. Codes: GATEWAY_USER_INVALID, GATEWAY_PASSWORD_WEAK. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found: ROUTE_NOT_FOUND or the named thing does not exist. Codes: GATEWAY_USER_NOT_FOUND. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getGatewayQueue: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayQueue"];
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, `needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …). Codes: SCOPE_REQUIRED. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postGraphNotification: {
        parameters: {
            query?: {
                /** @description sent by Graph when a subscription is created: echoed back as text/plain */
                validationToken?: string;
            };
            header?: never;
            path: {
                /** @description the trigger's name */
                trigger: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The validation token, URL-decoded, as text/plain. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Queued (or dropped with a log line: unknown subscription, clientState mismatch); processed after the answer. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postGraphLifecycleNotification: {
        parameters: {
            query?: {
                /** @description sent by Graph when a subscription is created: echoed back as text/plain */
                validationToken?: string;
            };
            header?: never;
            path: {
                /** @description the trigger's name */
                trigger: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The validation token, URL-decoded, as text/plain. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Queued (or dropped with a log line: unknown subscription, clientState mismatch); processed after the answer. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) or a typed code of the operation. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description INTERNAL: the service failed unexpectedly (details only in the service log). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
