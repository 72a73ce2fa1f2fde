"""Darkroom's local stack: moto in server mode plays AWS, so the whole system runs without an account."""
