"""Reading and writing the portfolio's tables, one module per subject. Use cases call these inside their unit of
work's transaction; rows come back as small frozen dataclasses, so the rest of the service never handles
SQLAlchemy rows."""
