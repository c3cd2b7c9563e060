import { afterEach, describe, expect, it, vi } from "vitest";
import { nextTick, reactive } from "vue";
import { typedNames, useNameCheck, type NameDraft } from "./useNameCheck";

afterEach(() => vi.useRealTimers());

describe("useNameCheck (ORG-5 as you type)", () => {
  it("checks only the names typed, once typing stops, and keeps each message under its field", async () => {
    // Given a draft and a check that refuses the alias
    vi.useFakeTimers();
    const draft = reactive<NameDraft>({ org_type: "BRANCH", short_name: "", full_name: "", alias: "" });
    const sent: NameDraft[] = [];
    const { messages } = useNameCheck(
      () => ({ ...draft }),
      async (typed) => {
        sent.push(typed);
        return { errors: [{ field: "alias", message: "代称不能包含空格" }] };
      },
    );
    // When the alias is typed in two keystrokes
    draft.alias = "a";
    await nextTick();
    draft.alias = "a b";
    await nextTick();
    await vi.advanceTimersByTimeAsync(500);
    // Then one check was sent, without the empty names, and the message sits under alias
    expect(sent).toEqual([{ org_type: "BRANCH", alias: "a b" }]);
    expect(messages.value).toEqual({ alias: "代称不能包含空格" });
  });

  it("sends nothing while no name is typed", () => {
    expect(typedNames({ org_type: "BRANCH", short_name: "", alias: null })).toBeNull();
  });
});
