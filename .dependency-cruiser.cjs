// The rooms of src/ and the arrows between them are written once, in the table
// "Allowed imports" of docs/architecture.md; this file reads that table and
// turns it into dependency-cruiser's `allowed` rules, so the doc and the check
// cannot drift apart.
const fs = require('node:fs');
const path = require('node:path');

function roomsFromArchitectureDoc() {
  const doc = fs.readFileSync(path.join(__dirname, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Allowed imports'));
  if (!section) throw new Error('docs/architecture.md has no "## Allowed imports" section');
  const rooms = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const room = /^`src\/([\w./-]+?)\/?`$/.exec(cells[1] ?? '');
    if (!room) continue;
    rooms[room[1]] = (cells[2] ?? '').split(',').map((c) => c.replace(/[`\s]/g, '').replace(/^src\//, '').replace(/\/$/, '')).filter((c) => c && c !== '—');
  }
  if (Object.keys(rooms).length === 0) throw new Error('docs/architecture.md: the "Allowed imports" table is empty');
  return rooms;
}

const escapeDots = (s) => s.replace(/[.]/g, '\\.');
const rooms = roomsFromArchitectureDoc();
const roomPath = (room) => (room.endsWith('.ts') ? `^src/${escapeDots(room)}$` : `^src/${escapeDots(room)}/`);

module.exports = {
  allowed: [
    // Anything outside src/ (node_modules, node: built-ins) and anything inside its own room.
    { from: {}, to: { pathNot: '^src/' } },
    ...Object.entries(rooms).map(([room, allowed]) => ({
      from: { path: roomPath(room) },
      to: { path: [room, ...allowed].map(roomPath) },
    })),
  ],
  allowedSeverity: 'error',
  forbidden: [
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    // No file-level import cycles, type-only imports included (tsPreCompilationDeps):
    // a cycle means two files that cannot be read, tested or moved one without the other.
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
