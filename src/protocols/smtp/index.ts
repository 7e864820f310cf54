export { createSmtpSender, type OutgoingMessage, type SendResult, type SmtpSender, type SmtpSenderOptions } from './sender.js';
export { smtpTransportOptions, type SmtpPoolSettings } from './transport-options.js';
