import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ExchangeFault } from './contract.js';

export const faultSpecSchema = z.object({
  protocol: z.enum(['smtp', 'imap', 'pop3', 'ews', 'graph']),
  mailbox: z.string().includes('@').optional(),
  kind: z.enum(['throttle', 'drop_connection', 'slow', 'server_error']),
  value: z.number().int().min(0).optional(),
  times: z.number().int().positive().optional(),
});
export type FaultSpec = z.input<typeof faultSpecSchema>;

/** Faults tests switch on: each endpoint asks `take()` at the points where it can apply one. */
export class FaultRegistry {
  private readonly faults: ExchangeFault[] = [];

  add(spec: FaultSpec): ExchangeFault {
    const s = faultSpecSchema.parse(spec);
    const fault: ExchangeFault = {
      id: `fault-${randomBytes(6).toString('hex')}`,
      protocol: s.protocol,
      kind: s.kind,
      ...(s.mailbox ? { mailbox: s.mailbox.toLowerCase() } : {}),
      ...(s.value !== undefined ? { value: s.value } : {}),
      ...(s.times !== undefined ? { times: s.times } : {}),
    };
    this.faults.push(fault);
    return { ...fault };
  }

  list(): ExchangeFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.faults.splice(i, 1);
    return true;
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first fault for this protocol (and mailbox, when the fault names one); counts one use. */
  take(protocol: ExchangeFault['protocol'], mailbox?: string): ExchangeFault | undefined {
    const m = mailbox?.toLowerCase();
    const i = this.faults.findIndex((f) => f.protocol === protocol && (!f.mailbox || f.mailbox === m));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) this.faults.splice(i, 1);
    }
    return { ...f };
  }
}
