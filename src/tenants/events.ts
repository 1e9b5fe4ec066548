import type { SpanDraft } from '../timeline/span.js';
import type { Role } from './roles.js';

/**
 * Tenant state is event-sourced (SPEC §5): each change is a `system` span in the tenant whose title is the
 * event type. These build the drafts; `projection.ts` folds them back into tables.
 */
export const TENANT_CREATED = 'tenant.created';
export const MEMBER_ADDED = 'member.added';
export const MEMBER_REMOVED = 'member.removed';
export const ROLE_CHANGED = 'role.changed';

/** The titles the tenant projection folds. */
export const TENANT_EVENTS: ReadonlySet<string> = new Set([TENANT_CREATED, MEMBER_ADDED, MEMBER_REMOVED, ROLE_CHANGED]);

type TenantDraft = SpanDraft & { tenant: string };

export function tenantCreated(slug: string, name: string): TenantDraft {
  return { tenant: slug, title: TENANT_CREATED, kind: 'system', data: { name, slug } };
}

export function memberAdded(tenant: string, did: string, role: Role, handle?: string, extra: Record<string, unknown> = {}): TenantDraft {
  return { tenant, title: MEMBER_ADDED, kind: 'system', data: { did, role, ...(handle === undefined ? {} : { handle }), ...extra } };
}

export function memberRemoved(tenant: string, did: string): TenantDraft {
  return { tenant, title: MEMBER_REMOVED, kind: 'system', data: { did } };
}

export function roleChanged(tenant: string, did: string, role: Role): TenantDraft {
  return { tenant, title: ROLE_CHANGED, kind: 'system', data: { did, role } };
}
