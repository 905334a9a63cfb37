"""Community finance (tenant app): kas RT, iuran warga and arisan, on KotaKitaPay's ledger.

Map: `models.py` (treasurer assignments, cash books and their lines, iuran schedules,
exemptions and payments, arisan groups/members/rounds/contributions), `services.py` (every
write; receipts are checked by content with `apps.core.uploads`), `selectors.py` (balances,
dues/arrears, the monthly report, arisan state), `policy.py` (who may do what), `ledger.py`
(the only bridge to apps.payments' ledger), `draw.py` (the verifiable arisan draw, no
Django), `exports.py` (PDF/xlsx report), `tasks.py` (Celery), `views.py` +
`templates/community/` (pages at /kas/), `api/` (/api/v1/community/), `admin.py`, `demo.py`.

Double-entry design
-------------------
Every rupiah of an RT lives in KotaKitaPay's ledger (balanced journal entries, immutable
postings, balances kept by PostgreSQL). Each RT's `CashBook` has three accounts:

* **digital** (`rt_cash`, may not go negative): money held in KotaKitaPay. A wallet payment of
  iuran is one entry `wallet −x / digital +x`; a QRIS payment is the gateway's settlement entry
  `gateway clearing −x / digital +x` (payments' own QRIS top-up into the RT account); an
  expense paid from it is `digital −x / recipient's wallet +x`.
* **cash** (`rt_cash`, may not go negative): banknotes the treasurer holds, as recorded by them.
* **cash clearing** (may go negative): the counterpart of cash that enters or leaves outside
  KotaKitaPay — the physical-money twin of payments' gateway clearing account. Cash received
  (cash iuran, donations) is `clearing −x / cash +x`; cash spent is `cash −x / clearing +x`.
  Its balance is minus the net cash the RT took in, so the sum of all balances stays zero.

Every entry of the RT has exactly one `CashBookEntry` (the human cash-book line: direction,
category, channel, description, date, receipt) pointing at it. Hence, checked by the tests:
sum of postings = 0; digital + cash = Σ income − Σ expenses over the non-voided lines; cash =
the same sum over the cash lines. A mistaken line is voided by payments' `reverse_entry` (the
line stays, struck out). Cash never turns into digital money here (that would need a real
deposit through the gateway), and digital money can't leave as cash (no payout for RT
accounts), so neither account can be inflated by bookkeeping.

The monthly report is computed from the lines dated in the month, so a month's closing
balance is by construction the next month's opening balance; the current month's closing
balance equals the ledger balances.

Privacy of the report
---------------------
Every resident of the RT sees the report: opening balance, income by category, every
expense with its receipt, other income lines, closing balance, and the *names of the
households that paid this month's iuran* (the amount is the same published schedule for
everyone, so this reveals nothing more). It shows only the *number* of households that have
not paid — never who is in arrears or how much they owe: that is personal financial data
(UU PDP) and naming neighbours in arrears invites shaming; the arrears list is for the
treasurer and ketua RT only, and each member sees their own dues.

Households: KotaKita has no household (KK) model yet, so one `Residency` is one household;
the treasurer exempts residents who share a house (or moved in later) with `IuranExemption`.
"""
