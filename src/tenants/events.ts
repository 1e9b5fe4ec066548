import type { SpanDraft } from '../timeline/span.js';

/**
 * Tenant state is event-sourced (SPEC §5): each change is a `system` span in the tenant whose title is the
 * event type. These build the drafts; the projections read them back.
 */
export function tenantCreated(slug: string, name: string): SpanDraft & { tenant: string } {
  return { tenant: slug, title: 'tenant.created', kind: 'system', data: { name, slug } };
}
