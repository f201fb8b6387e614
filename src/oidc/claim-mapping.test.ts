import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClaimMapping } from '../config/clients/claims.ts';
import type { User } from '../db/entities/user.ts';
import { claimsFor, isClaimMapping, withMappedClaims, type ClaimSources } from './claim-mapping.ts';

const user: User = {
  id: '6f1c2d3e-0000-4000-8000-000000000001',
  username: 'ada',
  email: 'ada@example.com',
  emailVerified: true,
  name: 'Ada L',
  createdAt: new Date(),
  updatedAt: new Date(),
  disabledAt: null,
};

/** Group and attribute look-ups that record what they were asked. */
function sources(attributes: Record<string, string> = {}) {
  const calls = { groups: 0, attributes: [] as string[][] };
  const read: ClaimSources = {
    async groupsOf() {
      calls.groups += 1;
      return ['staff'];
    },
    async attributesOf(_userId, names) {
      calls.attributes.push([...names]);
      return Object.fromEntries(Object.entries(attributes).filter(([key]) => names.includes(key)));
    },
  };
  return { read, calls };
}

const MAPPING: ClaimMapping = {
  preferred_username: { from: { claim: 'email' }, scopes: ['profile'] },
  roles: { from: { claim: 'groups' }, scopes: ['groups'] },
  unraid_user: { from: { value: 'alice' }, scopes: ['unraid'] },
  department: { from: { attribute: 'department' }, scopes: ['org'] },
};

describe('claimsFor', () => {
  test('without a mapping: the standard claims; groups only with the groups scope, attributes never', async () => {
    const { read, calls } = sources({ department: 'research' });
    const claims = await claimsFor(user, 'openid profile email', undefined, read);
    assert.equal(claims.preferred_username, 'ada');
    assert.deepEqual(claims['groups'], []);
    assert.deepEqual(calls, { groups: 0, attributes: [] });
    assert.deepEqual((await claimsFor(user, 'openid groups', undefined, read))['groups'], ['staff']);
    assert.equal(calls.groups, 1);
  });

  test('mapped claims take their values from their sources, per granted scope', async () => {
    const { read, calls } = sources({ department: 'research', other: 'never read' });
    const claims = await claimsFor(user, 'openid profile email groups unraid org', MAPPING, read);
    assert.equal(claims.sub, user.id, 'sub stays the account id');
    assert.equal(claims['preferred_username'], 'ada@example.com');
    assert.deepEqual(claims['roles'], ['staff']);
    assert.deepEqual(claims['groups'], ['staff'], 'the source claim keeps its own value');
    assert.equal(claims['unraid_user'], 'alice');
    assert.equal(claims['department'], 'research');
    assert.deepEqual(calls.attributes, [['department']], 'only the attributes the mapping names, in one read');
  });

  test('attributes are not read unless a granted scope releases a claim that needs one', async () => {
    const { read, calls } = sources({ department: 'research' });
    const claims = await claimsFor(user, 'openid profile unraid', MAPPING, read);
    assert.equal('department' in claims, false);
    assert.equal('roles' in claims, false);
    assert.equal(claims['unraid_user'], 'alice');
    assert.deepEqual(calls, { groups: 0, attributes: [] });
  });

  test('a copy of groups under a custom scope reads the groups without the groups scope', async () => {
    const { read, calls } = sources();
    const claims = await claimsFor(user, 'openid team', { teams: { from: { claim: 'groups' }, scopes: ['team'] } }, read);
    assert.deepEqual(claims['teams'], ['staff']);
    assert.equal(calls.groups, 1);
  });

  test('an unset attribute leaves its claim out, also a renamed standard claim', async () => {
    const { read } = sources({});
    const mapping: ClaimMapping = {
      preferred_username: { from: { attribute: 'unraid_name' }, scopes: ['profile'] },
      department: { from: { attribute: 'department' }, scopes: ['org'] },
    };
    const claims = await claimsFor(user, 'openid profile org', mapping, read);
    assert.equal('preferred_username' in claims, false);
    assert.equal('department' in claims, false);
    assert.equal(claims['name'], 'Ada L');
  });
});

describe('withMappedClaims', () => {
  const base = { claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] }, scopes: ['openid', 'offline_access', 'profile', 'groups'] };

  test('adds every client\'s custom scopes and mapped claims to the global configuration', () => {
    const config = withMappedClaims(base, [
      { client_id: 'unraid', claim_mapping: MAPPING },
      { client_id: 'wiki', claim_mapping: { team: { from: { attribute: 'team' }, scopes: ['org'] } } },
      { client_id: 'plain' },
    ]);
    assert.deepEqual(config.scopes, ['openid', 'offline_access', 'profile', 'groups', 'unraid', 'org']);
    assert.deepEqual(config.claims, {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      groups: ['groups', 'roles'],
      unraid: ['unraid_user'],
      org: ['department', 'team'],
    });
  });

  test('without mappings it is the base configuration', () => {
    assert.deepEqual(withMappedClaims(base, [{ client_id: 'plain' }]), base);
  });
});

describe('isClaimMapping', () => {
  test('accepts what the loader compiles and refuses anything else', () => {
    assert.equal(isClaimMapping(MAPPING), true);
    assert.equal(isClaimMapping({ sub: { from: { claim: 'email' }, scopes: ['openid'] } }), false);
    assert.equal(isClaimMapping({ x: { from: { claim: 'password' }, scopes: ['s'] } }), false);
    assert.equal(isClaimMapping({ x: { from: { value: {} }, scopes: ['s'] } }), false);
    assert.equal(isClaimMapping({ x: { from: { attribute: 'a' } } }), false);
    assert.equal(isClaimMapping(['x']), false);
  });
});
