"""UI texts per feature (Dutch and English); `gateway.i18n` merges them into one catalogue."""
