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

/** The same upload, telling its progress (0..1) as it goes (XMLHttpRequest: fetch cannot). */
export function uploadWithProgress(url: string, body: Blob, contentType: string, onProgress: (done: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.setRequestHeader("Content-Type", contentType);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiError(request.status, { code: "UPLOAD_FAILED", message: "文件上传失败，请重试" }));
    };
    request.onerror = () => reject(new ApiError(0, { code: "NETWORK", message: NETWORK_MESSAGE }));
    request.send(body);
  });
}
