"""Signing in and rights: the session identity rule (identity), the rule table (permissions), the
views (views). The package imports nothing itself, so a command that checks rights loads no web layer."""
