// node check_markdown.js STRINGS.json REPORT.md...
// Parses each report with commonmark.js (the CommonMark reference parser)
// and fails when the document has a link, image or raw HTML node (the
// report's own Markdown has none, so any such node came from data), or
// when one of the hostile strings in STRINGS.json does not appear as
// literal text (escaping must keep the text, not drop it).
'use strict';
const fs = require('fs');
const commonmark = require('commonmark');

const [stringsFile, ...reports] = process.argv.slice(2);
if (!stringsFile || reports.length === 0) {
  console.error('usage: node check_markdown.js STRINGS.json REPORT.md...');
  process.exit(2);
}
const hostile = JSON.parse(fs.readFileSync(stringsFile, 'utf8'));
const forbidden = new Set(['link', 'image', 'html_inline', 'html_block']);
let failures = 0;
const fail = (msg) => { console.error('FAIL ' + msg); failures++; };

for (const file of reports) {
  const doc = new commonmark.Parser().parse(fs.readFileSync(file, 'utf8'));
  const walker = doc.walker();
  // The literal text of every paragraph, heading and code block (what a
  // reader sees), to look the hostile strings up in.
  const texts = [];
  let current = null;
  let counts = {};
  let ev;
  while ((ev = walker.next())) {
    const node = ev.node;
    if (ev.entering) counts[node.type] = (counts[node.type] || 0) + 1;
    if (ev.entering && forbidden.has(node.type)) {
      const what = node.literal || node.destination || '';
      fail(`${file}: ${node.type} node ${JSON.stringify(what.slice(0, 80))}`);
    }
    if (node.type === 'code_block' && ev.entering) texts.push(node.literal);
    if (node.type === 'paragraph' || node.type === 'heading') {
      if (ev.entering) current = [];
      else { texts.push(current.join('')); current = null; }
    } else if (current && ev.entering) {
      if (node.type === 'text' || node.type === 'code') current.push(node.literal);
      else if (node.type === 'softbreak' || node.type === 'linebreak') current.push('\n');
    }
  }
  const all = texts.join('\n');
  let found = 0;
  for (const s of hostile) {
    // Line breaks in data become spaces; inside code spans "|" shows as
    // "\|" (GFM tables need it escaped there too).
    const flat = s.replace(/[\r\n]/g, ' ');
    if (all.includes(flat) || all.includes(flat.replace(/\|/g, '\\|'))) found++;
    else if (file.endsWith('daily.md')) fail(`${file}: hostile string not shown literally: ${JSON.stringify(s)}`);
  }
  console.log(`${file}: ${JSON.stringify(counts)}; ${found}/${hostile.length} hostile strings shown literally`);
  if (found === 0) fail(`${file}: no hostile string found: did the fixture use them?`);
}
if (failures > 0) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log('OK: no link, image or HTML node; hostile strings are text');
