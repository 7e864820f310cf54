import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, startEwsRig, type EwsRig } from './support.js';

// SOAP Autodiscover GetUserSettings as the EWS Managed API writes it. Microsoft publishes no XSD
// for it with the EWS schema files, so the answers are checked by content only.
const AD = 'http://schemas.microsoft.com/exchange/2010/Autodiscover';
const WSA = 'http://www.w3.org/2005/08/addressing';
const request = (users: string[], settings: string[]) => `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:a="${AD}" xmlns:wsa="${WSA}" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>
    <wsa:Action>${AD}/Autodiscover/GetUserSettings</wsa:Action></soap:Header>
  <soap:Body><a:GetUserSettingsRequestMessage><a:Request>
    <a:Users>${users.map((u) => `<a:User><a:Mailbox>${u}</a:Mailbox></a:User>`).join('')}</a:Users>
    <a:RequestedSettings>${settings.map((s) => `<a:Setting>${s}</a:Setting>`).join('')}</a:RequestedSettings>
  </a:Request></a:GetUserSettingsRequestMessage></soap:Body>
</soap:Envelope>`;

describe('Autodiscover: GetUserSettings', () => {
  let rig: EwsRig;
  let url: string;
  before(async () => {
    rig = await startEwsRig();
    url = `${rig.url}/autodiscover/autodiscover.svc`;
  });
  after(() => rig.close());

  it('the EWS URL per user; an unknown user is InvalidUser and an unknown setting a UserSettingError', async () => {
    const token = await rig.userToken();
    const res = await rig.post(
      request([SANDBOX.alice, 'ghost@contoso.onmicrosoft.com'], ['ExternalEwsUrl', 'CasVersion']),
      { token, url },
    );
    assert.equal(res.status, 200, res.text);
    // The EWS URL on the host the client reached Autodiscover by.
    assert.deepEqual(all(res.text, /<Value>([^<]+)<\/Value>/), [`https://${new URL(url).host}/EWS/Exchange.asmx`]);
    assert.deepEqual(all(res.text, /<SettingName>([^<]+)</), ['CasVersion']);
    assert.deepEqual(all(res.text, /<ErrorCode>([^<]+)</), ['NoError', 'NoError', 'InvalidSetting', 'InvalidUser']);
  });

  it('no token → 401 with the Bearer challenge, as EWS', async () => {
    const res = await rig.post(request([SANDBOX.alice], ['ExternalEwsUrl']), { url });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
  });

  it('a request other than GetUserSettings is a SOAP fault', async () => {
    const res = await rig.post(
      request([SANDBOX.alice], []).replace(/GetUserSettingsRequestMessage/g, 'GetDomainSettingsRequestMessage'),
      {
        token: await rig.userToken(),
        url,
      },
    );
    assert.equal(res.status, 500);
    assert.match(res.text, /<s:Fault>/);
  });
});
