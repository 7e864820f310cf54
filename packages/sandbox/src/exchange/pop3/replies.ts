/** Exchange Online's POP3 wording (microsoft.md §3.4); the greeting bracket is base64(UTF-16LE(server FQDN)). */
export const POP3_SERVER_FQDN = 'SANDBOX01.sandbox.prod.outlook.com';

export const POP3 = {
  greeting: `+OK The Microsoft Exchange POP3 service is ready. [${Buffer.from(POP3_SERVER_FQDN, 'utf16le').toString('base64')}]`,
  authOk: '+OK User successfully authenticated.',
  authFailed: '-ERR Authentication failure: unknown user name or bad password.',
  notInThisState: '-ERR Command is not valid in this state.',
  protocolError: '-ERR Protocol error.',
  outOfRange: '-ERR The specified message is out of range.',
  deleted: '-ERR The specified message has been deleted.',
  signingOff: '+OK Microsoft Exchange Server POP3 server signing off.',
  unavailable: '-ERR Server Unavailable. 21',
  tlsGo: '+OK Begin TLS negotiation',
} as const;
