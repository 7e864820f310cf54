/**
 * How many things a message's HTML would load from the network (images, style sheets, fonts,
 * frames, backgrounds): the frame's CSP blocks them all, and the console says how many it
 * blocked. A count for the note only; the blocking itself is the CSP's, not this scan's.
 */
export function countRemoteReferences(htmlText: string): number {
  const attrs = htmlText.match(/\b(?:src|href|background|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?\/\//gi) ?? [];
  // <a href> is a link a person may follow, not a load: leave anchors out.
  const anchors = htmlText.match(/<a\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?\/\//gi) ?? [];
  const cssUrls = htmlText.match(/url\(\s*["']?\s*(?:https?:)?\/\//gi) ?? [];
  const imports = htmlText.match(/@import\s+["']\s*(?:https?:)?\/\//gi) ?? [];
  return Math.max(0, attrs.length - anchors.length) + cssUrls.length + imports.length;
}
