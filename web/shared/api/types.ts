// Shorthands over the generated paths: the JSON body a route answers, and the one it takes.
import type { paths } from "./schema";

type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;

export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer OK }
    ? Json<OK>
    : R extends { 201: infer Created }
      ? Json<Created>
      : R extends { 202: infer Accepted }
        ? Json<Accepted>
        : never
  : never;

export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer B;
}
  ? Json<NonNullable<B>>
  : never;
