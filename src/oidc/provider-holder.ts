import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import type { PrivateJwk } from '../services/keys.ts';

/** What a provider instance is built from and may change while running. */
export interface ProviderInputs {
  jwks: { keys: PrivateJwk[] };
  /** The client files' clients (the account page's own client is added by the builder). */
  clients: ClientMetadata[];
}

/**
 * The oidc-provider instance, replaceable while running. oidc-provider reads its keys and static
 * clients once, when constructed; so new signing keys (a rotation) and re-read client files
 * (SIGHUP) take a new instance, built by the one builder the container uses for the first, so
 * every instance gets the same wiring (issuer pinning, audit and metrics listeners, …).
 *
 * Everything else holds `provider`, a stand-in that forwards to the instance in use: the one the
 * current request started on (see `pin`), else the newest. Requests in flight finish on the
 * instance they began with; the old instance is garbage once none uses it. Sessions, grants and
 * tokens live in the shared store, so they outlive any instance.
 */
export interface ProviderHolder {
  /** The newest instance. */
  readonly current: Provider;
  /** A stable stand-in for the instance in use (route code keeps using it like the real one). */
  readonly provider: Provider;
  /** The instance the current request is pinned to, else the newest. */
  inUse(): Provider;
  /** Runs `work` (a request) with `provider` as the instance in use throughout, awaits included. */
  pin<T>(provider: Provider, work: () => T): T;
  /** Builds an instance from the last inputs with `changes`, and makes it current; a build that throws changes nothing. */
  reload(changes: Partial<ProviderInputs>): Provider;
}

type Listener = (...args: unknown[]) => void;
/** oidc-provider's typings list its own events only; the stand-in passes any through. */
const emitter = (provider: Provider) => provider as unknown as EventEmitter;

export function createProviderHolder(build: (inputs: ProviderInputs) => Provider, initial: ProviderInputs): ProviderHolder {
  let inputs = initial;
  let current = build(inputs);
  const pinned = new AsyncLocalStorage<Provider>();
  const inUse = () => pinned.getStore() ?? current;

  // Listeners added through the stand-in belong to "the provider", not to one instance: kept,
  // and added to every instance built later.
  const listeners: Array<{ event: string | symbol; listener: Listener }> = [];
  const stickyMethods: Record<string, unknown> = {};
  const on = (event: string | symbol, listener: Listener) => {
    listeners.push({ event, listener });
    emitter(current).on(event, listener);
    return facade;
  };
  const off = (event: string | symbol, listener: Listener) => {
    const at = listeners.findIndex((entry) => entry.event === event && entry.listener === listener);
    if (at >= 0) listeners.splice(at, 1);
    emitter(current).off(event, listener);
    return facade;
  };
  Object.assign(stickyMethods, { on, addListener: on, off, removeListener: off });

  const facade = new Proxy(Object.create(null) as Provider, {
    get(_target, property) {
      if (typeof property === 'string' && property in stickyMethods) return stickyMethods[property];
      const instance = inUse();
      const value: unknown = Reflect.get(instance, property, instance);
      // Methods run on the real instance (oidc-provider keeps its state in private fields);
      // getters' results (the Client, Session, Grant… classes) are returned as they are.
      return typeof value === 'function' && isMethod(instance, property) ? value.bind(instance) : value;
    },
    has: (_target, property) => Reflect.has(inUse(), property),
    getPrototypeOf: () => Object.getPrototypeOf(inUse()) as object,
    set(_target, property) {
      // Would change one instance only, and be lost at the next reload.
      throw new TypeError(`set provider.${String(property)} in the provider builder (container.ts), which every instance goes through`);
    },
  });

  return {
    get current() {
      return current;
    },
    provider: facade,
    inUse,
    pin: (provider, work) => pinned.run(provider, work),
    reload(changes) {
      const next = { ...inputs, ...changes };
      const built = build(next);
      for (const { event, listener } of listeners) emitter(built).on(event, listener);
      inputs = next;
      current = built;
      return built;
    },
  };
}

/** Whether `property` is a method (a function on a prototype), not an own value or a getter. */
function isMethod(instance: object, property: string | symbol): boolean {
  for (let proto = Object.getPrototypeOf(instance) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, property);
    if (descriptor) return typeof descriptor.value === 'function';
  }
  return false;
}
