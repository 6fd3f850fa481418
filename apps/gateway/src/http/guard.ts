import { TRPCError } from "@trpc/server";

export interface GuardLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
}

/** How deeply JSON text nests (objects and arrays), scanning once without parsing; strings are skipped. */
export function jsonDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i += 1; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth += 1;
      if (depth > max) max = depth;
      if (max > stopAt) return max;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return max;
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = (max: number) =>
  new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: `Request body is larger than ${max} bytes` });
const tooDeep = (max: number) =>
  new TRPCError({ code: "BAD_REQUEST", message: `JSON input is nested deeper than ${max} levels` });

/**
 * Checks a request's size and JSON nesting before tRPC parses it. Returns the request to hand on
 * (its body already read, when it had one) and the error to answer with instead, if any.
 */
export async function guardRequest(
  request: Request,
  limits: GuardLimits,
): Promise<{ request: Request; error: TRPCError | null; reason?: "size" | "depth" }> {
  const url = new URL(request.url);
  const input = url.searchParams.get("input");
  if (input !== null && jsonDepth(input, limits.maxJsonDepth) > limits.maxJsonDepth)
    return { request, error: tooDeep(limits.maxJsonDepth), reason: "depth" };
  if (request.method !== "POST" || !request.body) return { request, error: null };
  const length = request.headers.get("content-length");
  if (Number(length ?? "0") > limits.maxBodyBytes)
    return { request, error: tooLarge(limits.maxBodyBytes), reason: "size" };
  // A declared length bounds the body (the server reads no more), so it is read in one go; a chunked
  // body is read chunk by chunk, up to the limit.
  const text = length !== null ? await request.text() : await readCapped(request.body, limits.maxBodyBytes);
  const rebuilt = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: text ?? "",
  });
  if (text === null) return { request: rebuilt, error: tooLarge(limits.maxBodyBytes), reason: "size" };
  if (jsonDepth(text, limits.maxJsonDepth) > limits.maxJsonDepth)
    return { request: rebuilt, error: tooDeep(limits.maxJsonDepth), reason: "depth" };
  return { request: rebuilt, error: null };
}
