import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api/errors";
import { uploadFile } from "./upload";

describe("uploadFile", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("puts the file at the presigned address with its content type", async () => {
    // Given storage that accepts the file
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(null, { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    // When a picture is uploaded
    await uploadFile("https://bucket.example/key?sig=1", new Blob(["jpg"]), "image/jpeg");
    // Then it was one PUT of the body with its type
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("https://bucket.example/key?sig=1");
    expect(init.method).toBe("PUT");
    expect(new Headers(init.headers).get("Content-Type")).toBe("image/jpeg");
  });

  it("answers storage's refusal in Chinese beside the file's field", async () => {
    // Given storage refusing the upload (an expired address)
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<Error/>", { status: 403 })));
    // When a file is uploaded for the field photo_key
    const caught = await uploadFile("https://x", new Blob(["a"]), "image/jpeg", { field: "photo_key", message: "照片上传失败，请重试" }).catch((e: unknown) => e);
    // Then the failure names the field, with the caller's message
    expect(caught).toBeInstanceOf(ApiError);
    expect(caught).toMatchObject({ status: 403, code: "UPLOAD_FAILED", field: "photo_key", message: "照片上传失败，请重试" });
  });

  it("turns a network failure into a retryable error with the network's message", async () => {
    // Given no network
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    // When a file is uploaded
    const caught = (await uploadFile("https://x", new Blob(["a"]), "application/pdf").catch((e: unknown) => e)) as ApiError;
    // Then it can be retried, and says so in Chinese
    expect(caught.retryable).toBe(true);
    expect(caught.code).toBe("NETWORK");
    expect(caught.message).toContain("网络");
    expect(caught.field).toBeNull();
  });
});
