"""The payer's levy bills (mounted at /tagihan/ in every tenant) and the receipt verification."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "levy_payer"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_bills, name="list"),
    path("klaim/", views.claim, name="claim"),
    path("nik/", views.record_nik, name="record_nik"),
    path("verifikasi/<str:token>/", views.verify, name="verify"),
    path("<uuid:public_id>/", views.bill_detail, name="bill"),
    path("<uuid:public_id>/bayar/", views.pay_with_wallet, name="pay"),
    path("<uuid:public_id>/bukti.pdf", views.receipt_pdf, name="receipt"),
]
