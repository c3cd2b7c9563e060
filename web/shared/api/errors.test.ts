import { describe, expect, it } from "vitest";
import { ApiError, fieldMessage, otherMessages } from "./errors";

describe("refusals beside their fields", () => {
  it("shows every field of an answer that refuses several at once", () => {
    // Given an answer refusing the ID number and the join month together
    const error = new ApiError(400, {
      code: "ID_NUMBER_CHECKSUM",
      message: "身份证号码校验位不正确",
      field: "id_number",
      errors: [
        { code: "ID_NUMBER_CHECKSUM", message: "身份证号码校验位不正确", field: "id_number" },
        { code: "JOIN_MONTH_FORMAT", message: "入团年月格式应为YYYY-MM", field: "join_month" },
        { code: "X", message: "其他问题", field: null },
      ],
    });
    // Then each field finds its own message, and the one naming no field goes above the form
    expect(fieldMessage(error, "id_number")).toBe("身份证号码校验位不正确");
    expect(fieldMessage(error, "join_month")).toBe("入团年月格式应为YYYY-MM");
    expect(fieldMessage(error, "name")).toBe("");
    expect(otherMessages(error, ["id_number", "join_month"])).toEqual(["其他问题"]);
  });

  it("reads a single refusal as before", () => {
    const error = new ApiError(422, { code: "REG-3", message: "入团时应年满13周岁", field: "join_month" });
    expect(fieldMessage(error, "join_month")).toBe("入团时应年满13周岁");
    expect(otherMessages(error, ["name"])).toEqual(["入团时应年满13周岁"]);
    expect(fieldMessage(null, "join_month")).toBe("");
  });
});
