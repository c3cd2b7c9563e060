import { afterEach, describe, expect, it, vi } from "vitest";
import { usePoll } from "./usePoll";

afterEach(() => vi.useRealTimers());

describe("usePoll", () => {
  it("reads until the job says it is finished, then stops", async () => {
    // Given a job finished at the third read
    vi.useFakeTimers();
    let reads = 0;
    const poll = usePoll(async () => ({ done: ++reads >= 3, reads }), (job) => job.done, 500);
    // When polling starts and time passes
    poll.start();
    await vi.advanceTimersByTimeAsync(5_000);
    // Then it read three times and is no longer running
    expect(reads).toBe(3);
    expect(poll.value.value?.done).toBe(true);
    expect(poll.running.value).toBe(false);
  });

  it("does not read at all when the first answer is already finished", () => {
    let reads = 0;
    const poll = usePoll(async () => ++reads, () => true);
    poll.start(1);
    expect(reads).toBe(0);
    expect(poll.running.value).toBe(false);
  });

  it("stops with the error when a read fails", async () => {
    vi.useFakeTimers();
    const poll = usePoll(async () => Promise.reject(new TypeError("offline")), () => false, 100);
    poll.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(poll.error.value?.message).toContain("网络");
    expect(poll.running.value).toBe(false);
  });
});
