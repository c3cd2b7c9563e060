import { describe, expect, it } from "vitest";
import { ApiError } from "@shared/api";
import { emptyForm, joinedBefore2017, missing, stepOfError, toBody } from "./registration";

describe("the registration wizard's form", () => {
  it("builds the API's body: trimmed text, booleans, nulls for blanks, the proof only before 2017", () => {
    // Given a form filled for a member admitted in 2019
    const form = { ...emptyForm(), branch_id: "o01b", name: " 张三 ", id_number: "11010520080101001x", join_month: "2019-05" };
    form.identity_proof = "APPLICATION_FORM";
    form.is_cadre = "true";
    // When it becomes the body of a resubmission
    const body = toBody(form, "r01prev");
    // Then
    expect(body).toMatchObject({ name: "张三", id_number: "11010520080101001X", is_cadre: true, previous_id: "r01prev" });
    expect(body.identity_proof).toBeNull();
    expect(body.development_number).toBeNull();
    expect(toBody({ ...form, join_month: "2012-05" }, null).identity_proof).toBe("APPLICATION_FORM");
    expect(joinedBefore2017("2016-12")).toBe(true);
    expect(joinedBefore2017("2017-01")).toBe(false);
  });

  it("goes back to the first step with a refused field", () => {
    const several = new ApiError(400, {
      code: "A",
      message: "入团年月格式应为YYYY-MM",
      field: "join_month",
      errors: [
        { code: "A", message: "入团年月格式应为YYYY-MM", field: "join_month" },
        { code: "B", message: "身份证号码校验位不正确", field: "id_number" },
      ],
    });
    expect(stepOfError(several)).toBe(1);
    expect(stepOfError(new ApiError(404, { code: "NOT_FOUND", message: "团支部不存在", field: "branch_id" }))).toBe(0);
    expect(stepOfError(new ApiError(409, { code: "C", message: "已有报到", field: null }))).toBe(3);
  });

  it("asks for what each step needs before going on", () => {
    expect(Object.keys(missing(emptyForm(), 0))).toEqual(["branch_id"]);
    expect(Object.keys(missing(emptyForm(), 1))).toEqual(["name", "id_number"]);
    expect(missing({ ...emptyForm(), join_month: "2018-01" }, 2)).toEqual({});
  });
});
