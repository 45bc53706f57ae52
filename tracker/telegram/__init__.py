"""The Telegram sink: the python-telegram-bot application, the sender, cards, rate limits and digests."""
