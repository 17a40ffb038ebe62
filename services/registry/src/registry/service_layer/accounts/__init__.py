"""Account use cases: sign-up and confirmation, sign-in (sessions and API tokens) under the throttle, the second
factor, password reset, one's own account and demo accounts.

Design, in short (the registry README has the long form):

- Nothing here tells a caller whether an address has an account: sign-up, resend and reset requests always
  answer the same, unknown addresses cost the same hashing time as wrong passwords, and the sign-in throttle
  is kept per address typed, account or not.
- Sessions are server-side: a random token whose SHA-256 is stored, handed to the gateway for its signed
  cookie. The gateway asks ValidateSession per request, so logout, a password reset or a role change (which
  ends every session and token of the account) takes effect at once. API tokens are the same mechanism with a
  longer life.
- Staff accounts need a TOTP code on top of the password; a code is accepted once (its time step is stored).
  Each session and token records whether its sign-in passed the code, and staff roles count only when it did.
- A staff account without a secret signs in with its password as a professional only. It enrols from the one-time
  link the administrator's role change mailed, together with its password (``start_second_factor_enrolment``):
  a secret is pending until a code from it is confirmed (``confirm_totp_enrollment``) with the short-lived token
  that step returned. Knowing the password alone never enrols a second factor.
"""
