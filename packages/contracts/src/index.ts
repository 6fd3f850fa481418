// Schemas are exported under one name for both the zod schema (value) and its parsed type.
export type { ErrorBody, ValidationDetails } from "./errors.ts";
export { ErrorCode, errorStatus } from "./errors.ts";
export type { EventContract, EventPayload } from "./events.ts";
export { defineEvent } from "./events.ts";
export {
  cursor,
  email,
  id,
  noInput,
  page,
  pageLimit,
  plainText,
  storable,
  text,
  timestamp,
} from "./fields.ts";
export { HealthStatus, Overview, ServiceHealth, SystemHealth } from "./gateway.ts";
export { Notification, NotificationKind, notifications } from "./notifications.ts";
export {
  Currency,
  currencyExponent,
  FailureCode,
  Payment,
  PaymentStatus,
  paymentEvents,
  payments,
  Refund,
} from "./payments.ts";
export type {
  Access,
  LimitGroup,
  ProcedureContract,
  ProcedureKind,
  ProcedureSpec,
  PublicProcedureNames,
  RequestProcedureNames,
  ServiceContract,
} from "./procedure.ts";
export { defineService, mutation, query, subscription } from "./procedure.ts";
export { Hit, HitType, search } from "./search.ts";
export type { ServiceName } from "./services.ts";
export { services } from "./services.ts";
export { assertStorableInput, unguardedStrings } from "./storableInput.ts";
export { PublicJwk, PublicUser, Session, User, userEvents, users } from "./users.ts";
export type { ServiceWiring } from "./wiring.ts";
export { gatewayCalls, wiring } from "./wiring.ts";
