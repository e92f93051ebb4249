"""Every write of the intake app (calls, chat, usage) goes through these functions."""

from .calls import call_log
from .chat import chat_message_receive, conversation_close, conversation_rate
from .usage import usage_heartbeat, usage_interval_record

__all__ = ["call_log", "chat_message_receive", "conversation_close", "conversation_rate", "usage_heartbeat", "usage_interval_record"]
