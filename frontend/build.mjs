// Builds the one card bundle the integration serves (committed), or the unit tests.
//   node build.mjs            -> ../custom_components/prepaid_utility/www/prepaid-utility-cards.js
//   node build.mjs --tests    -> dist-test/*.test.mjs (run with node --test)
//   node build.mjs --stdout   -> the bundle on stdout (scripts/test compares it with the file)
import { build } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";

const OUT = "../custom_components/prepaid_utility/www/prepaid-utility-cards.js";
const common = {
  bundle: true,
  format: "esm",
  target: "es2021",
  legalComments: "none",
  logLevel: "warning",
  tsconfig: "tsconfig.json",
};

// The bundle's lit templates (html`...`, css`...`, svg`...`) with every run of white space that
// holds a line break folded to one space: HTML and CSS read such a run as one space (no template
// of ours sets white-space: pre), the bundle gets smaller, and it no longer repeats the sources
// line for line (it is generated: review the sources).
const TAGS = new Set(["html", "css", "svg"]);

function foldTemplates(source, fileName) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const edits = [];
  const visit = (node) => {
    if (ts.isTaggedTemplateExpression(node) && TAGS.has(node.tag.getText(file))) {
      const template = node.template;
      const parts = ts.isNoSubstitutionTemplateLiteral(template)
        ? [template]
        : [template.head, ...template.templateSpans.map((span) => span.literal)];
      for (const part of parts) {
        // The raw text between the delimiters (` or } before, ` or ${ after).
        const start = part.getStart(file) + 1;
        const end = part.getEnd() - (part.kind === ts.SyntaxKind.TemplateHead ||
          part.kind === ts.SyntaxKind.TemplateMiddle ? 2 : 1);
        const raw = source.slice(start, end);
        const folded = raw.replace(/[ \t]*\n\s*/g, " ");
        if (folded !== raw) edits.push([start, end, folded]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = source;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) {
    out = out.slice(0, start) + text + out.slice(end);
  }
  return out;
}

const foldLitTemplates = {
  name: "fold-lit-templates",
  setup(b) {
    b.onLoad({ filter: /src\/.*\.ts$/ }, (args) => ({
      contents: foldTemplates(readFileSync(args.path, "utf8"), args.path),
      loader: "ts",
    }));
  },
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
    plugins: [foldLitTemplates],
    write: !process.argv.includes("--stdout"),
    outfile: OUT,
  });
  if (process.argv.includes("--stdout")) process.stdout.write(result.outputFiles[0].text);
}
