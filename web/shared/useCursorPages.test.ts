import { describe, expect, it } from "vitest";
import { useCursorPages } from "./useCursorPages";

describe("useCursorPages", () => {
  it("walks forward and back by the API's cursors", async () => {
    // Given three pages behind cursors
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      start: { items: [1, 2], next_cursor: "b" },
      b: { items: [3, 4], next_cursor: "c" },
      c: { items: [5], next_cursor: null },
    };
    const asked: (string | null)[] = [];
    const list = useCursorPages(async (cursor) => {
      asked.push(cursor);
      return pages[cursor ?? "start"]!;
    });
    // When the first page is read, then the next two, then one back
    await list.first();
    await list.next();
    await list.next();
    expect(list.items.value).toEqual([5]);
    expect(list.hasNext.value).toBe(false);
    await list.previous();
    // Then the second page is read again with its own cursor
    expect(list.items.value).toEqual([3, 4]);
    expect(list.page.value).toBe(1);
    expect(asked).toEqual([null, "b", "c", "b"]);
  });

  it("keeps the failure's Chinese message and retries the same page", async () => {
    let fail = true;
    const list = useCursorPages(async () => {
      if (fail) throw new TypeError("offline");
      return { items: ["x"], next_cursor: null };
    });
    await list.first();
    expect(list.error.value?.message).toContain("网络");
    fail = false;
    await list.reload();
    expect(list.error.value).toBeNull();
    expect(list.items.value).toEqual(["x"]);
  });
});
