"""The league's WeChat official account (公众号): its web authorization (the openid the members'
app's JSAPI payments and the subscribe notifications both use) and its subscribe notifications
(订阅通知, MSG-1's WeChat channel)."""
