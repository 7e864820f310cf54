/**
 * mailbridge: send and receive mail through Microsoft 365 / Exchange Online (and any OAuth 2.0 mail provider) over
 * IMAP, POP3, SMTP, EWS and Microsoft Graph.
 *
 * The main entry point holds what an application needs: open a store, hand it to a {@link TokenManager}, open a
 * {@link Mailbox} for a resource and send or read mail; run triggers with TypeScript handlers; catch
 * {@link MailbridgeError}s by their registered {@link ErrorCode}. Sub-entry points: `mailbridge/oauth` (the OAuth 2.0
 * grants step by step), `mailbridge/server` (the REST service), `mailbridge/webhook` (verifying a webhook delivery
 * without loading the rest), `mailbridge/sandbox` (the offline Microsoft 365 emulator for tests and CI).
 *
 * @example
 * ```ts
 * import { openStore, TokenManager, openMailbox } from 'mailbridge';
 *
 * const store = await openStore({ home: '/var/lib/mailbridge', env: process.env });
 * const tokens = new TokenManager({ store });
 * const mailbox = await openMailbox({ resource: 'outbox', store, tokens });
 * await mailbox.send({ from: 'me@contoso.com', to: ['you@contoso.com'], subject: 'Hello', text: 'Hi' });
 * await mailbox.close();
 * await store.close();
 * ```
 *
 * @packageDocumentation
 */

// Errors and their codes.
export {
  AuthError, ConfigError, MailbridgeError, ProtocolError, StoreError, UnsupportedError, isMailbridgeError,
  aadstsCode, errorCodes, isErrorCode, oauthErrorCode,
} from './errors.js';
export type { AadstsCode, ErrorCode, ErrorCodeInfo, ErrorDetails, OAuthErrorCode, RegisteredErrorCode } from './errors.js';
export { Secret, maskSecret } from './secret.js';
export { createLogger, type Logger } from './log.js';

// Resources (what to connect to, and how to sign in).
export {
  AUTH_TYPES, CLIENT_AUTH_METHODS, CLOUDS, OAUTH_FLOWS, REFRESH_TOKEN_STATUSES, RESOURCE_KINDS, SECURE_MODES, oauthSchema,
  resourceSchema, serverSchema, tlsSchema,
} from './config/resource.js';
export type { ResourceSecrets } from './config/validate.js';
export type { ResourceWarning } from './config/warnings.js';
export type {
  AuthType, ClientAuthMethod, Cloud, OAuthFlow, OAuthSettings, RefreshTokenStatus, Resource, ResourceInput,
  ResourceKind, SecureMode, ServerSettings, TlsSettings,
} from './config/resource.js';
export { loadConfigFile, parseConfigText, type ResourceWithSecrets } from './config/file.js';

// The store.
export { openStore, databaseTarget, type DatabaseTarget } from './store/open.js';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres.js';
export { createSealer, type Sealer } from './store/seal.js';
export type {
  AccessTokenRecord, ConsentStore, CoordinationStore, CredentialRow, CredentialRowStore, DeliveryExchange, DeliveryOutcome, DeliveryRecord,
  DeliverySource, DeliveryTiming, DeliveryStatus, LeaseRecord, LeaseRequest, PendingConsent, ResourceStore, SealingStore, SecretKind, Store,
  TokenState, TokenStateInput, TokenStore, TriggerCheckpoint, TriggerCheckpointInput, TriggerEvent, TriggerRecord,
  TriggerStore, EwsStreamingState, EwsStreamingStore,
} from './store/store.js';
export type {
  GraphNotificationKind, GraphNotificationRow, GraphNotifyStore, GraphSubscriptionRecord,
} from './store/graph-notify.js';
export type {
  DeadLetterRecord, GatewayUsageProtocol, GatewayUsageRecord, GatewayUserRecord, RelayedRecord, SpoolDsn, SpoolEntry,
  SpoolEntryInput, SubmissionKey, SubmissionTake, SubmissionWindow,
} from './store/gateway.js';
export type { AttemptAction, AttemptArea, AttemptEvent, AttemptOutcome, AttemptStore, ResourceAttempts } from './store/attempts.js';

// Tokens.
export { TokenManager } from './auth/token-manager.js';
export type { AccessToken, GetAccessTokenOptions, TokenCheck, TokenManagerOptions, TokenStatusReport } from './auth/token-manager.js';
export type { TokenWait } from './auth/token-endpoint.js';
export type { AccessTokenProvider } from './auth/token-provider.js';

// Mail.
export { openMailbox, type OpenMailboxOptions } from './mail/open.js';
export { parseAfterAction, formatAfterAction } from './message/after-action.js';
export { parseMessageFilter, messageFilterSchema } from './message/filter.js';
export type {
  Address, FolderInfo, FolderOption, ListOptions, Mailbox, MessageSummary, RawSource, SavedAttachment,
} from './mail/mailbox.js';
export type { AfterAction } from './message/after-action.js';
export type { MessageFilter } from './message/filter.js';
export type { SendResult } from './message/message.js';
export type {
  AddressInput, AttachmentInfo, DraftAttachment, DraftAttachmentSource, DraftEncoding, Importance, MailAddress, MailDraft,
  MailMessage,
} from './message/message.js';
export { buildRawMessage, composeMessage, mailDraftSchema, parseMailDraft, type ComposeOptions } from './message/compose.js';
export { parseMessage, type ParseContext, type ParsedAttachment, type ParsedMessage } from './message/parse.js';

// Triggers.
export { TriggerRunner } from './triggers/runner.js';
export type { LeaseOptions, TriggerRunnerOptions, TriggerRunnerStatus } from './triggers/runner.js';
export { NotificationHub } from './triggers/notify/hub.js';
export type { AcceptResult, IncomingNotification, NotificationHandler, NotificationHubOptions } from './triggers/notify/hub.js';
export type { WatcherState, WatcherStatus } from './triggers/watcher.js';
export type { ParsedDelivery, TriggerHandler } from './triggers/deliver.js';
export { parseTriggerDefinition, triggerDefinitionSchema } from './config/trigger.js';
export type {
  DeliveryTarget, RetryPolicy, TriggerDefinition, TriggerDefinitionInput, TriggerFilter,
} from './config/trigger.js';
export { saveTrigger } from './triggers/save.js';
export { replayDelivery, type ReplayOptions } from './triggers/replay.js';
export {
  DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody, verifyWebhookSignature,
} from './triggers/webhook.js';
export type { PayloadAttachment, WebhookPayload } from './triggers/payload.js';
