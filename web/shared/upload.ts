// Files go straight to storage at the presigned address the API answers (never through the
// API): the one upload helper of both apps. A failure is an ApiError with a Chinese message, on
// the field the file answers for when one is named (shown beside it), retryable when it was the
// network or storage's own fault.
import { ApiError, NETWORK_MESSAGE } from "./api/errors";

export const UPLOAD_FAILED_MESSAGE = "文件上传失败，请重试";

export interface UploadOptions {
  /** The body field the uploaded file's key goes into (e.g. "photo_key"). */
  field?: string;
  /** The refusal's message when storage refuses the file. */
  message?: string;
}

export async function uploadFile(url: string, body: Blob, contentType: string, options: UploadOptions = {}): Promise<void> {
  const field = options.field ?? null;
  let response: Response;
  try {
    response = await fetch(url, { method: "PUT", body, headers: { "Content-Type": contentType } });
  } catch {
    throw new ApiError(0, { code: "NETWORK", message: NETWORK_MESSAGE, field });
  }
  if (!response.ok) {
    throw new ApiError(response.status, { code: "UPLOAD_FAILED", message: options.message ?? UPLOAD_FAILED_MESSAGE, field });
  }
}
