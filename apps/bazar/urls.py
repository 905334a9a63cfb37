from django.urls import path

from . import views

app_name = "bazar"

urlpatterns = [
    path("", views.index, name="index"),
    path("voucher/", views.my_vouchers, name="vouchers"),
    path("voucher/tukar/", views.redeem, name="redeem"),
    path("<slug:slug>/", views.landing, name="landing"),
    path("<slug:slug>/laporan/", views.report, name="report"),
]
