"""Instant messages (即时通讯): one-to-one text conversations between employees."""
