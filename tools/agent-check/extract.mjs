// extract.mjs builds cmdlets.json, the table check.mjs checks cmdlet calls
// against, from Microsoft's cmdlet reference (markdown, one page per
// cmdlet): the parameter sets of each SYNTAX block, the aliases and wildcard
// support of each parameter, and what the page shows about confirmation.
//
//   node extract.mjs <windows-powershell-docs git dir> <PowerShell-Docs git dir> > cmdlets.json
//
// Both arguments are git directories (bare clones work): the pages are read
// at HEAD and the table records the commit and its date.
import { execFileSync } from 'node:child_process';

const sources = [
  // Windows Server 2016 is the oldest server the provider supports;
  // ActiveDirectory is the RSAT module the alias SPN operations use,
  // NetAdapter and NetTCPIP the service address operations.
  { repo: 'MicrosoftDocs/windows-powershell-docs', dirs: ['docset/winserver2016-ps/ActiveDirectory', 'docset/winserver2016-ps/DFSN', 'docset/winserver2016-ps/DFSR', 'docset/winserver2016-ps/DnsServer', 'docset/winserver2016-ps/NetAdapter', 'docset/winserver2016-ps/NetTCPIP', 'docset/winserver2016-ps/SmbShare', 'docset/winserver2016-ps/Storage'] },
  // The core modules of Windows PowerShell 5.1, the agent's PowerShell, and
  // CimCmdlets (Invoke-CimMethod calls the Storage WMI methods no cmdlet wraps)
  // and Microsoft.PowerShell.Diagnostics (Get-WinEvent: when a service started).
  { repo: 'MicrosoftDocs/PowerShell-Docs', dirs: ['reference/5.1/Microsoft.PowerShell.Core', 'reference/5.1/Microsoft.PowerShell.Management', 'reference/5.1/Microsoft.PowerShell.Utility', 'reference/5.1/CimCmdlets', 'reference/5.1/Microsoft.PowerShell.Diagnostics'] },
];

const git = (dir, ...args) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

// section returns the text between "## title" and the next "## " heading.
function section(md, title) {
  const start = md.search(new RegExp('^## ' + title + '\\s*$', 'm'));
  if (start < 0) return '';
  const rest = md.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

// parseSyntax reads one SYNTAX code block: "-Name <T>" is required,
// "[-Name <T>]" optional, "[-Name] <T>" positional (in order of appearance),
// "[-Switch]" an optional switch.
function parseSyntax(text, switches) {
  const set = { required: [], optional: [], positional: [] };
  for (const m of text.matchAll(/(\[*)-([A-Za-z][A-Za-z0-9_]*)(\]?)(\s*<[^>]*>)?/g)) {
    const [, open, name, close, type] = m;
    const positional = close === ']' && type !== undefined;
    const optional = open.length > (positional ? 1 : 0);
    (optional ? set.optional : set.required).push(name);
    if (positional) set.positional.push(name);
    if (type === undefined) switches.add(name);
  }
  return set;
}

function parsePage(md) {
  const title = /^title:\s*(\S+)/m.exec(md)?.[1];
  const module = /^Module Name:\s*(\S+)/m.exec(md)?.[1];
  if (!title || !module) return null;
  const sets = [];
  const switches = new Set();
  const syntax = section(md, 'SYNTAX');
  const re = /(?:^### (.+)$\s*)?^```\w*\n([\s\S]*?)^```/gm;
  for (const m of syntax.matchAll(re)) {
    sets.push({ name: (m[1] || '__AllParameterSets').trim(), ...parseSyntax(m[2].replace(/^\S+/, ''), switches) });
  }
  const parameters = {};
  let forceText = '';
  const paramText = section(md, 'PARAMETERS');
  for (const m of paramText.matchAll(/^### -(\w+)\s*$([\s\S]*?)(?=^### |(?![\s\S]))/gm)) {
    const body = m[2];
    if (m[1] === 'Force') forceText = body;
    const aliases = [...body.matchAll(/^Aliases:[ \t]*(.*)$/gm)].flatMap((a) => a[1].split(',').map((s) => s.trim()).filter(Boolean));
    parameters[m[1]] = {
      ...(switches.has(m[1]) ? { switch: true } : {}),
      ...(aliases.length ? { aliases: [...new Set(aliases)] } : {}),
      ...(/^Accept wildcard characters:\s*True/im.test(body) ? { wildcard: true } : {}),
    };
  }
  const hasConfirm = sets.some((s) => s.optional.includes('Confirm'));
  // A prompt shown in an example run without -Confirm means the cmdlet's
  // ConfirmImpact reaches the default $ConfirmPreference (High).
  const examples = section(md, 'EXAMPLES');
  const prompted = [...examples.matchAll(/^```\w*\n([\s\S]*?)^```/gm)].some((b) =>
    /Are you sure you want to perform this action\?/.test(b[1]) && !/-Confirm\b/i.test(b[1].split('\n')[0]));
  const force = /without (asking for )?(user )?confirmation|suppress(es)? (the )?(user )?(prompt|confirmation)/i.test(forceText);
  return {
    title, module,
    cmdlet: {
      module,
      confirm_impact: !hasConfirm ? 'none' : prompted ? 'High' : 'unknown',
      ...(force ? { force_suppresses_prompt: true } : {}),
      sets, parameters,
    },
  };
}

const table = { about: 'Parameter sets, parameter aliases and wildcard support, and confirmation evidence of cmdlets, extracted by extract.mjs from the markdown cmdlet reference named in sources. confirm_impact: "High" when an example shows a confirmation prompt without -Confirm; "unknown" when the cmdlet has -Confirm (SupportsShouldProcess) and no page shows a prompt; "none" when it has no -Confirm.', sources: [], cmdlets: {} };
const [winDocs, psDocs] = process.argv.slice(2);
if (!winDocs || !psDocs) {
  console.error('usage: node extract.mjs <windows-powershell-docs git dir> <PowerShell-Docs git dir>');
  process.exit(2);
}
for (const [i, src] of sources.entries()) {
  const dir = [winDocs, psDocs][i];
  const [commit, date] = git(dir, 'log', '-1', '--format=%H %cI', 'HEAD').trim().split(' ');
  table.sources.push({ repo: src.repo, commit, date, dirs: src.dirs });
  for (const d of src.dirs) {
    for (const path of git(dir, 'ls-tree', '--name-only', 'HEAD', d + '/').split('\n').filter((p) => p.endsWith('.md'))) {
      const page = parsePage(git(dir, 'show', 'HEAD:' + path).replace(/\r\n/g, '\n'));
      if (page && page.cmdlet.sets.length) table.cmdlets[page.title] = page.cmdlet;
    }
  }
}
table.cmdlets = Object.fromEntries(Object.entries(table.cmdlets).sort(([a], [b]) => a.localeCompare(b)));
// One cmdlet a line: the table diffs well and stays readable.
const { cmdlets, ...head } = table;
process.stdout.write(JSON.stringify(head, null, 1).replace(/\n}$/, ',\n "cmdlets": {\n') +
  Object.entries(cmdlets).map(([k, v]) => '  ' + JSON.stringify(k) + ': ' + JSON.stringify(v)).join(',\n') + '\n }\n}\n');
