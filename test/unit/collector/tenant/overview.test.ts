// The overview's tenant panel data: step 1 as the stored policy and group reads have it.
import { describe, expect, it } from 'vitest';
import { tenantOverview } from '../../../../collector/tenant/overview.ts';
import { unknownFact } from '../../../../collector/tenant/snapshot.ts';
import { TenantOverview } from '../../../../protocol/api.ts';
import { ATKEY_CARD, ATKEY_PRO, ATKEY_PROS, EXCLUDE_GROUP, FETCHED, INCLUDE_GROUP, NOW, fido2Config, snapshot } from '../../../../sim/graph/snapshots.ts';

const models = (o: TenantOverview): string[] => o.atkeyAdmitted.map((m) => m.aaguid);

describe('tenantOverview', () => {
  it('the ready tenant: on, its groups with member counts, the profile admits two ATKey models, the data age', () => {
    const o = TenantOverview.parse(tenantOverview(snapshot(), NOW));
    expect(o).toMatchObject({
      fido2: 'enabled',
      missing: null,
      include: [{ id: INCLUDE_GROUP, name: null, exists: true, members: 1 }],
      exclude: [{ id: EXCLUDE_GROUP, name: null, exists: true, members: 0 }],
      restriction: 'profiles',
      atkeyTotal: 5,
      readAt: FETCHED,
      ageSeconds: 6 * 3600,
    });
    expect(models(o)).toEqual([ATKEY_PRO, ATKEY_PROS]);
  });

  it('the legacy lists: a block list admits every other model, none admits all', () => {
    const block = tenantOverview(snapshot({ fido2: fido2Config({ passkeyProfiles: null, keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [ATKEY_CARD.toUpperCase()] } }) }), NOW);
    expect(block.restriction).toBe('block');
    expect(models(block)).not.toContain(ATKEY_CARD);
    expect(block.atkeyAdmitted).toHaveLength(4);
    const none = tenantOverview(snapshot({ fido2: fido2Config({ passkeyProfiles: null, keyRestrictions: null }) }), NOW);
    expect(none).toMatchObject({ restriction: 'none' });
    expect(none.atkeyAdmitted).toHaveLength(5);
  });

  it('a deleted target group, a method that is off or absent', () => {
    const deleted = tenantOverview(snapshot({ groups: new Map([[INCLUDE_GROUP, { exists: false, members: new Set<string>() }]]) }), NOW);
    expect(deleted.include).toEqual([{ id: INCLUDE_GROUP, name: null, exists: false, members: 0 }]);
    expect(deleted.exclude).toEqual([{ id: EXCLUDE_GROUP, name: null, exists: null, members: null }]);
    expect(tenantOverview(snapshot({ fido2: fido2Config({ state: 'disabled' }) }), NOW).fido2).toBe('disabled');
    expect(tenantOverview(snapshot({ fido2: null }), NOW).fido2).toBe('disabled');
  });

  it('unknown, naming what is missing: the policy permission, or nothing read yet', () => {
    const missing = { kind: 'permission', name: 'Policy.Read.AuthenticationMethod' } as const;
    const o = tenantOverview(snapshot({ policyFact: unknownFact('GET /v1.0/policies/authenticationMethodsPolicy', FETCHED, missing) }), NOW);
    expect(o).toMatchObject({ fido2: 'unknown', missing, readAt: FETCHED });
    expect(tenantOverview(null, NOW)).toMatchObject({ fido2: 'unknown', readAt: null, ageSeconds: null });
  });
});
