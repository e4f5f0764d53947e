// Builds the one card bundle the integration serves (committed), or the unit tests.
//   node build.mjs            -> ../custom_components/prepaid_utility/www/prepaid-utility-cards.js
//   node build.mjs --tests    -> dist-test/*.test.mjs (run with node --test)
//   node build.mjs --stdout   -> the bundle on stdout (scripts/test compares it with the file)
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const OUT = "../custom_components/prepaid_utility/www/prepaid-utility-cards.js";
const common = {
  bundle: true,
  format: "esm",
  target: "es2021",
  legalComments: "none",
  logLevel: "warning",
  tsconfig: "tsconfig.json",
};

if (process.argv.includes("--tests")) {
  const tests = readdirSync("test").filter((f) => f.endsWith(".test.ts"));
  await build({
    ...common,
    entryPoints: tests.map((f) => `test/${f}`),
    outdir: "dist-test",
    outExtension: { ".js": ".mjs" },
    platform: "node",
    entryNames: "[name]",
  });
} else {
  const result = await build({
    ...common,
    entryPoints: ["src/index.ts"],
    minify: true,
    write: !process.argv.includes("--stdout"),
    outfile: OUT,
  });
  if (process.argv.includes("--stdout")) process.stdout.write(result.outputFiles[0].text);
}
