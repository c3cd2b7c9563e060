import { describe, expect, it } from "vitest";
import { qrPath, qrSize } from "./qr";

describe("the verification QR code as SVG", () => {
  it("draws each run of dark modules as one rectangle inside the quiet zone", () => {
    // Given two rows: a run of two then one module; an empty row
    const rows = ["1101", "0000"];
    // Then the path has one rectangle a run, offset by the quiet zone
    expect(qrPath(rows, 4)).toBe("M4 4h2v1h-2zM7 4h1v1h-1z");
    expect(qrSize(rows, 4)).toBe(10);
    expect(qrPath(["000"], 0)).toBe("");
  });
});
