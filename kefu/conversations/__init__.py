"""Channels for 24-hour service: e-mail in and out, the customer portal and web form, phone
and counter logs, chat-app webhooks. Every channel parses its input into a message and
calls the ticket services; nothing a customer sent is lost, nothing is filed twice."""
