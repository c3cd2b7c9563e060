import { describe, expect, it } from "vitest";
import { acceptedTemplates, OPEN_TAG, pageUrl, wxConfigOf } from "./jssdk";

describe("WeChat's JS-SDK for the subscribe button", () => {
  it("signs the page without its fragment", () => {
    expect(pageUrl("https://a.cn/m/messages?x=1#top")).toBe("https://a.cn/m/messages?x=1");
    expect(pageUrl("https://a.cn/m/messages")).toBe("https://a.cn/m/messages");
  });

  it("configures only the subscribe open tag with the API's signature", () => {
    // Given the API's answer
    const answer = { appid: "wx1", timestamp: 1414587457, nonce_str: "n", signature: "s", template_ids: ["t1"] };
    // Then wx.config gets WeChat's names and no JS API
    expect(wxConfigOf(answer)).toEqual({
      debug: false,
      appId: "wx1",
      timestamp: 1414587457,
      nonceStr: "n",
      signature: "s",
      jsApiList: [],
      openTagList: [OPEN_TAG],
    });
  });

  it("reads the accepted templates from the open tag's success event (JSON in JSON)", () => {
    // Given WeChat's detail: one accepted, one rejected
    const detail = { subscribeDetails: JSON.stringify({ t1: JSON.stringify({ status: "accept" }), t2: JSON.stringify({ status: "reject" }) }) };
    // Then only the accepted one counts; a detail WeChat did not fill counts none
    expect(acceptedTemplates(detail)).toEqual(["t1"]);
    expect(acceptedTemplates({ subscribeDetails: { t3: { status: "accept" } } })).toEqual(["t3"]);
    expect(acceptedTemplates(null)).toEqual([]);
    expect(acceptedTemplates({ subscribeDetails: "not json" })).toEqual([]);
  });
});
