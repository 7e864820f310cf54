import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { Secret } from '../secret.js';
import type { GatewayStore, GatewayUsageRecord, GatewayUserRecord } from '../store/gateway.js';
import type { GatewayDirectory, GatewayLogin, GatewayProtocol } from './directory.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import { SlidingWindowLimiter } from './rate-limit.js';

/**
 * Gateway users: a local name and password (scrypt) for a legacy client, mapped to the resource
 * that sends for it (SMTP) and the one it reads (IMAP/POP3), and the From addresses it may use.
 * This is the one place that creates, changes and checks them: the CLI, REST, the console and
 * the protocol gateways (through {@link GatewayDirectory}) all come here.
 */

export interface GatewayUserInput {
  name: string;
  /** Omitted: a random password is made and returned once. */
  password?: Secret;
  sendResource?: string;
  receiveResource?: string;
  /** Addresses (`a@b.example`) or whole domains (`@b.example`); empty = the send resource's own address. */
  allowedFrom?: string[];
  disabled?: boolean;
}

/** A user as listed: never the hash. */
export interface GatewayUserView {
  name: string;
  disabled: boolean;
  sendResource?: string;
  receiveResource?: string;
  allowedFrom: string[];
  createdAt: number;
  updatedAt: number;
  usage: Omit<GatewayUsageRecord, 'name'>[];
}

export interface LoginLimits {
  /** Failed logins per source address within the window before it is refused outright. Default 10. */
  failuresPerSource?: number;
  /** Failed logins per user name within the window. Default 20. */
  failuresPerUser?: number;
  /** Default 15 minutes. */
  windowMs?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const ADDRESS = /^[^\s@<>()",;:]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/;
const DOMAIN = /^@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/;

export function checkUserName(name: string): string {
  if (!NAME.test(name)) {
    throw new ConfigError({
      code: 'GATEWAY_USER_INVALID',
      field: 'name',
      message: `"${name.slice(0, 40)}" is not a valid gateway user name`,
      hint: 'use 1–128 letters, digits and . _ @ + - (starting with a letter or digit)',
    });
  }
  return name;
}

export function normaliseAllowedFrom(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const a = raw.trim().toLowerCase();
    if (!a) continue;
    if (!ADDRESS.test(a) && !DOMAIN.test(a)) {
      throw new ConfigError({
        code: 'GATEWAY_USER_INVALID',
        field: 'allowedFrom',
        message: `"${raw.slice(0, 80)}" is neither an address nor a domain (@example.com)`,
        hint: 'give addresses like printer@contoso.com or whole domains like @contoso.com',
      });
    }
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

function checkPassword(p: Secret): Secret {
  const v = p.reveal();
  if (v.length < 8 || v.length > 256 || /[\r\n\0]/.test(v)) {
    throw new ConfigError({
      code: 'GATEWAY_PASSWORD_WEAK',
      field: 'password',
      message: 'a gateway password must be 8 to 256 characters, without line breaks',
      hint: 'choose a longer password, or leave it out and a random one is generated and printed once',
    });
  }
  return p;
}

function notFound(name: string): ConfigError {
  return new ConfigError({
    code: 'GATEWAY_USER_NOT_FOUND',
    field: 'name',
    message: `no gateway user named "${name}"`,
    hint: 'list them with `mailbridge gateway user list`, or add one with `mailbridge gateway user add NAME --send RESOURCE`',
  });
}

/** Does `address` match the allow-list (exact address or `@domain`)? */
export function fromAllowed(allowed: readonly string[], address: string): boolean {
  const a = address.toLowerCase();
  const domain = a.slice(a.lastIndexOf('@'));
  return allowed.some((x) => x === a || (x.startsWith('@') && x === domain));
}

export class GatewayUsers implements GatewayDirectory {
  readonly #store: GatewayStore;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #bySource: SlidingWindowLimiter;
  readonly #byUser: SlidingWindowLimiter;
  /** Resource names that exist (checked when a user is mapped); undefined = not checked. */
  readonly #resourceExists: ((name: string) => Promise<boolean>) | undefined;

  constructor(opts: {
    store: GatewayStore;
    logger?: Logger;
    now?: () => number;
    limits?: LoginLimits;
    resourceExists?: (name: string) => Promise<boolean>;
  }) {
    this.#store = opts.store;
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
    const windowMs = opts.limits?.windowMs ?? 15 * 60_000;
    this.#bySource = new SlidingWindowLimiter(opts.limits?.failuresPerSource ?? 10, windowMs, this.#now);
    this.#byUser = new SlidingWindowLimiter(opts.limits?.failuresPerUser ?? 20, windowMs, this.#now);
    this.#resourceExists = opts.resourceExists;
  }

  async #checkResource(name: string | undefined, field: string): Promise<void> {
    if (name === undefined || !this.#resourceExists) return;
    if (!(await this.#resourceExists(name))) {
      throw new ConfigError({
        code: 'RESOURCE_NOT_FOUND',
        field,
        message: `no resource named "${name}"`,
        hint: 'list them with `mailbridge resource list`, or add one with `mailbridge resource add`',
      });
    }
  }

  /** Adds a user; returns the generated password when none was given (shown once, never stored). */
  async add(input: GatewayUserInput): Promise<{ user: GatewayUserView; generatedPassword?: Secret }> {
    const name = checkUserName(input.name);
    if (await this.#store.getGatewayUser(name)) {
      throw new ConfigError({
        code: 'GATEWAY_USER_EXISTS',
        field: 'name',
        message: `a gateway user named "${name}" already exists`,
        hint: `change it with \`mailbridge gateway user reset-password ${name}\` or remove it first`,
      });
    }
    if (!input.sendResource && !input.receiveResource) {
      throw new ConfigError({
        code: 'GATEWAY_USER_INVALID',
        field: 'sendResource',
        message: `gateway user "${name}" maps to no resource`,
        hint: 'give --send RESOURCE (SMTP) and/or --receive RESOURCE (IMAP/POP3)',
      });
    }
    await this.#checkResource(input.sendResource, 'sendResource');
    await this.#checkResource(input.receiveResource, 'receiveResource');
    const generated = input.password ? undefined : new Secret(generatePassword());
    const password = checkPassword(input.password ?? generated!);
    const now = this.#now();
    const record: GatewayUserRecord = {
      name,
      passwordHash: await hashPassword(password),
      disabled: input.disabled ?? false,
      ...(input.sendResource ? { sendResource: input.sendResource } : {}),
      ...(input.receiveResource ? { receiveResource: input.receiveResource } : {}),
      allowedFrom: normaliseAllowedFrom(input.allowedFrom ?? []),
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.putGatewayUser(record);
    this.#logger?.info(
      { gatewayUser: name, sendResource: record.sendResource, receiveResource: record.receiveResource },
      'gateway: user added',
    );
    return { user: await this.get(name), ...(generated ? { generatedPassword: generated } : {}) };
  }

  async get(name: string): Promise<GatewayUserView> {
    const u = await this.#store.getGatewayUser(name);
    if (!u) throw notFound(name);
    return this.#view(u, await this.#store.gatewayUsage(name));
  }

  async list(): Promise<GatewayUserView[]> {
    const [users, usage] = await Promise.all([this.#store.listGatewayUsers(), this.#store.gatewayUsage()]);
    return users.map((u) =>
      this.#view(
        u,
        usage.filter((x) => x.name === u.name),
      ),
    );
  }

  /** Changes the mapping or the allowed From addresses (only the fields given). */
  async update(
    name: string,
    patch: { sendResource?: string | null; receiveResource?: string | null; allowedFrom?: string[] },
  ): Promise<GatewayUserView> {
    const u = await this.#store.getGatewayUser(name);
    if (!u) throw notFound(name);
    if (patch.sendResource) await this.#checkResource(patch.sendResource, 'sendResource');
    if (patch.receiveResource) await this.#checkResource(patch.receiveResource, 'receiveResource');
    const next: GatewayUserRecord = { ...u, updatedAt: this.#now() };
    if (patch.sendResource !== undefined) {
      if (patch.sendResource === null) delete next.sendResource;
      else next.sendResource = patch.sendResource;
    }
    if (patch.receiveResource !== undefined) {
      if (patch.receiveResource === null) delete next.receiveResource;
      else next.receiveResource = patch.receiveResource;
    }
    if (patch.allowedFrom) next.allowedFrom = normaliseAllowedFrom(patch.allowedFrom);
    await this.#store.putGatewayUser(next);
    return this.get(name);
  }

  async resetPassword(name: string, password?: Secret): Promise<{ generatedPassword?: Secret }> {
    const u = await this.#store.getGatewayUser(name);
    if (!u) throw notFound(name);
    const generated = password ? undefined : new Secret(generatePassword());
    const hash = await hashPassword(checkPassword(password ?? generated!));
    await this.#store.putGatewayUser({ ...u, passwordHash: hash, updatedAt: this.#now() });
    this.#logger?.info({ gatewayUser: name }, 'gateway: password reset');
    return generated ? { generatedPassword: generated } : {};
  }

  async setDisabled(name: string, disabled: boolean): Promise<GatewayUserView> {
    const u = await this.#store.getGatewayUser(name);
    if (!u) throw notFound(name);
    await this.#store.putGatewayUser({ ...u, disabled, updatedAt: this.#now() });
    this.#logger?.info({ gatewayUser: name, disabled }, 'gateway: user ' + (disabled ? 'disabled' : 'enabled'));
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.#store.deleteGatewayUser(name))) throw notFound(name);
    this.#logger?.info({ gatewayUser: name }, 'gateway: user removed');
  }

  /** Counts messages a user relayed (the SMTP gateway calls this once a message is spooled). */
  async countMessage(name: string, protocol: GatewayProtocol, address: string): Promise<void> {
    await this.#store.recordGatewayUse(name, protocol, { messages: 1, address, at: this.#now() });
  }

  /** The stored record (for the SMTP gateway's From check); undefined for an unknown name. */
  async record(name: string): Promise<GatewayUserRecord | undefined> {
    return this.#store.getGatewayUser(name);
  }

  async authenticate(
    name: string,
    password: string,
    context: { readonly protocol: GatewayProtocol; readonly remoteAddress: string },
  ): Promise<GatewayLogin> {
    const { protocol, remoteAddress } = context;
    const refuse = async (
      reason: 'unknown-user' | 'wrong-password' | 'disabled' | 'rate-limited',
      known: boolean,
    ): Promise<GatewayLogin> => {
      if (reason !== 'rate-limited') {
        this.#bySource.note(remoteAddress);
        this.#byUser.note(name);
      }
      if (known)
        await this.#store.recordGatewayUse(name, protocol, { failure: true, address: remoteAddress, at: this.#now() });
      this.#logger?.warn(
        { gatewayUser: name.slice(0, 128), protocol, remoteAddress, reason },
        'gateway: login refused',
      );
      return { ok: false, reason };
    };
    // Checked before scrypt: a client looping on a wrong password costs no CPU once it is over.
    if (this.#bySource.blocked(remoteAddress) || this.#byUser.blocked(name)) return refuse('rate-limited', false);
    const u = NAME.test(name) ? await this.#store.getGatewayUser(name) : undefined;
    const resource = protocol === 'smtp' ? u?.sendResource : u?.receiveResource;
    if (!u || !resource) {
      // The same work as a real check, so a wrong name cannot be told from a wrong password by timing.
      await verifyPassword(new Secret(password), DUMMY_HASH);
      return refuse('unknown-user', u !== undefined);
    }
    const ok = await verifyPassword(new Secret(password), u.passwordHash);
    if (!ok) return refuse('wrong-password', true);
    if (u.disabled) return refuse('disabled', true);
    await this.#store.recordGatewayUse(name, protocol, { login: true, address: remoteAddress, at: this.#now() });
    this.#logger?.info({ gatewayUser: name, protocol, remoteAddress, resource }, 'gateway: login');
    return { ok: true, principal: { user: u.name, resource, allowedFrom: u.allowedFrom } };
  }

  #view(u: GatewayUserRecord, usage: GatewayUsageRecord[]): GatewayUserView {
    return {
      name: u.name,
      disabled: u.disabled,
      ...(u.sendResource ? { sendResource: u.sendResource } : {}),
      ...(u.receiveResource ? { receiveResource: u.receiveResource } : {}),
      allowedFrom: u.allowedFrom,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
      usage: usage.map(({ name: _n, ...rest }) => rest),
    };
  }
}

/** A valid hash of a random password, checked against for unknown names. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
