// Files go straight to storage at the presigned address the API answers (never through the API).
import { ApiError, NETWORK_MESSAGE } from "@shared/api";

export async function uploadFile(url: string, body: Blob, contentType: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: "PUT", body, headers: { "Content-Type": contentType } });
  } catch {
    throw new ApiError(0, { code: "NETWORK", message: NETWORK_MESSAGE });
  }
  if (!response.ok) throw new ApiError(response.status, { code: "UPLOAD_FAILED", message: "文件上传失败，请重试" });
}
