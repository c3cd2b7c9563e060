import { describe, expect, it } from "vitest";
import { ApiError } from "./api/errors";
import { usePagedList } from "./usePagedList";

describe("usePagedList", () => {
  it("reads the first page, then the next by its cursor until none is left", async () => {
    // Given an API of two pages
    const asked: (string | null)[] = [];
    const list = usePagedList(async (cursor) => {
      asked.push(cursor);
      return cursor === null ? { items: [1, 2], next_cursor: "c2" } : { items: [3], next_cursor: null };
    });
    // When the list loads and then loads more
    await list.reload();
    expect(list.hasMore.value).toBe(true);
    await list.loadMore();
    // Then both pages are shown in order and nothing more is offered
    expect(list.items.value).toEqual([1, 2, 3]);
    expect(asked).toEqual([null, "c2"]);
    expect(list.hasMore.value).toBe(false);
  });

  it("keeps what was shown when a page fails, and 重试 asks for that page again", async () => {
    // Given a second page that fails once
    let failures = 1;
    const list = usePagedList(async (cursor) => {
      if (cursor === "c2" && failures-- > 0) throw new ApiError(503, { code: "DOWN", message: "服务暂时不可用" });
      return cursor === null ? { items: ["a"], next_cursor: "c2" } : { items: ["b"], next_cursor: null };
    });
    await list.reload();
    // When the next page fails
    await list.loadMore();
    // Then the first page stays, with the Chinese message
    expect(list.items.value).toEqual(["a"]);
    expect(list.error.value?.message).toBe("服务暂时不可用");
    // And 重试 reads the page that failed
    await list.retry();
    expect(list.items.value).toEqual(["a", "b"]);
    expect(list.error.value).toBeNull();
  });

  it("drops the answer of a reload that a newer reload replaced", async () => {
    // Given a slow first reload and a fast second one
    let release: (() => void) | undefined;
    const list = usePagedList(async (cursor) => {
      if (cursor === null && release === undefined) {
        await new Promise<void>((resolve) => (release = resolve));
        return { items: ["old"], next_cursor: null };
      }
      return { items: ["new"], next_cursor: null };
    });
    const first = list.reload();
    await Promise.resolve();
    await list.reload();
    release?.();
    await first;
    // Then the newer answer stands
    expect(list.items.value).toEqual(["new"]);
  });

  it("says a network failure in Chinese, and 重试 before anything was shown reads the first page", async () => {
    // Given an API that is offline at first
    let fail = true;
    const asked: (string | null)[] = [];
    const list = usePagedList(async (cursor) => {
      asked.push(cursor);
      if (fail) throw new TypeError("offline");
      return { items: ["x"], next_cursor: null };
    });
    // When the first page fails
    await list.reload();
    // Then the message is the Chinese network message and nothing is offered to load more
    expect(list.error.value?.message).toContain("网络");
    expect(list.hasMore.value).toBe(false);
    // And 重试 once online reads the first page
    fail = false;
    await list.retry();
    expect(list.error.value).toBeNull();
    expect(list.items.value).toEqual(["x"]);
    expect(asked).toEqual([null, null]);
  });
});
