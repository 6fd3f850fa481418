import type { PublicUser, User } from "@portico/contracts";
import type * as schema from "./schema.ts";

type UserRow = typeof schema.users.$inferSelect;

/** The columns a user may see of their own account (never the password hash). */
export const toUser = (row: Pick<UserRow, "id" | "email" | "name" | "createdAt">): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
});

/** What anyone signed in may see of another user. */
export const toPublicUser = (row: Pick<UserRow, "id" | "name">): PublicUser => ({
  id: row.id,
  name: row.name,
});
