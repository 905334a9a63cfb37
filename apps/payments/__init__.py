"""KotaKitaPay: wallets, a double-entry ledger, QRIS and a payment gateway (tenant app).

Map of the package:

* `models.py` — accounts (kinds are extensible: `AccountKind` + `KIND_RULES` + `MOVE_RULES`;
  `cash_clearing` is the counterpart of money held outside KotaKitaPay), immutable journal
  entries and postings, payment requests (bills), gateway charges, the notification log, the
  sandbox gateway's book, reconciliation runs and mismatches. The ledger's rules are enforced
  by PostgreSQL (migration 0002: balanced-entry constraint triggers, no UPDATE/DELETE/TRUNCATE
  of entries and postings, balance kept by the database, CHECK against overdraft).
* `services.py` — every write: `top_up`, `pay`, `transfer`, `move` (internal movements between
  the account kinds paired in `MOVE_RULES`, e.g. wallet <-> RT cash / arisan pool, RT cash <->
  cash clearing), `refund`, `payout`, `reverse_entry`; bills (`create_payment_request`,
  `pay_request_with_wallet`, cash on delivery, cancel, refund); QRIS top-ups (`start_top_up`);
  `receive_notification` (the gateway endpoint's handler); the sandbox bank app (`sandbox_pay`).
* `methods.py` — the `PaymentMethod` protocol the marketplace uses (wallet, QRIS, COD).
* `qris.py` — the QRIS/EMVCo MPM codec (no Django); `gateways.py` — the gateway adapters
  (Midtrans over HTTP, local sandbox) and Midtrans signatures.
* `reconciliation.py` — daily checks (`reconcile`, `verify_balances`); `tasks.py` — Celery
  (`payments.reconcile_all_tenants` for beat, per-tenant `payments.reconcile`, gateway
  follow-ups); `management/commands/reconcile_payments.py`.
* `views.py` + `templates/payments/` — pages under /dompet/; `api/` — /api/v1/payments/.

Settings (read from the environment in config/settings/base.py; checked at start-up by
`checks.py`, ids kotakita.E100-E106/W100-W101; E106, a database check: a Citus cluster
needs citus.enable_unsafe_triggers): PAYMENTS_GATEWAY ("midtrans" | "sandbox"; no
default in production), MIDTRANS_SERVER_KEY, MIDTRANS_CLIENT_KEY, MIDTRANS_IS_PRODUCTION,
MIDTRANS_BASE_URL (overrides the URL MIDTRANS_IS_PRODUCTION picks), PAYMENTS_ALLOW_SANDBOX
(the sandbox outside DEBUG: a staging site, SANDBOX banner on every page),
PAYMENTS_SANDBOX_SERVER_KEY (required then), PAYMENTS_SANDBOX_NOTIFY_HTTP,
PAYMENTS_CONFIRM_NOTIFICATIONS (ask the gateway before applying a notification, default True;
only DEBUG or the sandbox may turn it off), PAYMENTS_FEE_BPS (platform fee on payments, default
30 = 0.3%), PAYMENTS_MAX_AMOUNT (per movement, default Rp100.000.000), PAYMENTS_QRIS_GUID.
`intake.py` guards the anonymous notification endpoint (64 KB cap, digest-only logging of
unsigned bodies, throttle scope "gateway_notification").

Idempotency keys are one namespace per tenant; callers prefix theirs (the API uses
"api:<user id>:<key>", pages "web:<user id>:<key>", the gateway "gateway:<order id>:...").
"""
