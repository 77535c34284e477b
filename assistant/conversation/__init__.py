"""Conversation: which earlier question a follow-up leans on, and how it is read with it."""
