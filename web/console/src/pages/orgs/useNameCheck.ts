// ORG-5 as you type: the draft's names are sent to a name check a moment after typing stops —
// a new child's to POST /orgs/{id}/children/name-check, an edited organisation's to
// POST /orgs/{id}/name-check (which counts the organisation's own names as no conflict); each
// refused name's Chinese message is kept under its field until that field changes (a message
// speaks of the value it was given for, so it goes as soon as that value is edited, before the
// next answer, and stays gone if the next check fails). Only names already typed are checked,
// and an answer older than the latest draft is dropped.
import { ref, watch, type Ref, type WatchSource } from "vue";
import type { BodyOf } from "@shared/api";

export type NameDraft = BodyOf<"/orgs/{org_id}/children/name-check", "post">;
export type OrgNameDraft = BodyOf<"/orgs/{org_id}/name-check", "post">;
/** What either check takes: the names (and region) as typed. */
interface Names {
  short_name?: string | null;
  full_name?: string | null;
  alias?: string | null;
  region_name?: string | null;
}
export interface NameCheckAnswer {
  errors: { field?: string | null; message: string }[];
}

export function useNameCheck<D extends Names>(
  draft: WatchSource<D>,
  check: (draft: D) => Promise<NameCheckAnswer>,
  delayMs = 400,
): { messages: Ref<Record<string, string>>; checking: Ref<boolean> } {
  const messages = ref<Record<string, string>>({});
  const checking = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  watch(
    draft,
    (value, old) => {
      clearTimeout(timer);
      const kept = { ...messages.value };
      for (const field of Object.keys(kept) as (keyof Names)[]) if (value[field] !== old?.[field]) delete kept[field];
      if (Object.keys(kept).length !== Object.keys(messages.value).length) messages.value = kept;
      const typed = typedNames(value);
      if (typed === null) {
        messages.value = {};
        return;
      }
      timer = setTimeout(async () => {
        const mine = ++latest;
        checking.value = true;
        try {
          const answer = await check(typed);
          if (mine !== latest) return;
          const next: Record<string, string> = {};
          for (const error of answer.errors) if (error.field && !(error.field in next)) next[error.field] = error.message;
          messages.value = next;
        } catch {
          // Checking as you type is a help: the create route checks again and its refusal shows.
        } finally {
          if (mine === latest) checking.value = false;
        }
      }, delayMs);
    },
    { deep: true },
  );
  return { messages, checking };
}

/** The draft with empty names left out (not checked yet), or null when no name is typed. */
export function typedNames<D extends Names>(draft: D): D | null {
  const out: D = { ...draft };
  for (const key of ["short_name", "full_name", "alias", "region_name"] as const) {
    if (!out[key]) delete out[key];
  }
  return out.short_name || out.full_name || out.alias ? out : null;
}
