// The API answers every refusal as {code, message, field} with the message in Chinese;
// the apps show that message beside the field it names (or above the form when it names none).

export interface ErrorBody {
  code: string;
  message: string;
  field?: string | null;
  /** Every refused field when several are refused at once (the first is the top level's). */
  errors?: ErrorBody[] | null;
}

export const NETWORK_MESSAGE = "网络连接失败，请检查网络后重试";
export const SERVER_MESSAGE = "服务暂时不可用，请稍后重试";

export class ApiError extends Error {
  readonly code: string;
  readonly field: string | null;
  readonly status: number;
  /** Each refusal of the answer: the several fields' when it lists them, else this one. */
  readonly errors: ErrorBody[];

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.field = body.field ?? null;
    this.errors = body.errors?.length ? body.errors : [body];
  }

  /** A failure worth retrying as it is: the network, or the server's own fault. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorBody).code === "string" &&
    typeof (value as ErrorBody).message === "string"
  );
}

/** Whatever was thrown, as an ApiError with a Chinese message. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) return new ApiError(0, { code: "NETWORK", message: NETWORK_MESSAGE });
  return new ApiError(0, { code: "UNKNOWN", message: SERVER_MESSAGE });
}

/** The message to show beside `field`, if the error (or one of its several refusals) names it. */
export function fieldMessage(error: ApiError | null | undefined, field: string): string {
  if (!error) return "";
  return error.errors.find((each) => each.field === field)?.message ?? "";
}

/** The refusals that name none of `fields`: shown above the form (role="alert"). */
export function otherMessages(error: ApiError | null | undefined, fields: readonly string[]): string[] {
  if (!error) return [];
  return error.errors.filter((each) => !fields.includes(each.field ?? "")).map((each) => each.message);
}
