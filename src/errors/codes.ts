/**
 * The error code registry: every `code` a {@link MailbridgeError} can carry, with what it means and how to fix it.
 * It is the type of `code` (a free string at a throw site does not compile) and the source of docs/errors.md
 * (`npm run docs:errors`).
 *
 * Adding a code is one line below, in alphabetical order (one entry per line keeps parallel additions from
 * conflicting, which is why these lines may pass 120 characters). The message at the throw site names the
 * particular cause; `meaning` says what the code means in general, `fix` what usually fixes it.
 *
 * Two families come from the identity platform and are not listed one by one: `AADSTS<number>` (Microsoft Entra
 * error codes, see `aadstsCatalogue` in auth/errors-catalogue.ts) and `OAUTH_<ERROR>` (an RFC 6749 section 5.2
 * `error` value without an AADSTS code, e.g. `OAUTH_INVALID_GRANT`).
 *
 * @packageDocumentation
 */

/** What a registered code means and what fixes it. */
export interface ErrorCodeInfo {
  /** What the code means, in general (the error's message names the particular case). */
  readonly meaning: string;
  /** What usually fixes it (the error's `hint` may be more precise). */
  readonly fix: string;
}

/**
 * Every error code mailbridge raises, keyed by code.
 *
 * @example
 * ```ts
 * import { errorCodes } from 'mailbridge';
 * console.log(errorCodes.SMTP_AUTH_DISABLED.fix);
 * ```
 */
export const errorCodes = {
  ADDRESS_INVALID: { meaning: 'FIELD has an invalid e-mail address: VALUE', fix: 'write addresses as user@example.com or "Name" <user@example.com>' },
  AFTER_ACTION_INVALID: { meaning: 'unknown after-processing action "TEXT"', fix: 'use leave, read, move:FOLDER (e.g. move:Archive) or delete' },
  API_KEY_EXPIRED: { meaning: 'the API key PREFIX (LABEL) expired at TIME', fix: 'create a new key in the console under API keys (or POST /api/keys) and use it instead of this one' },
  API_KEY_NOT_FOUND: { meaning: 'no API key with id ID', fix: 'list them with GET /api/keys' },
  ATTACHMENT_CID_INVALID: { meaning: 'FIELD.cid must not contain spaces or angle brackets', fix: 'use a cid like logo@example (referenced as cid:logo@example in the HTML)' },
  ATTACHMENT_NAME_MISSING: { meaning: 'FIELD has content but no filename', fix: 'give every buffer or stream attachment a filename' },
  ATTACHMENT_NOT_FOUND: { meaning: 'the message has SEEN attachment(s); there is no attachment #INDEX', fix: 'attachment numbers start at 0, in the order GET …/messages/ID lists them' },
  ATTACHMENT_SAVE_FAILED: { meaning: 'saving SAFE to DIR failed; nothing was left behind', fix: 'retry; check free disk space and the connection to the mail server' },
  ATTACHMENT_TOO_LARGE: { meaning: 'NAME is LENGTH bytes; Graph takes attachments up to 150 MB', fix: 'share the file by link instead' },
  ATTACHMENT_UNREADABLE: { meaning: 'cannot read attachment PATH', fix: 'check the path and that the file is readable' },
  AUTH_TEMPORARILY_UNAVAILABLE: { meaning: 'the server could not check the login right now (temporary failure)', fix: 'retry in a minute; if it persists the server cannot reach its identity provider' },
  CALLBACK_CLOSED: { meaning: 'the callback listener was closed before an answer came', fix: 'run the command again' },
  CALLBACK_NOT_LOOPBACK: { meaning: 'cannot listen on CALLBACK_URL: only http://localhost or http://127.0.0.1 can be caught locally', fix: 'use --paste and paste the redirected URL, or set the callback URL to http://localhost' },
  CALLBACK_PORT_BUSY: { meaning: 'cannot listen on CALLBACK_URL ', fix: 'free the port, or register http://localhost without a port (any port matches) and use that' },
  CALLBACK_TIMEOUT: { meaning: 'no sign-in answer reached CALLBACK_URL within TIMEOUT_MS s', fix: 'run the command again and finish the sign-in in the browser, or use --paste / --device' },
  CERTIFICATE_FILE_UNREADABLE: { meaning: 'cannot read FIELD PATH', fix: 'check the path and permissions of the FIELD' },
  CERTIFICATE_INVALID: { meaning: 'the certificate file is not a PEM X.509 certificate', fix: 'point certFile at the PEM certificate uploaded to the app registration' },
  CERTIFICATE_KEY_INVALID: { meaning: 'the key file is not a readable PEM private key (encrypted keys are not supported)', fix: 'point keyFile at the unencrypted PEM private key of the certificate' },
  CERTIFICATE_MISSING: { meaning: 'resource NAME uses certificate authentication without a certificate', fix: 'set oauth.certificate.keyFile and certFile' },
  CHARSET_UNMAPPABLE: { meaning: 'FIELD has characters ISO-2022-JP cannot carry: SHOWN', fix: 'send with encoding \'utf-8\' (the default), or remove those characters' },
  CLIENT_CREDENTIALS_NEED_CREDENTIAL: { meaning: 'resource NAME uses client credentials without a client secret or certificate', fix: 'set clientAuth to secret (and store the secret) or certificate' },
  CLIENT_SECRET_MISSING: { meaning: 'resource NAME has no client secret stored', fix: 'store the secret Value from Certificates & secrets in resource NAME' },
  CLI_HEADER_INVALID: { meaning: '"LINE" is not a header line', fix: 'write it as \'Name: value\', e.g. \'X-Campaign: spring\'' },
  CLI_LIMIT_INVALID: { meaning: '--limit must be a whole number above 0, not "V"', fix: 'e.g. --limit 50' },
  CLI_MARK_NOTHING: { meaning: 'nothing to mark', fix: 'give --read, --unread, --flag or --unflag' },
  CLI_OPTIONS_CONFLICT: { meaning: '--paste and --device cannot be used together', fix: 'choose one way to sign in' },
  CLI_OPTION_INVALID: { meaning: 'a command-line option has a value of the wrong form (a port, a number of seconds…)', fix: 'give the value in the form the message shows (e.g. --port 8025)' },
  CLI_PRIORITY_INVALID: { meaning: 'unknown priority "V"', fix: 'use high, normal or low' },
  CLI_SEND_NO_BODY: { meaning: 'the message has no body', fix: 'give --text, --html or both' },
  CONFIG_FILE_UNREADABLE: { meaning: 'cannot read the config file PATH', fix: 'check the path and its permissions' },
  CONFIG_INVALID: { meaning: 'a resource definition (config file, CLI options or REST body) has a missing or invalid field', fix: 'correct the field the message names; `mailbridge resource add --help` lists the fields' },
  CONFIG_PARSE: { meaning: 'the config file is not valid YAML or JSON', fix: 'fix the syntax; the file holds `resources:` with one entry per resource' },
  CONNECTION_DROPPED: { meaning: 'the connection to the server broke during a request', fix: 'retry; nothing of the interrupted request was kept' },
  CONNECTION_REFUSED: { meaning: 'nothing accepts connections on the host and port of the resource', fix: 'check the resource\'s server host and port (e.g. https://graph.microsoft.com)' },
  CONSENT_DENIED: { meaning: 'the user or an administrator refused the sign-in or the consent, or the authorization server answered with an error', fix: 'run `mailbridge auth RESOURCE` again and accept; if an administrator must consent, ask for admin consent to the app' },
  CONSENT_FLOW_MISMATCH: { meaning: 'a browser consent was asked for a resource that uses another OAuth flow', fix: 'device code: POST /api/resources/NAME/device-code; client credentials: POST /api/resources/NAME/token/refresh' },
  CONSENT_PENDING: { meaning: 'no redirected URL was pasted; the consent stays open for 10 minutes', fix: 'finish it with `mailbridge auth NAME --redirect-url \'URL\'`' },
  CONSOLE_PASSWORD_WEAK: { meaning: 'the console password must have at least LENGTH characters', fix: 'choose a longer password (a passphrase of a few words works well)' },
  CREDENTIALS_REQUIRED: { meaning: 'NAME: changing FIELDS changes where its credentials go, so the secret must be given again with the change', fix: 'send the client secret (or password, or certificate) in the same request; the stored tokens are then dropped: consent again' },
  CSRF_REFUSED: { meaning: 'the form carried no valid CSRF token', fix: 'reload the console page and submit the form again' },
  DEMO_NO_DELIVERY: { meaning: 'the demo trigger did not deliver the test message within 60 s', fix: 'run `mailbridge trigger history demo-inbox` and `mailbridge doctor demo-receive` to see why' },
  DEVICE_AUTHORIZATION_DECLINED: { meaning: 'the user declined the sign-in on the device login page', fix: 'run `mailbridge auth NAME --device` again and accept' },
  DEVICE_CODE_EXPIRED: { meaning: 'the device code expired before the sign-in was finished', fix: 'run `mailbridge auth NAME --device` again and finish within 15 minutes' },
  DEVICE_CODE_FAILED: { meaning: 'a device code sign-in started through the service failed (the message says why)', fix: 'start the device code sign-in again' },
  DEVICE_CODE_RESPONSE_INVALID: { meaning: 'the device code endpoint answered without a user code or verification URI', fix: 'check oauth.deviceCodeUrl (…/oauth2/v2.0/devicecode)' },
  DEVICE_FLOW_NOT_FOUND: { meaning: 'no device code sign-in with id ID', fix: 'start one with POST /api/resources/NAME/device-code' },
  DRAFT_INVALID: { meaning: 'a message draft has a missing or invalid field', fix: 'check the draft fields (from, to[], subject, text/html, attachments[])' },
  DRAFT_TOO_LARGE_FOR_MIME: { meaning: 'this message needs Graph\'s MIME send (In-Reply-To/References, non-X- headers or ISO-2022-JP), which takes messages up to 3 MB; it is LENGTH bytes', fix: 'drop those headers (or send as UTF-8) so large attachments can go through an upload session, or send through an smtp resource' },
  ENTITY_FIELD_INVALID: { meaning: 'a calendar, contact or task field has a value of the wrong form (e.g. a date-time)', fix: 'use ISO 8601 date-times, e.g. 2024-05-01T09:00:00Z or 2024-05-01T09:00:00+09:00' },
  ENTITY_INPUT_INVALID: { meaning: 'the input for a calendar event, contact or task is invalid', fix: 'fix the field the message names; `mailbridge calendar --help` (or contacts, tasks) lists them' },
  EWS_ACCESS_DENIED: { meaning: 'EWS refused access to MAILBOX (ErrorAccessDenied)', fix: 'delegated: sign in as the mailbox owner or get FullAccess on it (Add-MailboxPermission); app-only: grant full_access_as_app with admin consent and check any application access policy that scopes the app to certain mailboxes' },
  EWS_BLOCKED: { meaning: 'the tenant does not allow this app to use EWS (or EWS is retired for it)', fix: 'move the resource to Microsoft Graph (`mailbridge migrate RESOURCE`); until then an administrator can allow the app (Set-OrganizationConfig -EWSEnabled $true -EwsAllowedAppIDs ID)' },
  EWS_ENDPOINT_NOT_FOUND: { meaning: 'there is no EWS endpoint at URL (HTTP 404)', fix: 'set the resource server to the Exchange base URL (e.g. https://outlook.office365.com or https://mail.example.com for Exchange Server); /EWS/Exchange.asmx is added' },
  EWS_ERROR: { meaning: 'the server created no KIND item', fix: 'retry; if it persists, report the server response' },
  EWS_FOLDER_NOT_FOUND: { meaning: 'NAME has no folder "N"', fix: 'list the folders with `mailbridge folders RESOURCE` and use a path from there (e.g. INBOX, Sent Items, INBOX/Sub)' },
  EWS_FROM_MISSING: { meaning: 'the EWS resource has no From address and none was given', fix: 'pass --from, or set the resource\'s user to the mailbox address' },
  EWS_HTTP_ERROR: { meaning: 'EWS answered HTTP STATUS to SOAP_ACTION', fix: 'check the server URL and that EWS is enabled on it; the response is in the error details' },
  EWS_ID_MALFORMED: { meaning: 'EWS could not read the id (RESPONSE_CODE)', fix: 'use an id exactly as `mailbridge list RESOURCE` prints it (EWS item ids are long base64 strings; IMAP UIDs do not work here)' },
  EWS_ID_MISSING: { meaning: 'no item id, or an empty one, was given to an EWS operation', fix: 'give ids as `mailbridge list RESOURCE` prints them' },
  EWS_IMPERSONATION_INVALID: { meaning: 'EWS refused to act as MAILBOX (RESPONSE_CODE)', fix: 'an app-only token must name an existing mailbox: set the resource user to the mailbox\'s primary SMTP address, and give the app full_access_as_app (admin consent) or ApplicationImpersonation' },
  EWS_ITEM_NOT_FOUND: { meaning: 'the EWS server returned no item for the id', fix: 'list the folder again and use a current id' },
  EWS_MAILBOX_NOT_FOUND: { meaning: 'EWS found no mailbox MAILBOX (RESPONSE_CODE)', fix: 'check the resource user: it must be the mailbox\'s primary SMTP address' },
  EWS_MAILBOX_REQUIRED: { meaning: 'NAME uses an app-only token, which must name the mailbox to act on', fix: 'set the resource user to the mailbox\'s primary SMTP address (it goes into ExchangeImpersonation and X-AnchorMailbox)' },
  EWS_MAILBOX_UNAVAILABLE: { meaning: 'the mailbox database of MAILBOX is not reachable right now (RESPONSE_CODE)', fix: 'retry in a few minutes: the mailbox is being moved or its database is failing over' },
  EWS_NO_MIME: { meaning: 'the server returned no MIME content for ID', fix: 'only mail items have a MIME source; check that the id names a message' },
  EWS_QUOTA_EXCEEDED: { meaning: 'MAILBOX is over its storage quota (ErrorQuotaExceeded)', fix: 'empty Deleted Items or archive mail, or raise the quota' },
  EWS_REPLY_MALFORMED: { meaning: 'the EWS server sent a reply that is not a SOAP_ACTION response (DETAIL)', fix: 'check that the resource server points at Exchange (the EWS endpoint is /EWS/Exchange.asmx under it)' },
  EWS_REQUEST_INVALID: { meaning: 'the server rejected the request as invalid (RESPONSE_CODE)', fix: 'the server may be older than Exchange 2016; report this with the server response in the error details' },
  EWS_RESPONSE_TOO_LARGE: { meaning: 'an EWS answer was larger than mailbridge reads; reading stopped', fix: 'check that the EWS URL points at Exchange; ask for fewer items per page' },
  EWS_SEND_AS_DENIED: { meaning: 'MAILBOX may not send as the From address (ErrorSendAsDenied)', fix: 'grant Send As on the From mailbox (Add-RecipientPermission FROM -Trustee USER -AccessRights SendAs), or send with From equal to the mailbox' },
  EWS_SERVER_BUSY: { meaning: 'Exchange is throttling this client (RESPONSE_CODE)', fix: 'retry after the back-off the server asked for; make fewer concurrent EWS requests (Exchange Online allows 27 per user) and page smaller' },
  EWS_TENANT_NOT_FOUND: { meaning: 'EWS does not know the tenant the access token was issued for (x-ms-diagnostics 2000004)', fix: 'set the resource tenant to the mailbox\'s directory (tenant id or domain), then run `mailbridge auth RESOURCE` again' },
  EWS_TOKEN_EXPIRED: { meaning: 'EWS refused the access token as expired (x-ms-diagnostics 2000008), even after a refresh', fix: 'check the clock of this machine, then run `mailbridge token refresh RESOURCE`; if the refresh token was revoked, run `mailbridge auth RESOURCE` again' },
  EWS_TOKEN_INVALID: { meaning: 'EWS could not validate the access token\'s signature', fix: 'the token comes from another authority than the one Exchange trusts: check the resource\'s authority (cloud) and tenant, then run `mailbridge auth RESOURCE` again' },
  EWS_TOKEN_WRONG_AUDIENCE: { meaning: 'EWS refused the access token: it is for another resource (x-ms-diagnostics 2000003, invalid audience)', fix: 'put https://outlook.office365.com/EWS.AccessAsUser.All first in the resource scope (app-only: https://outlook.office365.com/.default), then run `mailbridge token refresh RESOURCE`' },
  EWS_TRANSPORT_ERROR: { meaning: 'the EWS request to HOST failed: ERROR', fix: 'run `mailbridge doctor RESOURCE` to check the URL, TLS and the token' },
  EWS_UNAUTHORIZED: { meaning: 'EWS refused the access token (HTTP 401)', fix: 'run `mailbridge doctor RESOURCE`: the token must be for https://outlook.office365.com with EWS.AccessAsUser.All (delegated) or full_access_as_app (app-only)' },
  EWS_URL_INVALID: { meaning: 'EWS needs a base URL, got "HOST"', fix: 'give e.g. https://outlook.office365.com, or https://mail.example.com for Exchange Server (the EWS endpoint is /EWS/Exchange.asmx under it)' },
  FETCH_STATE_INVALID: { meaning: 'PATH is not a mailbridge fetch state file', fix: 'fetch into an empty directory, or delete that file to start over (messages already saved would be fetched again)' },
  FETCH_STATE_MISMATCH: { meaning: 'DIR holds a fetch of RESOURCE folder FOLDER, not RESOURCE folder FOLDER', fix: 'use one directory per resource and folder' },
  FILTER_FIELD_UNKNOWN: { meaning: 'EWS cannot filter on "FIELD"', fix: 'use one of the fields the hint lists, or an EWS field URI such as item:Subject' },
  FILTER_INVALID: { meaning: 'a message filter (dates, sizes, flags) has an invalid value', fix: 'dates look like 2024-05-01, sizes are whole numbers of bytes' },
  FILTER_LIKE_UNSUPPORTED: { meaning: 'EWS cannot match "PATTERN": it matches whole values, prefixes (abc%) and substrings (%abc%) only', fix: 'use %text% (contains) or text% (starts with); or use a Graph resource, whose $filter has endswith' },
  FILTER_UNSUPPORTED: { meaning: 'Microsoft Graph cannot filter messages by size', fix: 'drop --larger/--smaller, or use an IMAP or EWS resource for size filters' },
  GATEWAY_OPEN_RELAY_REFUSED: { meaning: 'a network in the gateway\'s source allow-list is too wide for sending without a login', fix: 'name the devices\' own network (at most /16 for IPv4, /48 for IPv6), or give the devices a gateway user' },
  GATEWAY_PASSWORD_WEAK: { meaning: 'a gateway password must be 8 to 256 characters, without line breaks', fix: 'choose a longer password, or leave it out and a random one is generated and printed once' },
  GATEWAY_PLAINTEXT_REFUSED: { meaning: 'a gateway listener without TLS would take passwords in clear on a non-loopback address', fix: 'use security tls or starttls with a certificate (files or self-signed); plain only on 127.0.0.1, or set plaintextLogin to always on a trusted network' },
  GATEWAY_PORT_UNAVAILABLE: { meaning: 'the gateway cannot listen on its port (in use, or below 1024 without privilege)', fix: 'choose other ports (--smtp-port, --smtps-port) or stop what uses them' },
  GATEWAY_RESOURCE_CANNOT_SEND: { meaning: 'the resource mapped for sending is not an smtp or graph resource', fix: 'map the gateway user to an smtp resource (XOAUTH2) or a graph resource (Mail.Send)' },
  GATEWAY_SOURCE_INVALID: { meaning: 'an entry of the gateway\'s source allow-list is not an address or a CIDR network', fix: 'write loopback, an address (192.0.2.10) or a network (192.0.2.0/24)' },
  GATEWAY_TLS_FILE_UNREADABLE: { meaning: 'cannot read the gateway\'s TLS certificate or key file PATH', fix: 'check the path and that the service user may read it (keep the key 0600)' },
  GATEWAY_TLS_INVALID: { meaning: 'the gateway\'s TLS certificate and key cannot be used (not PEM, or not a pair)', fix: 'give a PEM certificate and its unencrypted PEM key, or use a self-signed certificate' },
  GATEWAY_TLS_MISSING: { meaning: 'a gateway listener with security tls or starttls has no certificate', fix: 'give certFile and keyFile, or ask for a self-signed certificate' },
  GATEWAY_TLS_UNAVAILABLE: { meaning: 'the gateway\'s TLS certificate could not be read or made', fix: 'give smtp.tls.certFile and keyFile (PEM) readable by this user, or install openssl for a generated self-signed one' },
  GATEWAY_USER_EXISTS: { meaning: 'a gateway user of that name already exists', fix: 'reset its password with `mailbridge gateway user reset-password NAME`, or remove it first' },
  GATEWAY_USER_INVALID: { meaning: 'a gateway user name, mapping or allowed From address is not valid', fix: 'names are 1–128 letters, digits and . _ @ + -; map at least one resource; From entries are addresses or @domains' },
  GATEWAY_USER_NOT_FOUND: { meaning: 'no gateway user of that name', fix: 'list them with `mailbridge gateway user list`' },
  GMAIL_FLOW_UNSUPPORTED: { meaning: 'Google does not offer this OAuth flow for Gmail mail access (client credentials or device code)', fix: 'consent as the user with the authorization code flow (`mailbridge auth NAME`); for a Workspace domain use a service account with domain-wide delegation' },
  GRAPH_ACCESS_DENIED: { meaning: 'Microsoft Graph denied access', fix: 'grant the app the Graph permission this needs (Mail.ReadWrite to change mail, Mail.Send to send; application permissions need admin consent) and, for another user\'s mailbox, FullAccess or an app-only token; then run `mailbridge auth RESOURCE`' },
  GRAPH_APP_ACCESS_POLICY: { meaning: 'an ApplicationAccessPolicy of the tenant keeps this app out of the mailbox', fix: 'ask the Exchange administrator to add the mailbox to the policy\'s group (New-/Set-ApplicationAccessPolicy -AccessRight RestrictAccess -PolicyScopeGroupId …) or to remove the policy; check with Test-ApplicationAccessPolicy' },
  GRAPH_AUTH_INVALID: { meaning: 'Microsoft Graph refused the access token', fix: 'the token must be for https://graph.microsoft.com with Mail.* permissions: check the resource scope, then run `mailbridge token refresh RESOURCE` (or `mailbridge auth RESOURCE` if consent changed)' },
  GRAPH_FALLBACK_URL_UNKNOWN: { meaning: 'the Graph host of the resource\'s authority could not be read from its OpenID metadata', fix: 'start the identity endpoint, or give the Graph URL explicitly: --graph-fallback https://HOST' },
  GRAPH_FOLDER_NOT_FOUND: { meaning: 'no folder "NAME" in NAME', fix: 'see the folders with `mailbridge folders RESOURCE`; nested folders are written Parent/Child' },
  GRAPH_FROM_MISSING: { meaning: 'the Graph resource has no From address and none was given', fix: 'pass --from, or set the resource\'s user to the mailbox address' },
  GRAPH_INEFFICIENT_FILTER: { meaning: 'Graph refused the filter and sort order', fix: 'properties in $orderby must also appear first in $filter, in the same order; simplify the filter or drop the sort' },
  GRAPH_ITEM_NOT_FOUND: { meaning: 'the item or folder does not exist (any more)', fix: 'a moved message gets a new id: list the folder again (`mailbridge list RESOURCE --folder F`) and use the id shown there' },
  GRAPH_LINK_FOREIGN: { meaning: 'Graph returned a link to ORIGIN, not BASE_ORIGIN; the access token is not sent there', fix: 'check the resource\'s base URL (server.host); a proxy in between may rewrite links' },
  GRAPH_MAILBOX_FULL: { meaning: 'the mailbox is over its storage quota (Graph ErrorQuotaExceeded)', fix: 'free space (empty Deleted Items, archive old mail) or raise the quota, then retry' },
  GRAPH_MAILBOX_NOT_ENABLED: { meaning: 'the mailbox cannot be reached through Graph', fix: 'the user has no Exchange Online mailbox (no licence, on-premises or soft-deleted): assign an Exchange Online licence, or use an EWS resource for an on-premises mailbox' },
  GRAPH_MESSAGE_TOO_LARGE: { meaning: 'the message is larger than the mailbox may send or receive (Graph ErrorMessageSizeExceeded)', fix: 'send a smaller message (attachments by link) or raise the mailbox\'s MaxSendSize / MaxReceiveSize' },
  GRAPH_MIME_INVALID: { meaning: 'Graph could not read the MIME message', fix: 'send the RFC 5322 message base64-encoded with Content-Type: text/plain' },
  GRAPH_NOTIFICATION_URL_MISSING: { meaning: 'a trigger in mode notify runs in a service that has no public notification URL for Graph to post to', fix: 'start `mailbridge serve --notification-url https://PUBLIC-HOST` (a reverse proxy or a tunnel you run, docs/notifications.md), or set the trigger\'s mode to poll' },
  GRAPH_NOTIFICATION_URL_UNREACHABLE: { meaning: 'Graph refused a change-notification subscription: the notification URL failed the validation handshake', fix: 'make serve reachable from the internet at --notification-url (a reverse proxy with TLS, or a tunnel you run; docs/notifications.md) and check it with curl -X POST "URL?validationToken=hi"' },
  GRAPH_NO_TASK_LIST: { meaning: 'the mailbox has no To Do task list', fix: 'open Microsoft To Do once for this user (it creates the default list), then try again' },
  GRAPH_PLAINTEXT_REFUSED: { meaning: 'refusing plain http to HOST', fix: 'Graph URLs must be https (plain http is only for a loopback sandbox)' },
  GRAPH_REQUEST_FAILED: { meaning: 'Microsoft Graph answered HTTP STATUS with an error code not listed above', fix: 'read the Graph error code and request-id in the error details; if it names a permission or a limit, fix that on the tenant side' },
  GRAPH_RESPONSE_INVALID: { meaning: 'a delta page had neither @odata.nextLink nor @odata.deltaLink', fix: 'check that the base URL points at Microsoft Graph; otherwise report this with the request-id' },
  GRAPH_RESPONSE_TOO_LARGE: { meaning: 'a Microsoft Graph answer was larger than mailbridge reads for that kind of request; reading stopped', fix: 'ask for smaller pages ($top) or fewer properties ($select); check that the base URL points at Microsoft Graph' },
  GRAPH_SEND_AS_DENIED: { meaning: 'Graph refused the From address (ErrorSendAsDenied): the signed-in mailbox may not send as it', fix: 'grant SendAs (Add-RecipientPermission … -AccessRights SendAs; allow up to an hour) or send without --from' },
  GRAPH_SYNC_RESET: { meaning: 'the delta token is no longer valid', fix: 'start a full synchronisation again (delta without a token); mailbridge does this itself for delta sync' },
  GRAPH_THROTTLED: { meaning: 'Microsoft Graph is throttling this app for the mailbox', fix: 'retry after the Retry-After delay; Exchange allows 4 concurrent requests and 10,000 requests per 10 minutes per app and mailbox' },
  GRAPH_UNAVAILABLE: { meaning: 'Microsoft Graph is unavailable (HTTP STATUS)', fix: 'retry in a minute; large pages can time out: ask for fewer items per page' },
  GRAPH_UPLOAD_STALLED: { meaning: 'the upload session asked for byte NEXT again after OFFSET', fix: 'retry sending; if it repeats the upload session expired' },
  GRAPH_USER_NOT_FOUND: { meaning: 'the mailbox named by the resource\'s user does not exist in this tenant (Graph ErrorInvalidUser)', fix: 'check the resource\'s user (the mailbox\'s primary SMTP address or UPN); a new mailbox can take a while to appear' },
  HEADER_INJECTION: { meaning: 'FIELD contains a line break, which would start a new header (header injection)', fix: 'remove CR/LF characters from FIELD' },
  HEADER_NAME_INVALID: { meaning: 'custom header name NAME is not a valid field name', fix: 'use printable ASCII without spaces or colons, e.g. X-Campaign' },
  HEADER_RESERVED: { meaning: 'custom header NAME uses a prefix mailbridge reserves for itself', fix: 'rename the header' },
  HOME_UNWRITABLE: { meaning: 'cannot create HOME', fix: 'set MAILBRIDGE_HOME to a folder you can write' },
  HOST_ACCESS_REFUSED: { meaning: 'FIELD: a file path, command or handler target needs host access, which this service does not allow over the API or the console', fix: 'do it on the host with the mailbridge CLI, or start the service with `mailbridge serve --allow-host-access` (docs/security.md)' },
  HOST_NOT_FOUND: { meaning: 'the host name of the resource does not resolve', fix: 'check server.host for typos and that DNS works here' },
  IMAP_AUTH_FAILED: { meaning: 'the IMAP server refused the login for USER', fix: 'check that the access token is for https://outlook.office365.com with IMAP.AccessAsUser.All (run `mailbridge doctor RESOURCE`), that the user name is the mailbox UPN (or the shared mailbox address), and that IMAP is enabled for the mailbox (Set-CASMailbox -ImapEnabled $true)' },
  IMAP_COMMAND_FAILED: { meaning: 'the IMAP server refused a command with a reply mailbridge has no specific diagnosis for', fix: 'read the server reply in the error details; run `mailbridge doctor RESOURCE`' },
  IMAP_ERROR: { meaning: 'an IMAP operation failed for a reason mailbridge has no specific diagnosis for', fix: 'run `mailbridge doctor RESOURCE` to check TLS, capabilities and the login step by step' },
  IMAP_FOLDER_NOT_FOUND: { meaning: 'the server gave no UIDVALIDITY for folder O', fix: 'check the folder name with `mailbridge folders RESOURCE`' },
  IMAP_MESSAGE_NOT_FOUND: { meaning: 'no message (or no such part) with that UID in the folder', fix: 'list the folder again (`mailbridge list`) and use a UID from it; UIDs change when a message is moved' },
  IMAP_UID_INVALID: { meaning: '"ID" is not an IMAP UID', fix: 'use a UID from `mailbridge list RESOURCE` (a whole number)' },
  IMAP_USER_MISSING: { meaning: 'resource NAME has no mailbox user name', fix: 'set the resource\'s user to the mailbox address (a shared mailbox\'s address for a shared mailbox)' },
  INTERNAL: { meaning: 'the service failed unexpectedly', fix: 'see the service log for details and report it if it repeats' },
  KEY_FILE_EXISTS: { meaning: 'another process created the key file PATH at the same moment', fix: 'nothing: the store is opened again with that key' },
  KEY_FILE_EXPOSED: { meaning: 'the key file PATH is readable by others (mode MODE)', fix: 'run chmod 600 PATH' },
  KEY_FILE_UNWRITABLE: { meaning: 'cannot create the key file PATH', fix: 'check the permissions of MAILBRIDGE_HOME, or set MAILBRIDGE_KEY' },
  KEY_INVALID: { meaning: 'SOURCE is not the base64 of LENGTH bytes (got LENGTH bytes)', fix: 'generate one with `openssl rand -base64 32`' },
  KEY_MISMATCH: { meaning: "the store's secrets and tokens were sealed with another key than SOURCE", fix: 'use the key they were sealed with (restore the key file or MAILBRIDGE_KEY); `mailbridge key rotate` changes keys safely' },
  KEY_MISSING: { meaning: 'the store holds sealed secrets and tokens but no sealing key was found', fix: 'restore the key file (mode 0600) or set MAILBRIDGE_KEY to the key they were sealed with' },
  KEY_NEW_REQUIRED: { meaning: 'the key comes from MAILBRIDGE_KEY, which mailbridge cannot change', fix: 'pipe a new key into `mailbridge key rotate --new-key-stdin`, then set MAILBRIDGE_KEY to it everywhere' },
  KEY_ROTATE_BUSY: { meaning: 'COUNT mailbridge service instance(s) are running on this store', fix: 'stop every `mailbridge serve` on this store first, then rotate' },
  KEY_UNCHANGED: { meaning: 'the new key is the current key', fix: 'generate a new one with `openssl rand -base64 32`' },
  MAIL_AUTH_UNSUPPORTED: { meaning: 'resource NAME uses AUTH_TYPE authentication; mail operations need OAuth 2.0', fix: 'set the resource\'s authType to oauth2 (Exchange Online has no basic authentication for IMAP/POP)' },
  MAIL_KIND_UNSUPPORTED: { meaning: 'the resource is of a kind this backend does not serve', fix: 'open an ews resource with the EWS backend; calendar, contacts and tasks need a graph or ews resource' },
  MAIL_OPERATION_UNSUPPORTED: { meaning: 'the protocol of the resource cannot do this operation (e.g. POP3 has no folders)', fix: 'use a resource of a kind that can (the message names it), e.g. IMAP, EWS or Graph' },
  MARK_NOTHING: { meaning: 'nothing to mark', fix: 'give read and/or flagged (true or false)' },
  MESSAGE_READ_FAILED: { meaning: 'reading the message failed: the parser\'s reason', fix: 'retry; if it keeps failing, check the connection to the mail server' },
  MIGRATE_HOST_REQUIRED: { meaning: 'NAME does not use the m365 preset, so the Graph URL cannot be derived', fix: 'give --host https://graph.microsoft.com (on-premises Exchange has no Graph: keep EWS there)' },
  MIGRATE_NOTHING_TO_DO: { meaning: 'NAME is already a graph resource', fix: 'nothing to migrate' },
  MIGRATE_UNSUPPORTED: { meaning: 'NAME is a KIND resource; only ews resources migrate to graph', fix: 'add a graph resource next to it with `mailbridge resource add NAME --kind graph ...`' },
  MIME_MALFORMED: { meaning: 'the message could not be parsed: the parser\'s reason', fix: 'save it with --raw and check its MIME structure; the server copy is untouched' },
  NO_RECIPIENTS: { meaning: 'the message has no recipients', fix: 'give at least one address in to, cc or bcc' },
  PLAINTEXT_AUTH_REFUSED: { meaning: 'a password or token would go over a connection without TLS', fix: 'set server.secure to tls or starttls (tls.allowPlaintextLoopback only applies to 127.0.0.1/localhost)' },
  POP3_AUTH_FAILED: { meaning: 'the POP3 server refused the login for USER', fix: 'check that the access token is for https://outlook.office365.com with POP.AccessAsUser.All (run `mailbridge doctor RESOURCE`), that the user name is the mailbox UPN, and that POP is enabled for the mailbox (Set-CASMailbox -PopEnabled $true)' },
  POP3_AUTH_REQUIRED: { meaning: 'NAME: POP3 always needs a login (authType AUTH_TYPE)', fix: 'use authType oauth2 with a token provider, or basic with a password' },
  POP3_BAD_MESSAGE_NUMBER: { meaning: 'N is not a POP3 message number', fix: 'use a number from list() or uidl() (1, 2, …)' },
  POP3_COMMAND_FAILED: { meaning: 'the POP3 server refused a command with a reply mailbridge has no specific diagnosis for', fix: 'read the server reply in the error details; run `mailbridge doctor RESOURCE`' },
  POP3_ERROR: { meaning: 'a POP3 operation failed for a reason mailbridge has no specific diagnosis for', fix: 'run `mailbridge doctor RESOURCE` to check TLS, capabilities and the login step by step' },
  POP3_MAILBOX_IN_USE: { meaning: 'another POP3 session holds the mailbox lock', fix: 'close the other POP3 client (or wait for its session to time out) and try again' },
  POP3_MESSAGE_NOT_FOUND: { meaning: 'no message with UIDL ID in the mailbox', fix: 'list the mailbox again (`mailbridge list`) and use an id from it; it may have been deleted' },
  POP3_MESSAGE_TOO_LARGE: { meaning: 'a POP3 RETR sent more than twice the size LIST announced (or the configured maximum); reading stopped, nothing was kept', fix: 'if the message really is this large, raise the resource\'s maximum message size; otherwise the server is misbehaving' },
  POP3_PASSWORD_MISSING: { meaning: 'NAME uses basic auth but no password was given', fix: 'store the password for the resource' },
  POP3_RESPONSE_TOO_LARGE: { meaning: 'a POP3 reply line or listing exceeded mailbridge\'s limit; reading stopped', fix: 'check that the host and port are a POP3 server; report the server if it is one' },
  POP3_USER_MISSING: { meaning: 'NAME has no user name', fix: 'set user to the mailbox address (UPN)' },
  PORT_IN_USE: { meaning: 'the port the service should listen on is already taken (often another mailbridge serve or demo)', fix: 'stop the other process or pass another --port (--port 0: any free port)' },
  PROTOCOL_VIOLATION: { meaning: 'the server sent a reply that breaks the protocol (malformed or out of order)', fix: 'check that the resource\'s host and port point at the right kind of server; report it with the server response if they do' },
  PROXY_AUTH_FAILED: { meaning: 'the proxy PROXY asks for credentials, or refused the ones given (HTTP 407)', fix: 'give the proxy user and password: http://user:password@host:port in HTTPS_PROXY, or MAILBRIDGE_PROXY_USER and MAILBRIDGE_PROXY_PASSWORD' },
  PROXY_CA_FILE_UNREADABLE: { meaning: 'the proxy CA file PATH cannot be read or holds no PEM certificate', fix: 'point --proxy-ca-file (MAILBRIDGE_PROXY_CA_FILE) at a readable PEM file holding the proxy\'s CA certificate' },
  PROXY_CONNECT_REFUSED: { meaning: 'the proxy PROXY refused to open a tunnel (CONNECT) to HOST:PORT', fix: 'ask the proxy\'s administrators to allow CONNECT to that host and port, or go around the proxy with NO_PROXY or the resource\'s proxy: "none"' },
  PROXY_TLS_INTERCEPTED: { meaning: 'the certificate of HOST, seen through the proxy PROXY, is not trusted: the proxy likely inspects TLS with its own CA', fix: 'give the proxy\'s CA certificate (PEM) with --proxy-ca-file or MAILBRIDGE_PROXY_CA_FILE' },
  PROXY_UNREACHABLE: { meaning: 'nothing answers at the proxy PROXY (refused, no such host, timeout)', fix: 'check the proxy URL (HTTPS_PROXY, HTTP_PROXY or the resource\'s proxy), or go around it with NO_PROXY or proxy: "none"' },
  PROXY_URL_INVALID: { meaning: 'the proxy setting is not an http:// or https:// proxy URL', fix: 'write the proxy as http://host:port' },
  REDIRECT_URL_INVALID: { meaning: 'the redirected URL has neither a code nor an error parameter', fix: 'paste the whole URL from the browser address bar after the consent (it starts with the callback URL and contains code=…&state=…)' },
  REFRESH_TOKEN_AVAILABLE: { meaning: 'the token state says Available but holds no refresh token', fix: 'run `mailbridge auth RESOURCE` to sign in and consent again' },
  REFRESH_TOKEN_CONSENT_REQUIRED: { meaning: 'a person must sign in again (consent, MFA or a Conditional Access policy)', fix: 'run `mailbridge auth RESOURCE` and complete the sign-in, or ask an administrator to grant consent' },
  REFRESH_TOKEN_EXPIRED: { meaning: 'the refresh token expired (inactivity, sign-in frequency policy)', fix: 'run `mailbridge auth RESOURCE` to sign in again' },
  REFRESH_TOKEN_INVALID_CLIENT: { meaning: 'the app registration or its credential is wrong (secret expired, app not found)', fix: 'fix the app registration or the resource\'s client secret/certificate, then run `mailbridge token refresh RESOURCE`' },
  REFRESH_TOKEN_MISSING: { meaning: 'the resource has no refresh token yet (never signed in)', fix: 'run `mailbridge auth RESOURCE` to sign in and consent' },
  REFRESH_TOKEN_REVOKED: { meaning: 'the refresh token was revoked (sessions revoked, password changed, user disabled)', fix: 'run `mailbridge auth RESOURCE` to sign in again' },
  REQUEST_INVALID: { meaning: 'a REST request body or parameter is not of the expected shape', fix: 'send the body as a JSON object with the fields in /openapi.json' },
  RESOURCE_EXISTS: { meaning: 'a resource with that name already exists', fix: 'change it (`mailbridge resource edit`, PATCH /api/resources/NAME), or remove it first' },
  RESOURCE_IN_USE: { meaning: 'triggers watch the resource, so removing it would leave them pointing at nothing', fix: 'remove or repoint the triggers first, or remove them with it (`mailbridge resource remove NAME --cascade`, DELETE /api/resources/NAME?cascade=true)' },
  RESOURCE_NOT_FOUND: { meaning: 'no resource with that name', fix: 'list them with `mailbridge resource list` or GET /api/resources' },
  RESOURCE_NOT_OAUTH: { meaning: 'resource NAME does not use OAuth 2.0 (authType AUTH_TYPE)', fix: 'set authType to oauth2 with the oauth settings, or use a basic-auth command' },
  ROUTE_NOT_FOUND: { meaning: 'no REST route with that method and path', fix: 'see /openapi.json for the routes' },
  SANDBOX_HOST_NOT_LOOPBACK: { meaning: '--host HOST is not a loopback address', fix: 'use 127.0.0.1, ::1 or localhost: the sandbox must not be reachable from other machines' },
  SANDBOX_NOT_RUNNING: { meaning: 'resource NAME points at the mailbridge sandbox, which is not running', fix: 'start it again: `mailbridge demo` (demo-* resources) or `mailbridge sandbox start`' },
  SANDBOX_SEED_INVALID: { meaning: 'the sandbox seed file is invalid', fix: 'fix the field the message names (see the sandbox README for the seed format)' },
  SANDBOX_SEED_UNREADABLE: { meaning: 'cannot read the sandbox seed file', fix: 'check the --seed path' },
  SAVE_DIR_FAILED: { meaning: 'cannot create the directory DIR', fix: 'choose a directory you can write to' },
  SCOPE_REQUIRED: { meaning: 'this call needs an API key with the scope SCOPE; this key has SCOPES', fix: 'create a key with that scope (POST /api/keys with scopes, or the console) and use it' },
  SEAL_TAMPERED: { meaning: 'a stored secret (AAD) failed its integrity check (WHY): it was changed or moved', fix: 'restore the database from a backup, or set the secret again (`mailbridge resource edit NAME --client-secret-stdin`, or consent again for a token)' },
  SEAL_WRONG_KEY: { meaning: 'a stored secret (AAD) was sealed with a different key', fix: 'the key changed: restore the MAILBRIDGE_KEY (or the key file in the mailbridge home) it was sealed with, or remove the resource and add it again' },
  SEND_HEADER_INVALID: { meaning: '"NAME" is not a header name', fix: 'use letters, digits and -, e.g. X-Campaign' },
  SEND_NO_BODY: { meaning: 'the message has no body', fix: 'give text, html or both' },
  SMTP_AUTH_BLOCKED_BY_POLICY: { meaning: 'a Conditional Access policy or security defaults refused the SMTP login (535 5.7.139)', fix: 'ask the tenant administrator to exclude this app or mailbox from the policy (Entra ID > Conditional Access), or send through Microsoft Graph instead' },
  SMTP_AUTH_DISABLED: { meaning: 'SMTP AUTH is disabled for the whole tenant (535 5.7.139)', fix: 'enable it for this mailbox with Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled $false (overrides the tenant), or tenant-wide with Set-TransportConfig -SmtpClientAuthenticationDisabled $false; security defaults also block it' },
  SMTP_AUTH_FAILED: { meaning: 'the SMTP server refused the login (535)', fix: 'check that the token is for https://outlook.office365.com with SMTP.Send, that the user is the mailbox UPN, and that SMTP AUTH is enabled for the mailbox (`mailbridge doctor RESOURCE`)' },
  SMTP_AUTH_UNAVAILABLE: { meaning: 'the server offers no login on this connection (504 5.7.4)', fix: 'log in only after TLS: use STARTTLS or TLS' },
  SMTP_BASIC_AUTH_DISABLED: { meaning: 'the server no longer accepts basic authentication for client submission (550 5.7.30)', fix: 'switch the resource to authType oauth2 (XOAUTH2 with SMTP.Send)' },
  SMTP_COMMAND_FAILED: { meaning: 'the SMTP server refused a command with a reply mailbridge has no specific diagnosis for', fix: 'read the server reply in the error details; run `mailbridge doctor RESOURCE`' },
  SMTP_ERROR: { meaning: 'an SMTP operation failed for a reason mailbridge has no specific diagnosis for', fix: 'run `mailbridge doctor RESOURCE` to check TLS, capabilities and the login step by step' },
  SMTP_FROM_MISSING: { meaning: 'resource NAME has no From address and none was given', fix: 'pass --from, or set the resource\'s from (or user) to the mailbox address' },
  SMTP_NOT_AUTHENTICATED: { meaning: 'the server refused to send without a login (530)', fix: 'set authType to oauth2 (or basic) on the resource; client submission always needs authentication' },
  SMTP_PASSWORD_MISSING: { meaning: 'NAME uses basic auth but no password was given', fix: 'store the password for the resource' },
  SMTP_SENDING_LIMIT: { meaning: 'the mailbox has reached its sending limit', fix: 'wait until the limit resets (Exchange Online: 10,000 recipients a day) or spread sending across mailboxes' },
  SMTP_SEND_AS_DENIED: { meaning: 'MAILBOX may not send as this From address (5.7.60)', fix: 'grant Send As on the From mailbox (Add-RecipientPermission FROM -Trustee USER -AccessRights SendAs), or send with From equal to the signed-in mailbox' },
  SMTP_TOKENS_MISSING: { meaning: 'NAME uses OAuth 2.0 but no token provider was given', fix: 'pass the token manager\'s provider(resource) as tokens' },
  SMTP_USER_MISSING: { meaning: 'NAME has no user name', fix: 'set user to the mailbox UPN that signs in' },
  SMTP_WRONG_KIND: { meaning: 'NAME is a KIND resource, not smtp', fix: 'send through a resource of kind smtp' },
  STATE_EXPIRED: { meaning: 'the consent expired (more than 10 minutes since it was started)', fix: 'start again with `mailbridge auth RESOURCE_NAME` and finish within 10 minutes' },
  STATE_MISSING: { meaning: 'the redirected URL carries no state', fix: 'paste the complete redirected URL, or start again with `mailbridge auth RESOURCE_NAME`' },
  STATE_OTHER_RESOURCE: { meaning: 'this answer belongs to a consent for resource RESOURCE, not EXPECTED_RESOURCE', fix: 'finish it for RESOURCE' },
  STATE_UNKNOWN: { meaning: 'the answer carries a state this service did not start (or it was used already, or expired after 10 minutes)', fix: 'start the consent again from the console (Connect) or POST /api/resources/NAME/consent, and finish it within 10 minutes' },
  STORE_CORRUPT: { meaning: 'a row in the store cannot be read (a trigger delivery or state)', fix: 'remove the trigger and add it again, or restore a backup' },
  STORE_LOCK_TIMEOUT: { meaning: 'another instance held the token lock of RESOURCE for over LOCK_TIMEOUT_MS ms', fix: 'an instance is stuck refreshing (token endpoint unreachable?); retry, or check the other instances\' logs' },
  STORE_OPEN_FAILED: { meaning: 'cannot open the database PATH', fix: 'check that the file is a mailbridge database and that you can write its folder' },
  TENANT_NOT_FOUND: { meaning: 'the identity platform does not know the tenant (AADSTS90002)', fix: 'check the Directory (tenant) ID on the app registration\'s Overview page, or use a verified domain of the tenant' },
  THROTTLED: { meaning: 'the server is throttling this client', fix: 'slow down and retry later: lower rateLimitPerMinute (Exchange Online allows 30 messages a minute per mailbox) or open fewer connections (20 per mailbox)' },
  TIMEOUT: { meaning: 'the server did not answer in time', fix: 'retry; if it keeps happening the network or the service is overloaded' },
  TLS_CA_FILE_INVALID: { meaning: 'CA_FILE holds no PEM certificate', fix: 'tls.caFile must be a PEM file starting with -----BEGIN CERTIFICATE-----' },
  TLS_CA_FILE_UNREADABLE: { meaning: 'cannot read the CA file CA_FILE', fix: 'point tls.caFile at a readable PEM file holding the CA certificate that signed the server certificate' },
  TLS_CERT_EXPIRED: { meaning: 'the TLS certificate of HOST has expired', fix: 'renew the server certificate' },
  TLS_HOSTNAME_MISMATCH: { meaning: 'the server\'s TLS certificate is for another host name', fix: 'use the host name the certificate names (e.g. outlook.office365.com)' },
  TLS_INSECURE_NOT_LOOPBACK: { meaning: 'tls.insecureLoopback is set but HOST is not a loopback host', fix: 'trust the server with tls.caFile (its CA certificate in PEM) instead; insecureLoopback only applies to 127.0.0.1/localhost test servers' },
  TLS_UNTRUSTED: { meaning: 'the server\'s TLS certificate is not signed by a trusted CA', fix: 'for a private or test server set tls.caFile to its CA certificate (PEM)' },
  TLS_WRONG_MODE: { meaning: 'the server does not speak TLS the way the resource says (implicit TLS vs STARTTLS/STLS)', fix: 'match server.secure to the port: tls on 993/995/465, starttls on 143/110/587' },
  TOKEN_ENDPOINT_HOST_NOT_FOUND: { meaning: 'the host name of the token endpoint does not resolve', fix: 'check the token URL for typos (--authority, --cloud, --token-url) and that DNS works on this machine' },
  TOKEN_ENDPOINT_THROTTLED: { meaning: 'the token endpoint kept answering HTTP 429 after retries', fix: 'retry in a few minutes; the stored refresh token was kept and its status is unchanged' },
  TOKEN_ENDPOINT_TLS_FAILED: { meaning: 'the TLS certificate of the token endpoint is not trusted or is for another host name', fix: 'check the token URL; for a private CA give the resource --ca-file or set NODE_EXTRA_CA_CERTS (for the sandbox: `mailbridge sandbox export-ca`)' },
  TOKEN_ENDPOINT_UNAVAILABLE: { meaning: 'the token endpoint kept failing (HTTP 5xx) after retries', fix: 'retry in a few minutes; the stored refresh token was kept and its status is unchanged' },
  TOKEN_ENDPOINT_UNREACHABLE: { meaning: 'cannot reach the token endpoint ENDPOINT: REASON', fix: 'check the network and the token URL; the stored refresh token was kept' },
  TOKEN_MISSING_PERMISSION: { meaning: 'the access token lacks the permission the protocol needs (scp or roles claim)', fix: 'add the permission to the resource scope (and grant it in the app registration), then run `mailbridge auth RESOURCE`' },
  TOKEN_RESPONSE_INVALID: { meaning: 'the token endpoint answered 200 without a usable token (the token response fails its schema)', fix: 'check that the token URL points at the identity platform (…/oauth2/v2.0/token)' },
  TOKEN_RESPONSE_TOO_LARGE: { meaning: 'the token endpoint answered with more bytes than a token response can hold; reading stopped', fix: 'check that the token URL points at the identity platform (…/oauth2/v2.0/token); the stored refresh token was kept' },
  TOKEN_STATE_BUSY: { meaning: 'the token state of NAME kept changing while saving', fix: 'another process is writing it; retry' },
  TOKEN_WRONG_AUDIENCE: { meaning: 'the access token is for another API than the protocol needs', fix: 'put a scope of the protocol\'s API first in the resource scope (e.g. https://outlook.office365.com/IMAP.AccessAsUser.All), then run `mailbridge token refresh RESOURCE`' },
  TOO_MANY_RECIPIENTS: { meaning: 'the message has COUNT recipients; the limit is MAX per message (Exchange Online\'s default)', fix: 'split the recipients over several messages, or use a distribution list' },
  TRIGGER_DELIVERY_DONE: { meaning: 'delivery DELIVERY_ID already succeeded', fix: 'only dead or failed deliveries can be replayed' },
  TRIGGER_DELIVERY_NOT_FOUND: { meaning: 'no delivery with id DELIVERY_ID', fix: 'list them with `mailbridge trigger history TRIGGER`' },
  TRIGGER_EXISTS: { meaning: 'a trigger named "NAME" already exists', fix: 'change it with PUT /api/triggers/NAME' },
  TRIGGER_INVALID: { meaning: 'invalid trigger FIELD: VALUE', fix: 'see `mailbridge trigger add --help` for the fields and their values' },
  TRIGGER_NOT_FOUND: { meaning: 'no trigger with that name', fix: 'list them with `mailbridge trigger list` or GET /api/triggers' },
  TRIGGER_RENAME: { meaning: 'a trigger cannot be renamed', fix: 'add a new trigger and remove the old one' },
  TRIGGER_REPLAY_SOURCE_GONE: { meaning: 'cannot replay delivery ID: the message is no longer where it was (WHY)', fix: 'it was moved or deleted on the server; find it in the mailbox and deliver it by hand' },
  TRIGGER_REPLAY_UNPARSABLE: { meaning: 'a dead letter cannot be replayed because the message still cannot be parsed', fix: 'save its raw source with `mailbridge trigger source ID > message.eml` and handle it by hand' },
  TRIGGER_SECRET_INVALID: { meaning: 'the webhook secret must be a string of at least 16 characters', fix: 'leave it out to have one generated' },
  TRIGGER_SECRET_MISSING: { meaning: 'environment variable SECRET_ENV is empty or unset', fix: 'export SECRET_ENV=... first, or leave out --secret-env to have a secret generated' },
  TRIGGER_SECRET_UNUSED: { meaning: 'trigger NAME: a signing secret only applies to a webhook target', fix: 'drop the secret, or use a webhook target' },
  TRIGGER_SOURCE_NOT_KEPT: { meaning: 'no raw source is kept for this delivery (only dead letters keep one, up to 25 MiB)', fix: 'get the message from the server with `mailbridge get NAME ID --raw`' },
  TRIGGER_TARGET_MISSING: { meaning: 'give exactly one delivery target', fix: 'use --webhook URL or --command PROGRAM [ARGS...]' },
  TRIGGER_UNSUPPORTED_FOR_RESOURCE: { meaning: 'the trigger asks for something its resource\'s protocol cannot do (e.g. a folder on POP3)', fix: 'change the trigger as the message says, or use a resource kind that supports it' },
  UNAUTHORIZED: { meaning: 'a REST call came without a valid API key or console session', fix: 'send `authorization: Bearer mbk_…` with an API key (create one in the console under API keys), or log in to the console' },
  UNSAFE_FILE_NAME: { meaning: 'a file name derived from server or sender data was not a plain name inside the target folder; nothing was written', fix: 'this is a bug in mailbridge\'s file naming: report it with the server id that caused it' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A code listed in {@link errorCodes}. */
export type RegisteredErrorCode = keyof typeof errorCodes;

/**
 * Microsoft Entra error codes as the identity platform returns them (`AADSTS700082`); see
 * https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
export type AadstsCode = `AADSTS${number}`;

/**
 * An OAuth 2.0 `error` value (RFC 6749 section 5.2, RFC 8628 section 3.5) without an AADSTS code, upper-cased:
 * `OAUTH_INVALID_GRANT`, `OAUTH_ACCESS_DENIED`.
 */
export type OAuthErrorCode = `OAUTH_${Uppercase<string>}`;

/** Every code a {@link MailbridgeError} can carry. */
export type ErrorCode = RegisteredErrorCode | AadstsCode | OAuthErrorCode;

/**
 * The code for an OAuth 2.0 `error` value that carries no AADSTS code.
 *
 * @param error - the `error` parameter of an authorization or token error response, e.g. `invalid_grant`
 * @returns e.g. `OAUTH_INVALID_GRANT`
 */
export function oauthErrorCode(error: string): OAuthErrorCode {
  return `OAUTH_${error.toUpperCase()}` as OAuthErrorCode;
}

/**
 * `code` typed as an {@link AadstsCode}, or `undefined` when it is not of the form `AADSTS<digits>`.
 *
 * @param code - e.g. `AADSTS700082`
 */
export function aadstsCode(code: string | undefined): AadstsCode | undefined {
  return code !== undefined && /^AADSTS\d+$/.test(code) ? (code as AadstsCode) : undefined;
}

/**
 * Whether `code` is a code mailbridge raises (registered, or of the AADSTS / OAUTH_ families).
 *
 * @param code - any string, e.g. the `error.code` of a REST answer
 */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code) || /^AADSTS\d+$/.test(code) || /^OAUTH_[A-Z0-9_]+$/.test(code);
}
