"""Reading and writing the audit's tables, one module per subject. Use cases call these inside their unit of work's
transaction. Rows come back as small frozen dataclasses (or domain values), so the rest of the service never handles
SQLAlchemy rows. Bulk paths (a batch of dossiers) use multi-row statements: one round trip per table per batch."""
