// `bun run web:build`: bundles the example web app (React + the typed client) into apps/web/dist,
// which the gateway serves at `/app/`.
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = import.meta.dir;
const out = join(root, "dist");
rmSync(out, { recursive: true, force: true });
const result = await Bun.build({
  entrypoints: [join(root, "src", "main.tsx")],
  outdir: out,
  target: "browser",
  minify: true,
  sourcemap: "linked",
  naming: "app.js",
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
cpSync(join(root, "public"), out, { recursive: true });
console.log(`web app built into ${out}`);
