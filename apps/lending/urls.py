"""HTMX pages of apps.lending (mounted at /pinjaman/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "lending"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("ajukan/", views.apply_direct, name="apply"),
    path("hitung/", views.quote, name="quote"),
    path("tawaran/<int:pk>/terima/", views.accept_offer, name="accept_offer"),
    path("pengajuan/<int:pk>/", views.application, name="application"),
    path("pengajuan/<int:pk>/batal/", views.withdraw, name="withdraw"),
    path("saya/<int:pk>/", views.loan, name="loan"),
    path("saya/<int:pk>/bayar/", views.repay, name="repay"),
    path("saya/<int:pk>/potong-otomatis/", views.standing_instruction, name="standing_instruction"),
    path("petugas/", views.officer, name="officer"),
    path("petugas/skor/", views.score_now, name="score_now"),
    path("petugas/pengajuan/<int:pk>/", views.review, name="review"),
    path("petugas/pengajuan/<int:pk>/setujui/", views.approve, name="approve"),
    path("petugas/pengajuan/<int:pk>/tolak/", views.reject, name="reject"),
    path("petugas/pinjaman/<int:pk>/", views.officer_loan, name="officer_loan"),
    path("petugas/pinjaman/<int:pk>/hapus-buku/", views.write_off, name="write_off"),
    path("petugas/pinjaman/<int:pk>/pemulihan/", views.recover, name="recover"),
]
