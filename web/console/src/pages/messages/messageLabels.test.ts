import { describe, expect, it } from "vitest";
import { attachmentCheck, chinaTime, fileSize, MAX_ATTACHMENT_BYTES, ratePercent } from "./messageLabels";

describe("attachmentCheck", () => {
  it("takes the API's types by extension, in any case", () => {
    expect(attachmentCheck("方案.PDF", 10)).toEqual({ contentType: "application/pdf" });
    expect(attachmentCheck("照片.jpeg", 10)).toEqual({ contentType: "image/jpeg" });
    expect(attachmentCheck("名单.xlsx", 10)).toEqual({ contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  });
  it("refuses other types and files without an extension", () => {
    expect(attachmentCheck("动图.gif", 10)).toHaveProperty("refusal");
    expect(attachmentCheck("程序.exe", 10)).toHaveProperty("refusal");
    expect(attachmentCheck("pdf", 10)).toHaveProperty("refusal");
  });
  it("refuses a file over 20 MB and takes one of exactly 20 MB", () => {
    expect(attachmentCheck("大.pdf", MAX_ATTACHMENT_BYTES + 1)).toEqual({ refusal: "每个附件不能超过20MB" });
    expect(attachmentCheck("大.pdf", MAX_ATTACHMENT_BYTES)).toHaveProperty("contentType");
  });
});

describe("figures", () => {
  it("shows sizes and rates as people read them", () => {
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(2048)).toBe("2 KB");
    expect(fileSize(3 * 1024 * 1024)).toBe("3.0 MB");
    expect(ratePercent(0.3333)).toBe("33.3%");
    expect(ratePercent(1)).toBe("100%");
    expect(ratePercent(null)).toBe("—");
  });
  it("shows a moment in China time", () => {
    expect(chinaTime("2026-12-05T08:20:00Z")).toBe("2026-12-05 16:20");
  });
});
