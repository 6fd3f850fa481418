export { passwordVariable, renderNatsConfig } from "./config.ts";
export type { Identity, Permissions } from "./permissions.ts";
export { identities, natsPermissions } from "./permissions.ts";
