/** Exchange Online's message rate limit for a sending mailbox (microsoft.md §3.7). */
export const MESSAGES_PER_MINUTE = 30;

/** A sliding one-minute window of submissions per mailbox, on the sandbox clock. */
export class SubmissionRate {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly now: () => number, private readonly limit = MESSAGES_PER_MINUTE) {}

  /** Counts one submission if the mailbox is under the limit; false when it is over. */
  take(mailbox: string): boolean {
    const t = this.now();
    const recent = (this.sent.get(mailbox) ?? []).filter((s) => t - s < 60_000);
    if (recent.length >= this.limit) {
      this.sent.set(mailbox, recent);
      return false;
    }
    recent.push(t);
    this.sent.set(mailbox, recent);
    return true;
  }
}
