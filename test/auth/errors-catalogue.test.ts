import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aadstsCatalogue, lookupAadsts, normaliseAadstsCode, refreshStatusEffect } from '../../src/auth/errors-catalogue.js';

const REQUIRED = [50011, 50076, 50079, 65001, 70000, 70008, 700082, 7000215, 7000222, 700016, 90002, 50126, 53003,
  500011, 9002313, 901002, 50173, 700025, 7000218, 54005, 70011, 50196];

test('every required AADSTS code has a message, a fix and a status effect', () => {
  for (const code of REQUIRED) {
    const e = lookupAadsts(code);
    assert.ok(e, `AADSTS${code} missing`);
    assert.ok(e.message.length > 10 && e.hint.length > 10, `AADSTS${code} needs text`);
  }
  const codes = aadstsCatalogue().map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length, 'no duplicate codes');
});

test('codes are found however they are written', () => {
  assert.equal(normaliseAadstsCode(700082), 'AADSTS700082');
  assert.equal(normaliseAadstsCode('AADSTS7000215: Invalid client secret provided.'), 'AADSTS7000215');
  assert.equal(lookupAadsts('aadsts65001')?.name, 'DelegationDoesNotExist');
  assert.equal(lookupAadsts(1), undefined);
});

test('refresh failures map to the documented statuses', () => {
  assert.equal(refreshStatusEffect('invalid_grant', 'AADSTS700082'), 'Expired');
  assert.equal(refreshStatusEffect('invalid_grant', 'AADSTS70008'), 'Expired');
  assert.equal(refreshStatusEffect('invalid_grant', 'AADSTS50173'), 'Revoked');
  assert.equal(refreshStatusEffect('invalid_grant', 'AADSTS65001'), 'ConsentRequired');
  assert.equal(refreshStatusEffect('interaction_required', 'AADSTS50076'), 'ConsentRequired');
  assert.equal(refreshStatusEffect('invalid_grant', 'AADSTS53003'), 'ConsentRequired');
  for (const c of ['AADSTS7000215', 'AADSTS7000222', 'AADSTS700016', 'AADSTS700025', 'AADSTS7000218']) {
    assert.equal(refreshStatusEffect('invalid_client', c), 'InvalidClient', c);
  }
  // Request mistakes and throttling leave a good refresh token alone.
  for (const c of ['AADSTS70011', 'AADSTS500011', 'AADSTS9002313', 'AADSTS901002', 'AADSTS50196', 'AADSTS90002']) {
    assert.equal(refreshStatusEffect('invalid_request', c), 'unchanged', c);
  }
  assert.equal(refreshStatusEffect('invalid_grant', undefined), 'Revoked');
  assert.equal(refreshStatusEffect('invalid_client', undefined), 'InvalidClient');
  assert.equal(refreshStatusEffect('temporarily_unavailable', undefined), 'unchanged');
});
