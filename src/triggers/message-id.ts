/** Message-IDs compared without angle brackets or surrounding space (the envelope and the parser differ). */
export function normalizeMessageId(id: string | undefined): string | undefined {
  const t = id?.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
  return t ? t : undefined;
}
