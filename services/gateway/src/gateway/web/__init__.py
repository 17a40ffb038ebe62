"""The web plumbing every feature shares: rendering, errors, forms, sessions, uploads, middleware."""
