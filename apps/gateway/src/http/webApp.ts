import { resolve, sep } from "node:path";

/** The built example web app (`bun run web:build` writes apps/web/dist). */
export const defaultWebDir = resolve(import.meta.dir, "../../../web/dist");

const notBuilt = () =>
  new Response("The web app is not built: run `bun run web:build`.\n", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });

/**
 * Serves a file of the built single-page app at `/app` (`rest`: the path after `/app/`; its index.html uses absolute `/app/…` URLs).
 * Unknown paths without an extension get `index.html` (client-side screens); nothing outside `dir` is served.
 */
export async function serveWebApp(dir: string, rest: string): Promise<Response> {
  const root = resolve(dir);
  let path: string;
  try {
    path = decodeURIComponent(rest || "index.html");
  } catch {
    return new Response("Not found", { status: 404 });
  }
  const wanted = resolve(root, path);
  if (wanted !== root && !wanted.startsWith(root + sep)) return new Response("Not found", { status: 404 });
  const file = Bun.file(wanted);
  if (wanted !== root && (await file.exists())) {
    const immutable = /\.(js|css)$/.test(wanted) ? "no-cache" : "no-store";
    return new Response(file, { headers: { "content-type": file.type, "cache-control": immutable } });
  }
  if (/\.[a-z0-9]+$/i.test(wanted)) return new Response("Not found", { status: 404 });
  const index = Bun.file(resolve(root, "index.html"));
  if (!(await index.exists())) return notBuilt();
  return new Response(index, {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
