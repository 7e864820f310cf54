import type { ExchangeContext } from '../contract.js';
import { bearerToken, tokenRefusal } from './auth.js';
import { buildXml, parseXml, XmlSyntaxError, type XNode, type XmlObject } from './xml.js';

/**
 * SOAP Autodiscover's GetUserSettings at /autodiscover/autodiscover.svc, the one the EWS
 * Managed API (and ews-javascript-api's AutodiscoverService) calls: the EWS URL of each asked
 * user. https://learn.microsoft.com/exchange/client-developer/web-service-reference/getusersettings-operation-soap
 * Settings served: ExternalEwsUrl, InternalEwsUrl (both this sandbox's EWS endpoint),
 * UserDisplayName; any other name → a UserSettingError InvalidSetting. A user without a mailbox
 * → the user response's ErrorCode InvalidUser. Only GetUserSettingsRequestMessage is answered.
 */
const AD = 'http://schemas.microsoft.com/exchange/2010/Autodiscover';
const WSA = 'http://www.w3.org/2005/08/addressing';
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const ACTION = 'http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings';

export interface AutodiscoverAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const kids = (n: XNode | undefined, name: string) => n?.children.filter((c) => c.ns === AD && c.name === name) ?? [];
const kid = (n: XNode | undefined, name: string) => kids(n, name)[0];

function envelope(action: string, body: XmlObject): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    buildXml({
      's:Envelope': {
        '@_xmlns:s': SOAP,
        '@_xmlns:a': WSA,
        's:Header': {
          'a:Action': { '@_s:mustUnderstand': 1, '#text': action },
          'h:ServerVersionInfo': {
            '@_xmlns:h': AD,
            '@_xmlns:i': XSI,
            'h:MajorVersion': 15,
            'h:MinorVersion': 20,
            'h:MajorBuildNumber': 8,
            'h:MinorBuildNumber': 0,
            'h:Version': 'Exchange2015',
          },
        },
        's:Body': body,
      },
    })
  );
}

/** A request Autodiscover cannot read: a SOAP fault, as WCF answers it. */
function fault(message: string): AutodiscoverAnswer {
  const body = { 's:Fault': { faultcode: 's:Client', faultstring: { '@_xml:lang': 'en-US', '#text': message } } };
  return { status: 500, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: envelope(`${WSA}/fault`, body) };
}

export async function handleAutodiscover(
  ctx: ExchangeContext,
  req: { authorization: string | undefined; host: string; body: string },
): Promise<AutodiscoverAnswer> {
  const token = bearerToken(req.authorization);
  if (!token) return { ...tokenRefusal('missing'), body: '' };
  // Autodiscover takes the tokens EWS takes (Exchange's audience).
  const checked = await ctx.tokens.validate(token, {
    audience: 'outlook',
    anyScope: ['EWS.AccessAsUser.All'],
    anyRole: ['full_access_as_app'],
  });
  if (!checked.ok) return { ...tokenRefusal(checked.reason), body: '' };

  let root: XNode;
  try {
    root = parseXml(req.body);
  } catch (e) {
    if (e instanceof XmlSyntaxError) return fault(e.message);
    throw e;
  }
  const body = root.children.find((c) => c.ns === SOAP && c.name === 'Body');
  const request = kid(kid(body, 'GetUserSettingsRequestMessage'), 'Request');
  if (!request) return fault('The sandbox answers GetUserSettingsRequestMessage only.');
  const users = kids(kid(request, 'Users'), 'User').map((u) => kid(u, 'Mailbox')?.text.trim().toLowerCase() ?? '');
  const names = kids(kid(request, 'RequestedSettings'), 'Setting').map((s) => s.text.trim());
  const ews = `https://${req.host}/EWS/Exchange.asmx`;

  const responses = users.map((address) => {
    const mailbox = ctx.store.mailbox(address);
    if (!mailbox) {
      return {
        ErrorCode: 'InvalidUser',
        ErrorMessage: `Invalid user: '${address}'`,
        RedirectTarget: { '@_i:nil': true },
        UserSettingErrors: {},
        UserSettings: {},
      };
    }
    const user = ctx.directory.get(address);
    const known: Record<string, string> = {
      ExternalEwsUrl: ews,
      InternalEwsUrl: ews,
      UserDisplayName: user?.displayName ?? address,
    };
    const settings = names
      .filter((n) => n in known)
      .map((n) => ({ '@_i:type': 'StringSetting', Name: n, Value: known[n]! }));
    const errors = names
      .filter((n) => !(n in known))
      .map((n) => ({
        ErrorCode: 'InvalidSetting',
        ErrorMessage: `The setting '${n}' is not served by the sandbox.`,
        SettingName: n,
      }));
    return {
      ErrorCode: 'NoError',
      ErrorMessage: 'No error.',
      RedirectTarget: { '@_i:nil': true },
      UserSettingErrors: errors.length ? { UserSettingError: errors } : {},
      UserSettings: settings.length ? { UserSetting: settings } : {},
    };
  });
  const answer = {
    GetUserSettingsResponseMessage: {
      '@_xmlns': AD,
      Response: {
        '@_xmlns:i': XSI,
        ErrorCode: 'NoError',
        ErrorMessage: '',
        UserResponses: { UserResponse: responses },
      },
    },
  };
  return {
    status: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: envelope(`${ACTION}Response`, answer),
  };
}
