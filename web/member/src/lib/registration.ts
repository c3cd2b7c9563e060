// The registration wizard's form (REG-1): what each of its four steps asks, the body for
// POST /registrations, and the step to go back to when the API refuses a field.
import type { ApiError, BodyOf } from "@shared/api";

export type RegistrationBody = BodyOf<"/registrations", "post">;

export interface RegistrationForm {
  branch_id: string;
  branch_name: string;
  name: string;
  id_number: string;
  ethnicity: string;
  phone: string;
  political_status: string;
  join_month: string;
  development_number: string;
  identity_proof: string;
  is_cadre: string; // "true" | "false", as the select holds it
  education: string;
  occupation: string;
  income_band: string;
}

export function emptyForm(): RegistrationForm {
  return {
    branch_id: "",
    branch_name: "",
    name: "",
    id_number: "",
    ethnicity: "01",
    phone: "",
    political_status: "03",
    join_month: "",
    development_number: "",
    identity_proof: "",
    is_cadre: "false",
    education: "",
    occupation: "",
    income_band: "",
  };
}

/** The four steps and the fields each asks (the API's field names). */
export const STEPS: { title: string; fields: string[] }[] = [
  { title: "选择团支部", fields: ["branch_id"] },
  { title: "身份信息", fields: ["name", "id_number", "ethnicity", "phone"] },
  { title: "团籍信息", fields: ["political_status", "join_month", "development_number", "identity_proof", "is_cadre"] },
  { title: "其他信息", fields: ["education", "occupation", "income_band"] },
];

export const ALL_FIELDS = STEPS.flatMap((step) => step.fields);

/** Joined before 2017: no development number required, a proof of membership instead (REG-3). */
export function joinedBefore2017(joinMonth: string): boolean {
  const match = /^(\d{4})-/.exec(joinMonth.trim());
  return match !== null && Number(match[1]) < 2017;
}

const orNull = (value: string): string | null => value.trim() || null;

export function toBody(form: RegistrationForm, previousId: string | null): RegistrationBody {
  const before = joinedBefore2017(form.join_month);
  return {
    branch_id: form.branch_id,
    name: form.name.trim(),
    id_number: form.id_number.trim().toUpperCase(),
    ethnicity: form.ethnicity,
    political_status: form.political_status,
    join_month: form.join_month.trim(),
    is_cadre: form.is_cadre === "true",
    development_number: orNull(form.development_number),
    identity_proof: before && form.identity_proof ? (form.identity_proof as RegistrationBody["identity_proof"]) : null,
    education: orNull(form.education),
    occupation: orNull(form.occupation),
    income_band: form.income_band ? (form.income_band as RegistrationBody["income_band"]) : null,
    phone: orNull(form.phone),
    previous_id: previousId,
  };
}

/** The first step holding a field the API refused (the last step when it names none of them). */
export function stepOfError(error: ApiError): number {
  const fields = error.errors.map((each) => each.field ?? "");
  const index = STEPS.findIndex((step) => step.fields.some((field) => fields.includes(field)));
  return index < 0 ? STEPS.length - 1 : index;
}

/** What the member must have typed before going on from a step (the API checks the rest). */
export function missing(form: RegistrationForm, step: number): Record<string, string> {
  const gaps: Record<string, string> = {};
  if (step === 0 && !form.branch_id) gaps.branch_id = "请先查找并选择要报到的团支部";
  if (step === 1) {
    if (!form.name.trim()) gaps.name = "请填写姓名";
    if (!form.id_number.trim()) gaps.id_number = "请填写身份证号码";
  }
  if (step === 2 && !form.join_month.trim()) gaps.join_month = "请填写入团年月，例如 2015-05";
  return gaps;
}
