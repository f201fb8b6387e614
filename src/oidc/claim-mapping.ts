import type { Client, ClientMetadata } from 'oidc-provider';
import { STANDARD_CLAIMS, type ClaimMapping, type ClaimRule, type StandardClaim } from '../config/clients/claims.ts';
import type { User } from '../db/entities/user.ts';
import { claimsOf } from '../services/accounts.ts';
import { metadataOf } from './client-metadata.ts';

/**
 * Claims shaped per app (a client file's `claims` and `scopes`, compiled by the loader into the
 * client metadata `claim_mapping`). oidc-provider knows one global set of scopes and claims: it
 * gets the union of every client's (`withMappedClaims`), which only lets a claim through when one
 * of its scopes is granted. What a claim holds, and whether this client has it at all, is decided
 * here per client (`claimsFor`): a scope or claim another client declared releases nothing to a
 * client that did not declare it.
 */

/** Where findAccount reads what mapped claims may need; each is called only when a released claim needs it. */
export interface ClaimSources {
  groupsOf(userId: string): Promise<string[]>;
  attributesOf(userId: string, names: readonly string[]): Promise<Record<string, string>>;
}

/** What findAccount's claims() answers: `sub` is never mapped (the loader refuses it). */
export type MappedClaims = { sub: string; [claim: string]: unknown };

/** The client's mapping (its metadata is read once per Client instance: client-metadata.ts). */
export function claimMappingOfClient(client: Client | undefined): ClaimMapping | undefined {
  const mapping = client && metadataOf(client)['claim_mapping'];
  return isClaimMapping(mapping) ? mapping : undefined;
}

/**
 * The claims of `user` for a token or userinfo response with `scope` granted, shaped by the
 * client's mapping. Groups are read when the `groups` scope or a released mapped claim needs
 * them; attributes only when a released mapped claim names one.
 */
export async function claimsFor(user: User, scope: string, mapping: ClaimMapping | undefined, sources: ClaimSources): Promise<MappedClaims> {
  const granted = new Set(scope.split(' '));
  const rules = Object.entries(mapping ?? {});
  const released = rules.filter(([, rule]) => rule.scopes.some((s) => granted.has(s)));
  const needsGroups = granted.has('groups') || released.some(([, rule]) => 'claim' in rule.from && rule.from.claim === 'groups');
  const attributeNames = [...new Set(released.flatMap(([, rule]) => ('attribute' in rule.from ? [rule.from.attribute] : [])))];
  const [groups, attributes] = await Promise.all([
    needsGroups ? sources.groupsOf(user.id) : [],
    attributeNames.length > 0 ? sources.attributesOf(user.id, attributeNames) : {},
  ]);
  const standard = claimsOf(user, groups);
  const claims: MappedClaims = { ...standard };
  // A mapped claim whose scope was not granted is not this client's to have (a renamed
  // standard claim loses its standard value too).
  for (const [name] of rules) delete claims[name];
  for (const [name, rule] of released) {
    const value = valueOf(rule, standard, attributes);
    if (value !== undefined) claims[name] = value;
  }
  return claims;
}

function valueOf(rule: ClaimRule, standard: Record<StandardClaim, unknown>, attributes: Record<string, string>): unknown {
  const from = rule.from;
  if ('claim' in from) return standard[from.claim];
  if ('value' in from) return from.value;
  return Object.hasOwn(attributes, from.attribute) ? attributes[from.attribute] : undefined;
}

/**
 * oidc-provider's global `claims` and `scopes` with every client's mapped claims added: custom
 * scopes become scopes (so clients may ask for them, and discovery lists them), and each mapped
 * claim is listed under the scopes that release it.
 */
export function withMappedClaims(
  base: { claims: Record<string, string[]>; scopes: string[] },
  clients: readonly ClientMetadata[],
): { claims: Record<string, string[]>; scopes: string[] } {
  const claims = new Map(Object.entries(base.claims).map(([scope, names]) => [scope, new Set(names)]));
  for (const client of clients) {
    const mapping = client['claim_mapping'];
    if (!isClaimMapping(mapping)) continue;
    for (const [name, rule] of Object.entries(mapping)) {
      for (const scope of rule.scopes) claims.set(scope, (claims.get(scope) ?? new Set()).add(name));
    }
  }
  return {
    claims: Object.fromEntries([...claims].map(([scope, names]) => [scope, [...names]])),
    scopes: [...new Set([...base.scopes, ...claims.keys()])],
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function isRule(value: unknown): value is ClaimRule {
  if (!isObject(value) || !Array.isArray(value['scopes']) || !value['scopes'].every((s) => typeof s === 'string') || !isObject(value['from'])) return false;
  const from = value['from'];
  const keys = Object.keys(from);
  if (keys.length !== 1) return false;
  if ('claim' in from) return (STANDARD_CLAIMS as unknown[]).includes(from['claim']);
  if ('attribute' in from) return typeof from['attribute'] === 'string';
  return 'value' in from && ['string', 'number', 'boolean'].includes(typeof from['value']);
}

/** The shape of `claim_mapping` (the loader checked the file; this guards metadata given directly). */
export function isClaimMapping(value: unknown): value is ClaimMapping {
  return isObject(value) && Object.entries(value).every(([name, rule]) => name !== 'sub' && isRule(rule));
}
