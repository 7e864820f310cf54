import type { Resource } from '../config/resource.js';
import { ConfigError, type MailbridgeError } from '../errors.js';
import { SANDBOX } from '../sandbox/identity/index.js';
import type { Store } from '../store/store.js';

/** Codes that mean "nothing listens there", whatever the protocol. */
const UNREACHABLE = new Set(['CONNECTION_REFUSED', 'TOKEN_ENDPOINT_UNREACHABLE']);

/** host:port of every endpoint a resource talks to (mail server and token endpoint). */
function endpointsOf(r: Resource): string[] {
  const hostPort = (u: string): string | undefined => {
    try {
      const url = new URL(u);
      return url.port ? `${url.hostname}:${url.port}` : undefined;
    } catch {
      return undefined;
    }
  };
  const server = /^https?:\/\//i.test(r.server.host) ? hostPort(r.server.host) : `${r.server.host}:${r.server.port}`;
  return [server, r.oauth ? hostPort(r.oauth.tokenUrl) : undefined].filter((e): e is string => e !== undefined);
}

/**
 * A refused connection to a sandbox resource almost always means the sandbox (`mailbridge demo`
 * or `sandbox start`) has stopped; the generic "check the port and your firewall" would send the
 * person looking in the wrong place. Returns the plainer error, or undefined when it does not apply.
 */
export async function explainSandboxDown(store: () => Promise<Store>, e: MailbridgeError, argv: readonly string[]): Promise<ConfigError | undefined> {
  if (!UNREACHABLE.has(e.code)) return undefined;
  // Several resources share the sandbox's token endpoint: name the one the command was about.
  const resources = (await (await store()).listResources()).sort((a, b) => Number(argv.includes(b.name)) - Number(argv.includes(a.name)));
  for (const r of resources) {
    if (r.oauth?.tenantId !== SANDBOX.tenantId) continue;
    const endpoint = endpointsOf(r).find((hp) => e.message.includes(hp));
    if (!endpoint) continue;
    const demo = r.name.startsWith('demo-');
    return new ConfigError({
      code: 'SANDBOX_NOT_RUNNING', cause: e,
      message: `${r.name} points at the mailbridge sandbox (${endpoint}), which is not running`,
      hint: demo
        ? `start it with \`mailbridge demo\` and run this again while it runs (it re-points the demo-* resources)`
        : 'start it again with `mailbridge sandbox start` (it writes a resources file with its new ports)',
    });
  }
  return undefined;
}
