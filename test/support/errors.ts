import { type PorticoClientError, TRPCClientError } from "@portico/client";

/** The error code a typed-client call failed with, or "ok" when it succeeded. */
export async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCClientError) return String((error.data as { code?: string } | undefined)?.code);
    throw error;
  }
}

/** The tRPC client error a call failed with. */
export async function clientError(call: Promise<unknown>): Promise<PorticoClientError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as PorticoClientError;
    throw error;
  }
  throw new Error("expected the call to fail");
}
