"""WeChat subscribe messages (订阅消息, MSG-1's WeChat channel) and the OAuth code exchange."""
