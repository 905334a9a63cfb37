"""HTMX pages of apps.payments (mounted at /dompet/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "payments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("akun/<uuid:public_id>/", views.statement, name="statement"),
    path("akun/<uuid:public_id>/mutasi.csv", views.statement_csv, name="statement_csv"),
    path("akun/<uuid:public_id>/mutasi.pdf", views.statement_pdf, name="statement_pdf"),
    path("kirim/", views.transfer, name="transfer"),
    path("isi-saldo/", views.top_up, name="topup"),
    path("isi-saldo/<str:order_id>/", views.topup_detail, name="topup_detail"),
    path("qris/<uuid:public_id>.png", views.charge_qr_png, name="charge_qr_png"),
    path("toko/", views.shops, name="shops"),
    path("toko/<uuid:public_id>/", views.shop, name="shop"),
    path("toko/<uuid:public_id>/tagih/", views.create_request, name="create_request"),
    path("toko/<uuid:public_id>/tarik/", views.payout, name="payout"),
    path("tagihan/<uuid:public_id>/", views.request_detail, name="request"),
    path("tagihan/<uuid:public_id>/status/", views.request_status, name="request_status"),
    path("tagihan/<uuid:public_id>/qris.png", views.request_qr_png, name="request_qr_png"),
    path("tagihan/<uuid:public_id>/kode-baru/", views.request_new_code, name="request_new_code"),
    path("tagihan/<uuid:public_id>/bayar/", views.pay_request, name="pay_request"),
    path("tagihan/<uuid:public_id>/kembalikan/", views.refund_request, name="refund_request"),
    path("tagihan/<uuid:public_id>/batal/", views.cancel_request, name="cancel_request"),
    path("tagihan/<uuid:public_id>/tunai/", views.confirm_cash, name="confirm_cash"),
    path("bayar/", views.scan, name="scan"),
    path("sandbox/", views.sandbox, name="sandbox"),
]
