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

  it("drops a field's message as soon as that field is edited, and keeps it dropped if the next check fails", async () => {
    // Given a refused alias and a refused short name
    vi.useFakeTimers();
    const draft = reactive<NameDraft>({ org_type: "BRANCH", short_name: "x", full_name: "", alias: "a b" });
    let answer: () => Promise<{ errors: { field: string; message: string }[] }> = async () => ({
      errors: [
        { field: "alias", message: "代称不能包含空格" },
        { field: "short_name", message: "简称已被使用" },
      ],
    });
    const { messages } = useNameCheck(
      () => ({ ...draft }),
      () => answer(),
    );
    draft.alias = "a  b";
    await nextTick();
    await vi.advanceTimersByTimeAsync(500);
    expect(Object.keys(messages.value).sort()).toEqual(["alias", "short_name"]);
    // When the alias is corrected and the check then fails
    answer = () => Promise.reject(new Error("offline"));
    draft.alias = "ab";
    await nextTick();
    // Then the alias's message is gone at once, the short name's stays, and the failure brings nothing back
    expect(messages.value).toEqual({ short_name: "简称已被使用" });
    await vi.advanceTimersByTimeAsync(500);
    expect(messages.value).toEqual({ short_name: "简称已被使用" });
  });

  it("sends nothing while no name is typed", () => {
    expect(typedNames({ org_type: "BRANCH", short_name: "", alias: null })).toBeNull();
  });
});
