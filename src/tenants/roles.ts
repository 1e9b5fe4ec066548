/** Roles of a tenant member (SPEC §5): owners and admins manage members, members write, viewers only read. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether a role may sign spans into the tenant. */
export function canWrite(role: Role | null | undefined): boolean {
  return role === 'owner' || role === 'admin' || role === 'member';
}

/** Whether a role may add, remove and re-role members (and change the tenant's rules). */
export function canManage(role: Role | null | undefined): boolean {
  return role === 'owner' || role === 'admin';
}
