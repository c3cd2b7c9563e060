// The one presigned-upload helper lives in web/shared (both apps use it); kept here so that
// `import { uploadFile } from "../../upload"` goes on working.
export { uploadFile } from "@shared/upload";
