// Export what a table shows to an .xlsx file in the browser (exceljs, loaded only when used).
// Lists the API already exports (the bulletin, the roster) use the API's own file instead,
// which is audited there.

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  width?: number;
}

export async function exportXlsx<Row>(fileName: string, sheet: string, columns: Column<Row>[], rows: Row[]): Promise<void> {
  const { default: ExcelJS } = await import("exceljs");
  const workbook = new ExcelJS.Workbook();
  const worksheet = workbook.addWorksheet(sheet);
  worksheet.columns = columns.map((column, index) => ({ header: column.header, key: String(index), width: column.width ?? 18 }));
  worksheet.getRow(1).font = { bold: true };
  for (const row of rows) {
    worksheet.addRow(Object.fromEntries(columns.map((column, index) => [String(index), column.value(row) ?? ""])));
  }
  const buffer = await workbook.xlsx.writeBuffer();
  download(new Blob([buffer], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }), fileName);
}

export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
