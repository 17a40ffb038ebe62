"""The accreditation's SQL, one module per subject: functions that take the session and return rows or values."""
