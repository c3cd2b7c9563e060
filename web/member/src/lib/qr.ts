// The card's verification QR code as one SVG path: the API gives the modules as rows of
// "0"/"1" (the code the PDF draws); each horizontal run of dark modules is one rectangle.

/** The SVG path of the dark modules, offset by a quiet zone of `quiet` modules. */
export function qrPath(rows: string[], quiet = 4): string {
  const parts: string[] = [];
  rows.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (row[x] !== "1") {
        x += 1;
        continue;
      }
      const start = x;
      while (x < row.length && row[x] === "1") x += 1;
      parts.push(`M${start + quiet} ${y + quiet}h${x - start}v1h-${x - start}z`);
    }
  });
  return parts.join("");
}

/** The side of the drawing in modules, quiet zone included. */
export function qrSize(rows: string[], quiet = 4): number {
  return rows.length + 2 * quiet;
}
