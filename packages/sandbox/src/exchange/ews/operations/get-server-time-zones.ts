import { EwsError } from '../soap.js';
import type { XmlObject } from '../xml.js';
import { m, ts } from '../xml.js';
import { each, type Operation } from './types.js';

/**
 * GetServerTimeZones: the Windows time zones the server knows, by id; all when no t:Id is asked.
 * https://learn.microsoft.com/exchange/client-developer/web-service-reference/getservertimezones
 * The sandbox knows a few zones without daylight saving time (one period, one transition), so
 * the full data is exact for them; an unknown id fails the message with ErrorTimeZone.
 */
interface Zone {
  id: string;
  name: string;
  /** Minutes to add to local time to get UTC (EWS's Bias sign). */
  bias: number;
}

const ZONES: readonly Zone[] = [
  { id: 'UTC', name: '(UTC) Coordinated Universal Time', bias: 0 },
  { id: 'Tokyo Standard Time', name: '(UTC+09:00) Osaka, Sapporo, Tokyo', bias: -540 },
  { id: 'India Standard Time', name: '(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi', bias: -330 },
  { id: 'Hawaiian Standard Time', name: '(UTC-10:00) Hawaii', bias: 600 },
];

/** Minutes as xs:duration, negative for zones east of UTC (e.g. -PT9H, -PT5H30M). */
export function biasDuration(minutes: number): string {
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const min = abs % 60;
  const body = abs === 0 ? 'PT0M' : `PT${h ? `${h}H` : ''}${min ? `${min}M` : ''}`;
  return minutes < 0 ? `-${body}` : body;
}

function definition(zone: Zone, full: boolean): XmlObject {
  const head = { '@_Id': zone.id, '@_Name': zone.name };
  if (!full) return head;
  const period = `trule:Microsoft/Registry/${zone.id}/1-Standard`;
  return {
    ...head,
    't:Periods': { 't:Period': [{ '@_Bias': biasDuration(zone.bias), '@_Name': 'Standard', '@_Id': period }] },
    't:TransitionsGroups': {
      't:TransitionsGroup': [{ '@_Id': '0', 't:Transition': [{ 't:To': { '@_Kind': 'Period', '#text': period } }] }],
    },
    't:Transitions': { 't:Transition': [{ 't:To': { '@_Kind': 'Group', '#text': '0' } }] },
  };
}

export const getServerTimeZones: Operation = async (_call, op) => {
  const full = op.attrs.ReturnFullTimeZoneData !== 'false';
  const ids = ts(m(op, 'Ids'), 'Id').map((n) => n.text.trim());
  return each(
    'GetServerTimeZonesResponseMessage',
    [ids],
    async (wanted) => {
      const chosen =
        wanted.length === 0
          ? ZONES
          : wanted.map((id) => {
              const zone = ZONES.find((z) => z.id === id);
              if (!zone) throw new EwsError('ErrorTimeZone', `The time zone '${id}' is not known to the sandbox.`);
              return zone;
            });
      return { 'm:TimeZoneDefinitions': { 't:TimeZoneDefinition': chosen.map((z) => definition(z, full)) } };
    },
    { 'm:TimeZoneDefinitions': {} },
  );
};
