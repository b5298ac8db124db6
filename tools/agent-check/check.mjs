// check.mjs is the static conformance check of the agent script: it parses
// each file with the tree-sitter PowerShell grammar and reports, as
// file:line:column: message,
//   - syntax errors (ERROR and MISSING nodes);
//   - syntax Windows PowerShell 5.1 does not have (??, ?., ternary, && and ||
//     chains, clean blocks, $PSStyle);
//   - commands that are neither an agent function, a cmdlet of cmdlets.json
//     nor a native program named with .exe;
//   - cmdlet calls with an unknown or ambiguous parameter, named parameters
//     no single parameter set has, or more positional arguments than a set takes;
//   - cmdlets that may prompt called without -Confirm:$false. The agent runs
//     under -NonInteractive, where a prompt is an error. A prompt comes when
//     ConfirmImpact >= $ConfirmPreference (High by default,
//     about_Preference_Variables). The reference states ConfirmImpact for no
//     cmdlet, so cmdlets.json records "High" where an example shows a prompt
//     and "unknown" for the other cmdlets with -Confirm; both need
//     -Confirm:$false, the one documented switch that suppresses the prompt
//     for one command. -Force does not count: what it skips differs per
//     cmdlet, and for some it is a parameter of the underlying CIM method;
//   - a variable or expression given to a parameter the reference marks
//     "Accept wildcard characters: True";
//   - a native program whose stderr is merged (2>&1) while
//     $ErrorActionPreference is Stop: Windows PowerShell 5.1 turns each
//     stderr line into an error record and applies the preference to it
//     (PowerShell 7.2 stopped doing so: Microsoft's "Differences between
//     Windows PowerShell 5.1 and PowerShell 7"), so the first line throws.
//     The preference in force is the last assignment before the call in its
//     function, else the script's last top-level one.
// [Type]::new() is allowed: PowerShell 5.0 added it (about_Object_Creation).
//
//   node check.mjs file.ps1... (in the order the files are joined)
import { Parser, Language } from 'web-tree-sitter';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const table = JSON.parse(readFileSync(new URL('cmdlets.json', import.meta.url), 'utf8')).cmdlets;
const cmdlets = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), { name: k, ...v }]));

// The common parameters every cmdlet has (about_CommonParameters, 5.1).
const common = { Debug: ['db'], ErrorAction: ['ea'], ErrorVariable: ['ev'], InformationAction: ['infa'], InformationVariable: ['iv'], OutBuffer: ['ob'], OutVariable: ['ov'], PipelineVariable: ['pv'], Verbose: ['vb'], WarningAction: ['wa'], WarningVariable: ['wv'] };
const commonSwitches = new Set(['Debug', 'Verbose']);

await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm')));

const findings = [];
const report = (file, node, msg) => findings.push(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${msg}`);

function* walk(node) {
  yield node;
  for (const c of node.children) yield* walk(c);
}

// The value of a literal string node ('x' or "x" without $), else null.
function literal(node) {
  const lit = [...walk(node)].filter((n) => n.type === 'string_literal' || n.type === 'generic_token' || n.type === 'integer_literal');
  const vars = [...walk(node)].some((n) => n.type === 'variable' || n.type === 'sub_expression' || n.type === 'command');
  if (lit.length !== 1 || vars) return null;
  return lit[0].text.replace(/^['"]|['"]$/g, '');
}

// eapAssignments lists the string values assigned to $ErrorActionPreference
// under node, with their position.
function eapAssignments(node) {
  return [...walk(node)].filter((n) => n.type === 'assignment_expression' &&
    /^\$ErrorActionPreference$/i.test(n.child(0).text.trim())).map((n) => ({ at: n.startIndex, value: literal(n.child(2)) ?? '?', fn: enclosingFunction(n) }));
}

function enclosingFunction(node) {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_statement') return n;
  return null;
}

// resolve maps a parameter as written (without '-') to its name: exact name
// or alias first, then an unambiguous prefix, as PowerShell binds.
function resolve(cmd, written) {
  const names = new Map();
  for (const [p, info] of [...Object.entries(cmd.parameters), ...Object.entries(common).map(([p, a]) => [p, { aliases: a }])]) {
    names.set(p.toLowerCase(), p);
    for (const a of info.aliases ?? []) names.set(a.toLowerCase(), p);
  }
  for (const s of cmd.sets) for (const p of [...s.required, ...s.optional]) names.set(p.toLowerCase(), p);
  const w = written.toLowerCase();
  if (names.has(w)) return { name: names.get(w) };
  const hits = new Set([...names].filter(([k]) => k.startsWith(w)).map(([, v]) => v));
  if (hits.size === 1) return { name: [...hits][0] };
  return { error: hits.size ? `is ambiguous (${[...hits].sort().join(', ')})` : 'is not a parameter of any set' };
}

// args splits a command's elements into named parameters (with the node of
// their value, if any) and positional arguments.
function args(cmd, elements) {
  const named = [];
  const positional = [];
  const redirections = [];
  const items = elements ? elements.children : [];
  for (let i = 0; i < items.length; i++) {
    const n = items[i];
    if (n.type === 'command_argument_sep') continue;
    // Elements with no space between are one argument: $s.Substring(0, 3).
    if (i > 0 && items[i - 1].type !== 'command_argument_sep' && n.type !== 'command_parameter' && n.type !== 'redirection') continue;
    if (n.type === 'redirection') { redirections.push(n); continue; }
    if (n.type === 'command_parameter') {
      const p = { node: n, written: n.text.replace(/^-/, '').replace(/:$/, ''), value: null };
      const colon = items[i + 1]?.type === 'command_argument_sep' && items[i + 1].text.includes(':');
      named.push(p);
      if (cmd) {
        const r = resolve(cmd, p.written);
        p.name = r.name;
        p.error = r.error;
        const isSwitch = r.name && (cmd.parameters[r.name]?.switch || commonSwitches.has(r.name));
        if (!isSwitch || colon) {
          let j = i + 1;
          while (j < items.length && items[j].type === 'command_argument_sep') j++;
          if (j < items.length && items[j].type !== 'command_parameter' && items[j].type !== 'redirection') { p.value = items[j]; i = j; }
        }
      }
      continue;
    }
    positional.push(n);
  }
  return { named, positional, redirections };
}

function checkCmdlet(file, node, cmd, { named, positional }) {
  const used = [];
  for (const p of named) {
    if (p.error) { report(file, p.node, `${cmd.name}: -${p.written} ${p.error}`); continue; }
    if (!(p.name in common)) used.push(p.name);
  }
  const sets = cmd.sets.filter((s) => used.every((p) => s.required.includes(p) || s.optional.includes(p)));
  if (!sets.length) {
    report(file, node, `${cmd.name}: no parameter set has all of -${[...new Set(used)].join(', -')}`);
    return;
  }
  const fits = sets.filter((s) => s.positional.filter((p) => !used.includes(p)).length >= positional.length);
  if (!fits.length) report(file, node, `${cmd.name}: ${positional.length} positional argument(s), more than a parameter set with -${used.join(', -')} takes`);

  const confirm = named.find((p) => p.name === 'Confirm');
  if ((cmd.confirm_impact === 'High' || cmd.confirm_impact === 'unknown') && !(confirm && confirm.value && /^\$false$/i.test(confirm.value.text.trim()))) {
    report(file, node, `${cmd.name}: without -Confirm:$false (ConfirmImpact ${cmd.confirm_impact}) a confirmation prompt fails in a non-interactive host`);
  }

  // Wildcard parameters: named ones, and positional ones every fitting set binds alike.
  const bound = named.filter((p) => p.value).map((p) => [p.name, p.value]);
  positional.forEach((v, i) => {
    const names = new Set(fits.map((s) => s.positional.filter((p) => !used.includes(p))[i]));
    if (names.size === 1) bound.push([[...names][0], v]);
  });
  for (const [name, value] of bound) {
    if (cmd.parameters[name]?.wildcard && literal(value) === null) {
      report(file, value, `${cmd.name}: -${name} takes wildcards; pass data with -LiteralPath, -InputObject or an exact filter`);
    }
  }
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node check.mjs file.ps1...');
  process.exit(2);
}
const trees = files.map((file) => ({ file, tree: parser.parse(readFileSync(file, 'utf8')) }));
const functions = new Set();
let scriptEap = 'Continue'; // PowerShell's default; the last top-level assignment holds while the main loop runs
for (const { tree } of trees) {
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'function_statement') functions.add(n.children.find((c) => c.type === 'function_name').text.toLowerCase());
  }
  for (const a of eapAssignments(tree.rootNode)) if (!a.fn) scriptEap = a.value;
}

for (const { file, tree } of trees) {
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'ERROR' || n.isMissing) {
      // The grammar has no ?? ?. ?[ or ternary: they show up as syntax
      // errors; the error's line tells which message helps more.
      const line = tree.rootNode.text.split('\n')[n.startPosition.row] ?? '';
      const ps7 = /\?\?|\?\.|\?\[|\s\?\s/.test(line.replace(/'[^']*'|"[^"]*"|#.*$/g, ''));
      report(file, n, ps7 ? 'syntax error: ??, ?., ?[ and the ternary operator are PowerShell 7, not Windows PowerShell 5.1'
        : n.isMissing ? `syntax error: missing ${n.type}` : 'syntax error');
      continue;
    }
    if (n.type === 'pipeline_chain_tail') report(file, n, `${n.text.trim()} pipeline chains are PowerShell 7, not Windows PowerShell 5.1`);
    if (n.type === 'variable' && /^\$PSStyle\b/i.test(n.text)) report(file, n, '$PSStyle is PowerShell 7.2, not Windows PowerShell 5.1');
    if (n.type !== 'command') continue;
    const nameNode = n.childForFieldName('command_name');
    const name = nameNode ? nameNode.text : '';
    const elements = n.childForFieldName('command_elements');
    if (/^clean$/i.test(name)) { report(file, n, 'clean blocks are PowerShell 7.3, not Windows PowerShell 5.1'); continue; }
    if (functions.has(name.toLowerCase())) continue;
    const cmd = cmdlets.get(name.toLowerCase());
    const a = args(cmd, elements);
    if (cmd) { checkCmdlet(file, n, cmd, a); continue; }
    if (!/\.exe$/i.test(name)) { report(file, n, `${name || n.text.split(/\s/)[0]}: not a cmdlet of cmdlets.json, an agent function or a native program (name.exe)`); continue; }
    if (a.redirections.some((r) => /^2>&1$|^\*>&1$/.test(r.text.trim()))) {
      const fn = enclosingFunction(n);
      const local = fn ? eapAssignments(fn).filter((x) => x.fn?.id === fn.id && x.at < n.startIndex).pop() : null;
      const eap = local ? local.value : scriptEap;
      if (/^stop$/i.test(eap)) report(file, n, `${name}: stderr merged with 2>&1 while $ErrorActionPreference is Stop: the first stderr line throws in Windows PowerShell 5.1 (set it to 'Continue' in the function and judge by $LASTEXITCODE)`);
    }
  }
}
for (const f of findings) console.log(f);
if (findings.length) {
  console.log(`${findings.length} finding(s)`);
  process.exit(1);
}
console.log(`agent-check: ${files.length} file(s), no findings`);
