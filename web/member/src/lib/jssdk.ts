// WeChat's JS-SDK for the subscribe button (<wx-open-subscribe>, an open tag that only renders
// inside WeChat after wx.config): the page's configuration signed by the API (GET
// /wechat/js-config, over the official account's jsapi_ticket), WeChat's script loaded once,
// and what the button reports (the templates the person accepted).
import { ApiError, unwrap, type ResponseOf } from "@shared/api";
import { api } from "../api";

export const JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
export const OPEN_TAG = "wx-open-subscribe";
// What the open tag shows, in its own template (styles must live inside it: WeChat renders it apart).
export const BUTTON_TEMPLATE =
  '<script type="text/wxtag-template"><style>.b{display:block;width:100%;height:40px;border:0;border-radius:20px;background:#07c160;color:#fff;font-size:15px}</style><button class="b">开启微信提醒</button></script>';

type JsConfig = ResponseOf<"/wechat/js-config", "get">;

export interface WxConfig {
  debug: boolean;
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  jsApiList: string[];
  openTagList: string[];
}

interface Wx {
  config(options: WxConfig): void;
  ready(done: () => void): void;
  error(failed: (result: { errMsg?: string }) => void): void;
}

/** The page's address as WeChat signs it (without the fragment). */
export function pageUrl(href: string): string {
  return href.split("#", 1)[0] ?? href;
}

/** wx.config's options from the API's answer: no JS API, only the subscribe open tag. */
export function wxConfigOf(config: JsConfig): WxConfig {
  return {
    debug: false,
    appId: config.appid,
    timestamp: config.timestamp,
    nonceStr: config.nonce_str,
    signature: config.signature,
    jsApiList: [],
    openTagList: [OPEN_TAG],
  };
}

function parsed(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The template ids the person accepted, from the open tag's `success` event detail
 * ({subscribeDetails: '{"<template id>": "{\"status\":\"accept\"}", …}'}: JSON in JSON). */
export function acceptedTemplates(detail: unknown): string[] {
  const details = parsed((detail as { subscribeDetails?: unknown } | null)?.subscribeDetails);
  if (typeof details !== "object" || details === null) return [];
  return Object.entries(details as Record<string, unknown>)
    .filter(([, each]) => (parsed(each) as { status?: unknown } | null)?.status === "accept")
    .map(([id]) => id);
}

const FAILED_SCRIPT = "微信组件加载失败，请检查网络后重试";
const FAILED_CONFIG = "微信组件配置失败，请稍后重试";
let script: Promise<Wx> | null = null;

function loadScript(): Promise<Wx> {
  script ??= new Promise<Wx>((resolve, reject) => {
    const tag = document.createElement("script");
    tag.src = JSSDK_URL;
    tag.onload = () => {
      const wx = (window as unknown as { wx?: Wx }).wx;
      if (wx) resolve(wx);
      else reject(new ApiError(0, { code: "NETWORK", message: FAILED_SCRIPT }));
    };
    tag.onerror = () => {
      tag.remove();
      script = null;
      reject(new ApiError(0, { code: "NETWORK", message: FAILED_SCRIPT }));
    };
    document.head.appendChild(tag);
  });
  return script;
}

/** Configure the JS-SDK for this page; the subscribe templates, or null when the deployment has
 * no official account (WECHAT_CHANNEL_OFF: no button). Throws ApiError with a Chinese message. */
export async function configureWeChat(href = location.href): Promise<string[] | null> {
  let config: JsConfig;
  try {
    config = await unwrap(api.GET("/wechat/js-config", { params: { query: { url: pageUrl(href) } } }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "WECHAT_CHANNEL_OFF") return null;
    throw error;
  }
  const wx = await loadScript();
  await new Promise<void>((resolve, reject) => {
    wx.ready(resolve);
    wx.error(() => reject(new ApiError(0, { code: "WECHAT_CONFIG", message: FAILED_CONFIG })));
    wx.config(wxConfigOf(config));
  });
  return config.template_ids;
}
