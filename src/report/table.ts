/** Renders rows as a plain-text table with a header rule; cells longer than `maxWidth` are cut. */
export const renderTable = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly maxWidth?: number; readonly alignRight?: ReadonlyArray<number> } = {}
): string => {
  const maxWidth = options.maxWidth ?? 60
  const right = new Set(options.alignRight ?? [])
  const cut = (cell: string) => (cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}…` : cell)
  const cells = [header, ...rows].map((row) => row.map(cut))
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? "")].length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((cell, i) => {
      const pad = " ".repeat(widths[i]! - [...cell].length)
      return right.has(i) ? pad + cell : cell + pad
    }).join("  ").trimEnd()
  return [line(cells[0]!), widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n")
}
