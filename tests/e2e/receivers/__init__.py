"""Webhook receivers written from the reference documents alone (Clypt in Node, Klipit)."""
