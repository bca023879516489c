/**
 * Rows as aligned columns, three spaces apart; the last column is not padded.
 * `paint` may colour a cell: the padding is added outside it, so escape codes
 * neither count towards the width nor colour the gap.
 */
export function table(rows: readonly string[][], paint: (cell: string, row: number, column: number) => string = (c) => c): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const pad = (cell: string, x: number, last: boolean) => (last ? '' : ' '.repeat(widths[x] - cell.length));
  return rows
    .map((r, y) => r.map((cell, x) => paint(cell, y, x) + pad(cell, x, x === r.length - 1)).join('   ').trimEnd())
    .join('\n');
}
