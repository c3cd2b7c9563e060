export { ApiError, asApiError, fieldMessage, NETWORK_MESSAGE, otherMessages } from "./errors";
export type { ErrorBody } from "./errors";
export { createApi, unwrap } from "./client";
export type { Api } from "./client";
export { SessionStore } from "./session";
export type { Tokens } from "./session";
export type { components, paths } from "./schema";
export type { BodyOf, ResponseOf } from "./types";
