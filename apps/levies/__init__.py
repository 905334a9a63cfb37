"""Retribusi and local-tax bills (issue 20 part 1, docs/design/gov-b2b-fintech.md section 1).

Kota schemas only (settings `_KOTA_ONLY`): the levy catalogue and the numbered bill register.
The public `tenancy.LevyBillRoute` bridges a bill to the payer's kelurahan, where the payer's
copy is a `payments.PaymentRequest` with reference ``levy:<number>``. Code here that runs in a
kelurahan schema (the `/tagihan/` pages, the payer-copy task, the settlement handler) touches
only payments and the public route, never this app's tables.
"""
