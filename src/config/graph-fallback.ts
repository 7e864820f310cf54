import { CLOUD_HOSTS } from './clouds.js';
import type { Cloud, Resource } from './resource.js';
import { scopeResource, splitScopes } from './scopes.js';

/**
 * What an smtp resource's Graph fallback needs besides the URL: a Graph token from the same
 * grant. Delegated grants get it from `{graph}/Mail.Send` in the consented scope (the refresh
 * token then serves Graph too); app-only grants from the application permission Mail.Send
 * (Graph's `.default`), which the scope cannot ask for.
 */

/** Graph's App ID URI, the fallback's token audience and default base URL, for a cloud. */
export function graphResourceFor(cloud: Cloud | undefined): string {
  return `https://${CLOUD_HOSTS[cloud ?? 'global'].graph}`;
}

/** The delegated scope that lets the grant send through Graph, fully qualified for the cloud. */
export function graphSendScope(cloud: Cloud | undefined): string {
  return `${graphResourceFor(cloud)}/Mail.Send`;
}

/** Whether the scope asks for Graph's Mail.Send (fully qualified, or bare, which at Microsoft means Graph). */
export function scopeHasGraphSend(scope: string, cloud: Cloud | undefined): boolean {
  const graph = graphResourceFor(cloud);
  return splitScopes(scope).some((s) => /(^|\/)Mail\.Send$/i.test(s) && scopeResource(s, graph) === graph);
}

/** The scope with `{graph}/Mail.Send` appended after the mail scopes (the first resource keeps the token). */
export function withGraphSendScope(scope: string, cloud: Cloud | undefined): string {
  return scopeHasGraphSend(scope, cloud) ? scope : `${scope.trim()} ${graphSendScope(cloud)}`;
}

/**
 * What to tell a person who turned the fallback on: where it sends and what the app
 * registration and the consent need. Nothing when the fallback is off.
 */
export function graphFallbackNotes(r: Resource): string[] {
  if (!r.graphFallback) return [];
  const out = [`Graph fallback on: when SMTP AUTH is refused (5.7.139) messages go through ${r.graphFallback.baseUrl} sendMail`];
  if (r.oauth?.flow === 'client_credentials') {
    out.push('add the application permission Microsoft Graph > Mail.Send to the app registration (API permissions) and grant admin consent');
  } else {
    out.push(`the scope includes ${graphSendScope(r.cloud)}: add the delegated permission Microsoft Graph > Mail.Send to the app registration ` +
      `(API permissions), then consent again with \`mailbridge auth ${r.name}\``);
  }
  return out;
}
